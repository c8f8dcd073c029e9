"""Everything one running catalogue needs, built once from Settings: the web app and the
CLI share it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.jobs import JobRunner
from catalog.models import Dataset
from catalog.processes import ProcessRegistry
from catalog.recovery import recover
from catalog.search import SearchIndex
from catalog.settings import Settings
from datastore import Store, use_memory_pool

log = logging.getLogger(__name__)


MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(engine: Engine) -> None:
    """Apply every migration the database lacks (Alembic), in one transaction.

    A database made before migrations existed (its tables made by create_all) has no
    version yet: the first migration keeps the tables it finds and makes the ones missing.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Site:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings.resolved()
        if not use_memory_pool(self.settings.arrow_memory_pool):
            log.warning(
                "Arrow memory pool %s is not built in here", self.settings.arrow_memory_pool
            )
        self.engine = make_engine(self.settings.database_url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.store = Store(self.settings.files_dir)
        self.index = SearchIndex(self.settings.index_dir)
        self.processes = ProcessRegistry(self.settings.data_dir / "processes")
        self.jobs = JobRunner(
            self.sessions,
            self.settings.data_dir / "uploads",
            self.processes,
            workers=self.settings.ingest_workers,
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one unit of work; the caller commits, anything else rolls back."""
        with self.sessions() as session:
            yield session

    def prepare(self) -> None:
        """Bring the database up to date; say this process is alive and sweep up after dead
        ones (catalog.recovery); fill an empty authorities directory (when the settings say
        so); rebuild the search index if it is missing or out of step."""
        migrate(self.engine)
        with self.processes.startup():
            self.processes.register()
            alone = not self.processes.others_alive() and self.jobs.idle()
            recover(self, alone)
            if self.settings.seed_authorities:
                self._seed_authorities()
        with self.session() as session:
            count = session.scalar(select(func.count()).select_from(Dataset)) or 0
        if not self.index.healthy(expected_documents=count):
            if self.index.folder.exists():
                log.warning("search index damaged or out of step with the database: rebuilding it")
            from catalog.publishing import reindex

            reindex(self)

    def _seed_authorities(self) -> None:
        """The directory of public bodies from its seed lists, once (inside startup(), so
        two processes starting together do not both fill it)."""
        from catalog.authorities import seed_authorities

        with self.session() as session:
            added = seed_authorities(session)
            session.commit()
        if added:
            log.info("added %d public bodies to the authorities directory", added)

    def close(self) -> None:
        """Finish the running uploads, then let go of the data folder and the database."""
        self.jobs.shutdown()
        self.processes.close()
        self.engine.dispose()


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
    return create_engine(url, pool_pre_ping=True)
