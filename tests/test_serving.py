"""`datastore run --processes N`: several gunicorn processes for a PostgreSQL catalogue;
a SQLite one refuses, saying why. (Serving with several processes, and one of them
killed, is tests/test_faults_processes.py: it starts real servers.)"""

from __future__ import annotations

from catalog.cli.serving import gunicorn_options, refusal
from catalog.config import Settings
from tests.conftest import Runner, make_settings
from tests.fault_support import free_port


def test_a_sqlite_catalogue_refuses_several_processes_and_says_why(sqlite_runner) -> None:
    result = sqlite_runner("run", "--processes", "2")
    assert result.exit_code == 2
    assert "--processes 2 needs a PostgreSQL catalogue" in result.output
    assert "one process write at a time" in result.output


def test_one_process_is_always_allowed_and_postgresql_allows_several() -> None:
    assert refusal(Settings(), 1) is None
    assert refusal(Settings(database_url="sqlite:///x.db"), 3) is not None
    assert refusal(Settings(database_url="postgresql+psycopg://u@h/db"), 3) is None


def test_gunicorn_trusts_no_forwarded_header_of_its_own() -> None:
    options = gunicorn_options(Settings(threads=3), "127.0.0.1", 5000, 2)
    assert (options["workers"], options["worker_class"], options["threads"]) == (2, "gthread", 3)
    assert options["secure_scheme_headers"] == {} and options["forwarded_allow_ips"] == ""
    assert options["preload_app"] is False


def test_a_database_that_is_not_answering_is_said_in_plain_words(tmp_path) -> None:
    url = f"postgresql+psycopg://postgres:hidden@127.0.0.1:{free_port()}/nowhere"
    result = Runner(make_settings(tmp_path, url))("run", "--processes", "2")
    assert result.exit_code == 1
    assert "The catalogue's database (postgresql+psycopg://postgres:***@127.0.0.1:" in result.output
    assert "is not answering: connection failed" in result.output
    assert "Start PostgreSQL, or check DATASTORE_DATABASE_URL" in result.output
    assert "hidden" not in result.output and "Traceback" not in result.output
