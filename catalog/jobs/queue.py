"""The PostgreSQL job queue (DATASTORE_JOB_QUEUE=postgresql): uploads run by `datastore
worker` processes, through procrastinate, with its jobs in the catalogue's own database.

The app stages the upload's file in <data>/uploads/<job id>/ (the data folder every process
shares) and defers a procrastinate job whose arguments are the job's id and its spec, plain
JSON (catalog/datasets/upload_jobs.py rebuilds the work from it, for both queues). A worker
takes it, records its own process id on the IngestJob row, and runs it as the threads do
(JobRunner.run_claimed): progress and the ending are written on the row, so the job page of
any app process follows it.

A worker that dies (kill -9, a lost machine) leaves its procrastinate job "doing". Every
worker sweeps for such jobs a few times a second: one whose row names a process that is no
longer alive (catalog/jobs/processes.py: its lock is free the moment it dies), or whose
worker has sent procrastinate no heartbeat for STALLED_SECONDS, is put back in the queue for
another worker, up to MAX_ATTEMPTS starts in all; then it is failed with a message that says
so. It never publishes twice: the publish records the version on the job's row only where
none is recorded yet, in the same transaction (catalog/datasets/publishing.py), and a job
whose row already holds a version ends as published without running again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from typing import Any

import procrastinate
import psycopg_pool
from procrastinate import exceptions, jobs, utils
from procrastinate.schema import SchemaManager
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from catalog.jobs.runner import FAILED, JobResult, JobRunner

log = logging.getLogger(__name__)

TASK = "catalog.ingest_upload"
QUEUE = "uploads"
MAX_ATTEMPTS = 3  # starts of one job by workers that died before it ended
STALLED_SECONDS = 30  # a worker silent this long (no heartbeat) has lost its jobs
HEARTBEAT_SECONDS = 5
SWEEP_SECONDS = 0.5
CONFIRM_SECONDS = 2  # a dead owner named this long, not just before its worker's own
AT_ONCE_PRIORITY = 10  # a file refused from its first lines goes before the others
_SCHEMA_LOCK = 7_171_717  # the advisory lock held while the queue's tables are made
GAVE_UP = (
    "The worker checking this upload stopped before it was done, {attempts} times (the "
    "site's log may say why). Nothing was published; please upload the file again."
)


def check_queue(job_queue: str, database_url: str) -> None:
    """Refuse, in plain words, a queue setting that cannot work."""
    if job_queue not in ("threads", "postgresql"):
        raise ValueError(f"DATASTORE_JOB_QUEUE must be threads or postgresql, not {job_queue!r}.")
    if job_queue == "postgresql" and not database_url.startswith("postgresql"):
        raise ValueError(
            "DATASTORE_JOB_QUEUE=postgresql keeps its jobs in the catalogue's PostgreSQL "
            "database, and this site's catalogue is SQLite. Set DATASTORE_DATABASE_URL to a "
            "PostgreSQL database, or DATASTORE_JOB_QUEUE=threads (uploads run in the app)."
        )


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy URL (its options, search_path included,
    kept: the queue's tables are found where the catalogue's are)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def apply_queue_schema(engine: Engine) -> bool:
    """Make procrastinate's tables in the catalogue's schema (the first of its search_path)
    unless they are there; True if they were made. Two processes starting at once make
    them once (an advisory lock). An upgrade of procrastinate that changes them comes with
    migration scripts (procrastinate/sql/migrations), applied as the README says."""
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        if connection.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
            return False
        schema_sql = SchemaManager.get_schema()
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(schema_sql)  # many statements, no parameters: the simple protocol
        finally:
            cursor.close()
    log.info("made the job queue's tables (procrastinate %s)", procrastinate.__version__)
    return True


class PostgresQueue:
    """What the app needs of the queue: to defer a job. Its connections are opened for each
    deferral and closed after (an upload is not a hot path)."""

    def __init__(self, database_url: str) -> None:
        self._conninfo = conninfo(database_url)
        self._app: procrastinate.App | None = None
        self._pool: psycopg_pool.NullConnectionPool | None = None
        self._lock = threading.Lock()  # the app's threads defer at once

    def defer(self, job_id: str, spec: dict[str, Any], *, at_once: bool = False) -> None:
        task = self._opened().configure_task(
            TASK, queue=QUEUE, priority=AT_ONCE_PRIORITY if at_once else 0
        )
        task.defer(job_id=job_id, spec=spec)

    def waiting(self) -> set[str]:
        """The upload jobs the queue holds, waiting or being run."""
        manager = self._opened().job_manager
        held = [*manager.list_jobs(task=TASK, status="todo")]
        held += manager.list_jobs(task=TASK, status="doing")
        return {str(job.task_kwargs.get("job_id", "")) for job in held}

    def close(self) -> None:
        with self._lock:
            if self._app is not None and self._pool is not None:
                self._app.close()
                self._pool.close()  # ours: procrastinate leaves a pool it was given open
            self._app = self._pool = None

    def _opened(self) -> procrastinate.App:
        with self._lock:
            if self._app is None:
                app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())
                self._pool = psycopg_pool.NullConnectionPool(self._conninfo, open=True)
                app.open(self._pool)
                self._app = app
            return self._app


def run_workers(runner: JobRunner, database_url: str, concurrency: int) -> None:
    """Run `concurrency` uploads at a time from the queue until told to stop (SIGINT or
    SIGTERM: the running ones finish first)."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url), min_size=1, max_size=concurrency + 3
    )
    app = procrastinate.App(connector=connector)

    @app.task(name=TASK, queue=QUEUE)
    def ingest_upload(job_id: str, spec: dict[str, Any]) -> None:
        runner.run_claimed(job_id, spec)

    async def work() -> None:
        async with app.open_async():
            sweeping = asyncio.create_task(_sweep_forever(app, runner))
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=concurrency,
                    name=f"datastore-{runner.processes.id[:8]}",
                    update_heartbeat_interval=HEARTBEAT_SECONDS,
                    stalled_worker_timeout=STALLED_SECONDS,
                    delete_jobs="successful",
                )
            finally:
                sweeping.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeping

    asyncio.run(work())


