"""A job's progress callback (catalog/jobs/runner.py): what stage it is at, written on its
row a few times a second, and its time limit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from catalog.db.models import IngestJob, utcnow
from catalog.errors import CatalogError

log = logging.getLogger(__name__)

RUNNING = "running"
ACTIVE = ("queued", RUNNING)
PROGRESS_INTERVAL_SECONDS = 0.25  # at most four progress writes a second per job and stage

Progress = Callable[[str, int, int], None]


class TimeLimitReached(CatalogError):
    """A job ran past its time limit (raised by its progress callback)."""

    status = 413


class JobProgress:
    """A job's progress callback: records the stage, done and total, a few times a second,
    and stops the job (TimeLimitReached) once it has run past `time_limit` seconds."""

    def __init__(self, sessions: sessionmaker[Session], job_id: str, time_limit: float = 0) -> None:
        self.sessions = sessions
        self.job_id = job_id
        self.writes = 0
        self.time_limit = time_limit
        self._started = time.monotonic()
        self._last = float("-inf")
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if self.time_limit and now - self._started > self.time_limit:
            raise TimeLimitReached(
                f"Checking this file took longer than the site's limit of "
                f"{_duration(self.time_limit)} for one upload "
                "(DATASTORE_JOB_TIME_LIMIT), so it was stopped. Splitting it into smaller "
                "files (by year or by area, say) gets each under the limit."
            )
        if now - self._last < PROGRESS_INTERVAL_SECONDS and stage == self._stage:
            return  # a new stage is always written: the page says what is happening
        self._last, self._stage = now, stage
        self.record(stage, done, total)

    def record(self, stage: str, done: int, total: int) -> None:
        try:
            with self.sessions() as session:
                session.execute(
                    update(IngestJob)
                    .where(IngestJob.id == self.job_id, IngestJob.state.in_(ACTIVE))
                    .values(
                        state=RUNNING, stage=stage[:40], done=done, total=total, updated=utcnow()
                    )
                )
                session.commit()
            self.writes += 1
        except SQLAlchemyError:  # the upload matters more than its progress bar
            log.warning("could not record the progress of upload %s", self.job_id, exc_info=True)


def _duration(seconds: float) -> str:
    """1 second, 90 seconds, 30 minutes, 1.5 hours."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            amount = seconds / size
            return f"{amount:g} {unit}s"
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"
