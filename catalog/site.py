"""Everything one running catalogue needs, built once from Settings: the database, the
files, the search index and the background jobs. The web app and the CLI share it;
catalog/startup.py brings it up to date before first use."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from catalog.config import Settings
from catalog.db.engine import make_engine
from catalog.jobs.processes import ProcessRegistry
from catalog.jobs.queue import PostgresQueue, check_queue
from catalog.jobs.runner import JobRunner
from catalog.search.backends import SearchBackend, open_index
from datastore import Store, use_memory_pool
from datastore.query import QueryLimits
from ingest.limits import TableLimits

log = logging.getLogger(__name__)


class Site:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings.resolved()
        if not use_memory_pool(self.settings.arrow_memory_pool):
            log.warning(
                "Arrow memory pool %s is not built in here", self.settings.arrow_memory_pool
            )
        self.engine = make_engine(self.settings.database_url)
        # Each session carries what the accounts room needs to hash a password.
        self.sessions = sessionmaker(
            self.engine,
            expire_on_commit=False,
            info={"password_profile": self.settings.password_profile},
        )
        self.store = Store(self.settings.files_dir)
        self.index: SearchBackend = open_index(self.settings, self.engine)
        self.processes = ProcessRegistry(self.settings.data_dir / "processes")
        # Queries spill in a folder of this process's, so that one starting after a crash
        # can tell a dead process's litter from a live one's (catalog/jobs/recovery.py).
        self.query_limits = QueryLimits(
            memory_mb=self.settings.query_memory_mb,
            spill_folder=self.settings.spill_dir / self.processes.id,
            spill_mb=self.settings.query_spill_mb,
        )
        # The shape an uploaded table may have, and its size unpacked (ingest/limits.py).
        self.table_limits = TableLimits(
            max_line_bytes=self.settings.max_line_bytes,
            max_columns=self.settings.max_columns,
            max_unpacked_bytes=self.settings.max_unpacked_bytes,
            max_header_bytes=self.settings.max_header_bytes,
            max_cell_bytes=self.settings.max_cell_bytes,
        )
        check_queue(self.settings.job_queue, self.settings.database_url)
        queue = (
            PostgresQueue(self.settings.database_url)
            if self.settings.job_queue == "postgresql"
            else None
        )
        self.jobs = JobRunner(
            self.sessions,
            self.settings.data_dir / "uploads",
            self.processes,
            workers=self.settings.ingest_workers,
            quick_bytes=self.settings.quick_upload_mb * 1024 * 1024,
            time_limit=self.settings.job_time_limit,
            queue=queue,
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one unit of work; the caller commits, anything else rolls back."""
        with self.sessions() as session:
            yield session

    def close(self) -> None:
        """Finish the running uploads, then let go of the data folder and the database."""
        self.jobs.shutdown()
        if self.jobs.queue is not None:
            self.jobs.queue.close()
        self.processes.close()
        self.engine.dispose()
        if self.query_limits.spill_folder is not None:
            shutil.rmtree(self.query_limits.spill_folder, ignore_errors=True)