async def _sweep_forever(app: procrastinate.App, runner: JobRunner) -> None:
    suspects: dict[int, tuple[str, float]] = {}
    while True:
        try:
            await sweep_stalled(app, runner, suspects)
        except Exception:  # a database down for a moment: the next sweep tries again
            log.warning("could not look for uploads of workers that stopped", exc_info=True)
        await asyncio.sleep(SWEEP_SECONDS)


async def sweep_stalled(
    app: procrastinate.App, runner: JobRunner, suspects: dict[int, tuple[str, float]]
) -> int:
    """Put back in the queue (or fail, past MAX_ATTEMPTS) the uploads of workers that died.
    Returns how many. A job whose row names a dead process is judged only once it has named
    that same process for CONFIRM_SECONDS: a worker that has just taken a job queued by an
    app process since stopped writes its own id a moment later (JobRunner.run_claimed).
    `suspects` (procrastinate job id: (process, since when)) is kept from sweep to sweep."""
    manager = app.job_manager
    doing = await manager.list_jobs_async(status="doing", task=TASK)
    silent = {
        job.id
        for job in await manager.get_stalled_jobs(
            task_name=TASK, seconds_since_heartbeat=STALLED_SECONDS
        )
    }
    now, found = time.monotonic(), 0
    for job in doing:
        assert job.id is not None
        job_id = str(job.task_kwargs.get("job_id", ""))
        owner = await asyncio.to_thread(runner.owner, job_id)
        if owner is None:  # the upload ended; its worker died before telling the queue
            if job.id in silent:
                await manager.finish_job_by_id_async(
                    job.id, status=jobs.Status.SUCCEEDED, delete_job=True
                )
            continue
        if job.id not in silent and runner.processes.is_alive(owner):
            suspects.pop(job.id, None)
            continue  # its worker is at work
        first = suspects.setdefault(job.id, (owner, now))
        if job.id not in silent and (first[0] != owner or now - first[1] < CONFIRM_SECONDS):
            if first[0] != owner:
                suspects[job.id] = (owner, now)
            continue
        suspects.pop(job.id, None)
        found += 1
        if job.attempts + 1 >= MAX_ATTEMPTS:
            log.warning("upload %s: its worker stopped %d times; failing it", job_id, MAX_ATTEMPTS)
            await manager.finish_job_by_id_async(
                job.id, status=jobs.Status.FAILED, delete_job=False
            )
            message = GAVE_UP.format(attempts=MAX_ATTEMPTS)
            await asyncio.to_thread(runner.end_claimed, job_id, JobResult(FAILED, message=message))
            continue
        log.warning("upload %s: its worker stopped; putting it back in the queue", job_id)
        await asyncio.to_thread(runner.requeue, job_id, owner)
        with contextlib.suppress(exceptions.ConnectorException):
            await manager.retry_job_by_id_async(job.id, retry_at=utils.utcnow())
    for gone in set(suspects) - {job.id for job in doing}:
        del suspects[gone]
    return found
