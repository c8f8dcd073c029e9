"""The database engine for a SQLAlchemy URL (SQLite or PostgreSQL) and its migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event

MIGRATIONS = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT = 5  # seconds to reach PostgreSQL (unless the URL says connect_timeout=)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    # When PostgreSQL is down, a request fails within seconds (a 503, catalog/errors.py)
    # rather than waiting on the system's connect timeout; the pre-ping finds a pooled
    # connection that a restart of PostgreSQL broke and opens a new one, so the site
    # recovers by itself as soon as the server answers again.
    connect_args = {} if "connect_timeout=" in url else {"connect_timeout": CONNECT_TIMEOUT}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def migrate(engine: Engine) -> None:
    """Apply every migration the database lacks (Alembic), in one transaction.

    A database made before migrations existed (its tables made by create_all) has no
    version yet: the first migration keeps the tables it finds and makes the ones missing.
    """
    with engine.begin() as connection:
        upgrade(connection, "head")


def upgrade(connection: Connection, revision: str) -> None:
    """Apply the migrations up to `revision` on `connection`, in its transaction."""
    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def known_revisions() -> list[str]:
    """Every migration's revision this code has, oldest first (the last is the head)."""
    scripts = ScriptDirectory.from_config(_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
