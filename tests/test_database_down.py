"""PostgreSQL going away under a running app: pages answer a quick 503 with plain words,
the API its error envelope, and the app recovers by itself once the database answers
again (no restart). The database "goes away" through a TCP forwarder the test cuts
(tests/tcp_proxy.py), so the shared test server carries on for everyone else;
tests/test_faults_database.py restarts a real server of its own."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from catalog.app import create_app
from catalog.datasets.publishing import DatasetMetadata
from catalog.errors import DATABASE_DOWN
from tests.conftest import PG_URL, make_settings, postgres_schema, wait_for
from tests.factories import new_dataset
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgresql


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[Any, TcpProxy]]:
    if not PG_URL:
        pytest.skip("PostgreSQL not configured (set DATASTORE_TEST_POSTGRES_URL)")
    with postgres_schema() as url:
        real = make_url(url)
        proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
        proxy.start()
        through = real.set(port=proxy.port).render_as_string(hide_password=False)
        app = create_app(make_settings(tmp_path, through))
        try:
            yield app, proxy
        finally:
            proxy.cut()
            app.extensions["site"].close()


def test_pages_and_the_api_answer_503_quickly_while_the_database_is_away(proxied) -> None:
    app, proxy = proxied
    name = new_dataset(app.extensions["site"], DatasetMetadata(title="Ward spending"))
    client = app.test_client()
    assert client.get(f"/dataset/{name}").status_code == 200

    proxy.cut()
    started = time.monotonic()
    page = client.get(f"/dataset/{name}")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert "the catalogue&#39;s database is not answering" in page.text.lower()
    assert "try again in a minute" in page.text
    api = client.get("/api/3/action/package_show", query_string={"id": name})
    assert api.status_code == 503
    body = api.get_json()
    assert body["success"] is False and body["error"]["message"] == DATABASE_DOWN
    assert time.monotonic() - started < 10  # refused, not waited on (never asserted tighter)

    proxy.start()  # the same port: the app is not told
    wait_for(lambda: client.get(f"/dataset/{name}").status_code == 200, 20, "the page again")
    assert client.get("/api/3/action/package_show", query_string={"id": name}).status_code == 200
