"""PostgreSQL restarted under load: while it is down, requests get a quick 503 with the
clear page; within seconds of its return they succeed again, the app never restarted.
The PostgreSQL is a private cluster of the test's own (tests/fault_support.py), never the
machine's shared server; the app is a real `datastore run --processes 2`."""

from __future__ import annotations

import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from catalog.config import Settings
from catalog.datasets.publishing import DatasetMetadata
from catalog.site import Site
from catalog.startup import prepare
from tests.conftest import wait_for
from tests.factories import new_dataset
from tests.fault_support import (
    Load,
    PrivateCluster,
    answers,
    environment,
    free_port,
    private_cluster,
    served,
    workers,
)

pytestmark = [pytest.mark.faults, pytest.mark.processes]

CLIENTS = 4


def page_while_down(url: str) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (our server)
            return int(response.status), response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        error.close()
        return int(error.code), body, time.monotonic() - started


@pytest.fixture
def private_site(tmp_path: Path) -> Iterator[tuple[PrivateCluster, dict[str, str], str]]:
    """A private PostgreSQL cluster with a catalogue of one dataset on it: the cluster, the
    environment of the site's processes and the dataset's name."""
    with private_cluster() as cluster:
        admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE catalogue"))
        admin.dispose()
        url = cluster.url.rsplit("/", 1)[0] + "/catalogue"
        data_dir = tmp_path / "data"
        env = environment(data_dir, url)
        site = Site(Settings(data_dir=data_dir, database_url=url, secret_key="x" * 32))
        try:
            prepare(site)
            name = new_dataset(site, DatasetMetadata(title="Ward spending"))
        finally:
            site.close()
        yield cluster, env, name


def test_requests_fail_fast_while_postgresql_restarts_and_recover_alone(
    private_site: tuple[PrivateCluster, dict[str, str], str], tmp_path: Path
) -> None:
    cluster, env, name = private_site
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    paths = [f"/dataset/{name}", f"/api/3/action/package_show?id={name}", "/search?q=ward"]
    with served(env, port, 2, tmp_path / "server.log") as server:
        before = workers(server.pid)
        with Load(base, paths, clients=CLIENTS) as load:
            wait_for(lambda: load.count() >= 30, 60, "the load to get going")
            cluster.stop("fast")
            stopped_at = time.monotonic()
            status, page, took = page_while_down(f"{base}/dataset/{name}")
            wait_for(lambda: len(load.since(stopped_at + 0.5)) >= 20, 60, "load while down")
            api_status, api_body, _ = page_while_down(f"{base}/api/3/action/package_show?id={name}")
            restarting_at = time.monotonic()
            cluster.start()
            back_at = time.monotonic()
            wait_for(
                lambda: any(a.status == 200 for a in load.since(back_at)),
                30,
                "a request to succeed after PostgreSQL is back",
            )
            recovered_at = time.monotonic()
            wait_for(lambda: len(load.since(recovered_at + 1)) >= 30, 60, "load after")
        assert workers(server.pid) == before  # nothing restarted
    log = (tmp_path / "server.log").read_text(errors="replace")

    assert status == 503 and took < 10, (status, took)
    assert "database is not answering; try again in a minute" in page.replace("&#39;", "'")
    assert api_status == 503 and '"success":false' in api_body.replace(" ", "")
    down = [a for a in load.answers if stopped_at + 0.5 <= a.started and a.ended <= restarting_at]
    wrong = [a for a in down if a.status != 503]
    assert down and not wrong, (wrong, log[-4000:])
    assert all(a.ended - a.started < 10 for a in down)
    # Every answer was a page or a 503: no dropped connection, no 500.
    assert {a.status for a in load.answers} <= {200, 503}, log[-3000:]
    assert recovered_at - back_at < 30
    after = load.since(recovered_at + 1)
    assert after and all(a.status == 200 for a in after), log[-3000:]


def test_a_worker_that_dies_while_postgresql_is_down_is_replaced_when_it_is_back(
    private_site: tuple[PrivateCluster, dict[str, str], str], tmp_path: Path
) -> None:
    """A replacement worker cannot join the site without its database: it waits (and
    makes way for another after a while) instead of failing to boot, which would make
    gunicorn stop the whole server."""
    cluster, env, name = private_site
    port = free_port()
    url = f"http://127.0.0.1:{port}/dataset/{name}"
    log = tmp_path / "server.log"
    with served(env, port, 2, log) as server:
        before = workers(server.pid)
        cluster.stop("fast")
        wait_for(lambda: answers(url) == 503, 30, "a 503 while PostgreSQL is down")
        os.kill(before[0], signal.SIGKILL)
        wait_for(lambda: before[0] not in workers(server.pid), 30, "the worker to go")
        wait_for(lambda: len(workers(server.pid)) == 2, 30, "gunicorn to start another")
        wait_for(lambda: "this worker waits for it" in log.read_text(), 30, "it to wait")
        assert answers(url) == 503  # the other worker answers meanwhile
        cluster.start()
        wait_for(lambda: answers(url) == 200, 60, "the page again")
        # The replacement joins the site: it registers, and sweeps the dead one's lock.
        wait_for(lambda: live_locks(env) == 2, 60, "the replacement to join the site")
        after = workers(server.pid)
        assert server.poll() is None and len(after) == 2 and before[0] not in after
        assert [answers(url) for _ in range(20)] == [200] * 20
    assert "Worker failed to boot" not in log.read_text()


def live_locks(env: dict[str, str]) -> int:
    folder = Path(env["DATASTORE_DATA_DIR"]) / "processes"
    return len([path for path in folder.glob("*.lock") if path.stem != "startup"])
