"""Fixtures in flaskr's shape: settings, app, client, runner.

Catalogue tests run once on SQLite and once on PostgreSQL. PostgreSQL comes from
DATASTORE_TEST_POSTGRES_URL (the Makefile points it at 127.0.0.1:5432/test); each test
gets a schema of its own, dropped afterwards. Where the server is not answering the
PostgreSQL runs are skipped, unless DATASTORE_TEST_REQUIRE_POSTGRES=1 (as in CI), and
carry the `postgresql` marker; tests that start processes of their own carry `processes`.
Tests that never reach the database (the CLI's `validate`, say) take `sqlite_runner`
instead of `runner`, and so run once.

Waits poll with a deadline (`wait_for`), never sleep for a fixed time.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from catalog.app import create_app
from catalog.cli import main
from catalog.config import Settings
from catalog.search.index import SearchIndex
from catalog.search.pgindex import PostgresIndex

DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("DATASTORE_TEST_POSTGRES_URL", "")
REQUIRE_PG = os.environ.get("DATASTORE_TEST_REQUIRE_POSTGRES") == "1"


def cases() -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
    return value


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield ""  # the default: a SQLite file in the data folder
        return
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("DATASTORE_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set DATASTORE_TEST_POSTGRES_URL)")
    try:
        with postgres_schema() as url:
            yield url
    except SchemaNotMade as error:
        if REQUIRE_PG:
            raise error.__cause__ from None
        pytest.skip(f"PostgreSQL is not answering at {PG_URL}: {error}")


class SchemaNotMade(Exception):
    pass


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a new schema of its own on the test server, dropped afterwards."""
    engine = create_engine(PG_URL)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        engine.dispose()
        raise SchemaNotMade(error.__class__.__name__) from error
    joiner = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def make_settings(tmp_path: Path, database_url: str, search_backend: str = "whoosh") -> Settings:
    return Settings(
        search_backend=search_backend,
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=uuid.uuid4().hex,
        load_samples=False,
        seed_authorities=False,
        # Argon2 at its cheapest: the real hashing, at a cost a test suite of a thousand
        # sign-ins can pay (a site's default costs about 0.2 s of CPU a hash).
        password_profile="CHEAPEST",
    )


@pytest.fixture
def search_backend() -> str:
    """The search backend of the test's site: Whoosh, unless a module overrides this
    fixture with SEARCH_BACKENDS (the search tests run on both)."""
    return "whoosh"


SEARCH_BACKENDS = ["whoosh", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture
def settings(tmp_path: Path, database_url: str, search_backend: str) -> Settings:
    if search_backend == "postgresql" and not database_url:
        pytest.skip("the PostgreSQL search backend needs a PostgreSQL catalogue")
    return make_settings(tmp_path, database_url, search_backend)


@pytest.fixture
def empty_index(tmp_path: Path, search_backend: str) -> Iterator[Any]:
    """An empty search index of the test's backend, with no site: a Whoosh folder, or the
    PostgreSQL backend's tables in a schema of its own."""
    if search_backend == "whoosh":
        yield SearchIndex(tmp_path / "index")
        return
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("DATASTORE_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set DATASTORE_TEST_POSTGRES_URL)")
    with postgres_schema() as url:
        engine = create_engine(url)
        try:
            yield PostgresIndex(engine)
        finally:
            engine.dispose()


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    app = create_app(settings)
    yield app
    app.extensions["site"].close()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def site(app: Any) -> Any:
    return app.extensions["site"]


class Runner:
    """Runs the `datastore` command with the test's settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, *args: str, input: str | None = None) -> Any:
        return CliRunner().invoke(main, [str(a) for a in args], obj=self.settings, input=input)


@pytest.fixture
def runner(settings: Settings) -> Runner:
    return Runner(settings)


@pytest.fixture
def sqlite_runner(tmp_path: Path) -> Runner:
    """The runner for commands that never reach the database: SQLite alone, so one run."""
    return Runner(make_settings(tmp_path, ""))


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll `condition` every few milliseconds until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)
