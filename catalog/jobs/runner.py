"""Uploads from the web page, run in the background: by a few threads of the app process
(catalog/jobs/lanes.py: which runs next, fairly, with a quick lane for small files), or, with
DATASTORE_JOB_QUEUE=postgresql, by `datastore worker` processes (catalog/jobs/queue.py).

A job's record is an IngestJob row, not memory: any app process can answer its page, and a
restart loses nothing. Its file waits in <data>/uploads/<job id>/ (a name of ours, never the
uploader's) from the moment the request is received until the job ends. A job whose
process died (catalog.jobs.processes tells) is marked failed, by the next process to start or
by whichever process is asked about it first (the queue's workers take it up again instead);
one whose dataset was committed before its process died says it was published (the publish
records the version on the job's row in the same transaction, only where none is yet).

A job has a time limit: its progress callback stops it (TimeLimitReached) once the limit
has passed, at the next progress report. Work that reports no progress cannot be stopped
mid-way (Python threads cannot be killed); the ingest reports at every block of rows.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from catalog.db.models import IngestJob, utcnow
from catalog.errors import CatalogError
from catalog.jobs.lanes import Lanes, Waiting
from catalog.jobs.processes import ProcessRegistry
from catalog.jobs.progress import ACTIVE, JobProgress

log = logging.getLogger(__name__)

QUEUED, PUBLISHED, INVALID, FAILED = "queued", "published", "invalid", "failed"
STOPPED = "The server stopped during this upload; please upload again."
STOPPED_AFTER = (
    "The server stopped just after publishing this file, so the dataset is published; its "
    "column profile is worked out when its page is first opened."
)
PUBLISHED_THEN = (
    "This file is published, but a step after publishing it went wrong on our side; the "
    "site's log says which."
)
UNEXPECTED = "Something went wrong on our side. Nothing you sent was published."
FOLLOWED_BY = '"followed_by": "'  # as json.dumps writes the key, for a query to find it


@dataclass(frozen=True)
class JobResult:
    """How a job ended."""

    state: str
    dataset_name: str | None = None
    version_number: int | None = None
    result: dict[str, Any] = field(default_factory=dict)  # the report and how the file read
    message: str = ""


class AlreadyPublished(CatalogError):
    """The job's row holds a version already: this run's publish was undone (never twice)."""


# The work of a job: given the saved file and its progress callback, publish it.
Work = Callable[[Path, JobProgress], JobResult]


class Queue(Protocol):
    """Where a job goes when other processes run it (catalog/jobs/queue.py)."""

    def defer(self, job_id: str, spec: dict[str, Any], *, at_once: bool = False) -> None: ...

    def waiting(self) -> set[str]: ...

    def close(self) -> None: ...


class JobRunner:
    """Runs jobs in this process's lanes (catalog/jobs/lanes.py), or hands them to `queue`
    for worker processes; their state lives in the database. `time_limit` is in seconds
    (0: none); `quick_bytes` the quick lane's largest file (0: no quick lane). A job given
    as a spec (plain JSON) is turned into its work by `work_from`, which the site sets
    (catalog/startup.py): the same code in this process's threads and in a worker's."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        folder: Path,
        processes: ProcessRegistry,
        workers: int = 1,
        *,
        quick_bytes: int = 0,
        time_limit: float = 0,
        queue: Queue | None = None,
    ) -> None:
        self.queue = queue
        self.work_from: Callable[[dict[str, Any]], Work] | None = None
        self.sessions = sessions
        self.folder = folder
        self.processes = processes
        self.time_limit = time_limit
        self.quick_bytes = quick_bytes
        self._lanes = Lanes(workers, quick_bytes)

    def enqueue(
        self,
        *,
        user_id: int | None,
        original_name: str,
        save: Callable[[Path], None],
        work: Work | None = None,
        spec: dict[str, Any] | None = None,
        keep: dict[str, Any] | None = None,
        at_once: Callable[[Path], bool] | None = None,
    ) -> str:
        """Record a job, save its file with `save(path)`, and queue its `work` (or its
        `spec`, which the queue's workers can be sent; the threads make it work). Returns its id.
        `keep` is the job's result until its work gives one (what the volunteer typed, so
        that a job that fails for any reason can be started again from it). A file up to
        `quick_bytes` may take the quick lane; one that `at_once(path)` says takes a moment
        whatever its size (a file refused from its first lines) is run at once, in the
        caller's thread, so that it never waits behind others."""
        job_id = uuid.uuid4().hex
        if spec is not None:  # as a worker receives it, whichever queue runs it
            spec = json.loads(json.dumps(spec, ensure_ascii=False))
        with self.sessions() as session:
            session.add(
                IngestJob(
                    id=job_id,
                    user_id=user_id,
                    process_id=self.processes.id,
                    state=QUEUED,
                    original_name=original_name[:300],
                    result_json=json.dumps(keep, ensure_ascii=False, default=str) if keep else "",
                )
            )
            session.commit()
        # The row is committed before the folder exists, so a start-up sweep that lists the
        # folders first and reads the jobs second never takes a live job's file.
        folder = self.folder / job_id
        try:
            folder.mkdir(parents=True)
            path = folder / "upload"
            save(path)
            if self.queue is not None:
                if spec is None:
                    raise ValueError("a job for the queue's workers must be given as a spec")
                self.queue.defer(job_id, spec, at_once=at_once is not None and at_once(path))
                return job_id
            if work is None:
                assert spec is not None and self.work_from is not None
                work = self.work_from(spec)
            run = partial(self._run, job_id, work, path)
            if at_once is not None and at_once(path):
                run()  # a moment's work: never queued behind others
                return job_id
            quick = path.stat().st_size <= self.quick_bytes
            self._lanes.add(Waiting(job_id, user_id, quick, run))
        except BaseException:
            self._finish(job_id, JobResult(FAILED, message=UNEXPECTED))
            raise
        return job_id

    def wait(self, job_id: str, timeout: float | None = None) -> bool:
        """Wait until the job has ended (in this process or any other); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        waiting = self._lanes.find(job_id)
        if waiting is not None and not waiting.ended.wait(timeout):
            return False
        while True:
            status = self.status(job_id)
            if status is None or status["finished"]:
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def status(self, job_id: str) -> dict[str, Any] | None:
        """The job's record as plain data, or None. A job whose process died is failed here."""
        job = self._load(job_id)
        if (
            self.queue is None  # else the workers judge their dead (catalog/jobs/queue.py)
            and job is not None
            and job.state in ACTIVE
            and not self.processes.is_alive(job.process_id)
        ):
            self._finish(job_id, JobResult(FAILED, message=STOPPED))
            job = self._load(job_id)
        if job is None:
            return None
        return {
            "id": job.id,
            "user_id": job.user_id,
            "state": job.state,
            "finished": job.state not in ACTIVE,
            "original_name": job.original_name,
            "stage": job.stage,
            "done": job.done,
            "total": job.total,
            "dataset_name": job.dataset_name,
            "version_number": job.version_number,
            "message": job.message,
            "result": json.loads(job.result_json) if job.result_json else None,
            "created": job.created.isoformat(timespec="seconds") + "Z",
            "updated": job.updated.isoformat(timespec="seconds") + "Z",
        }

    def recover(self) -> int:
        """Fail the jobs of processes that died, and remove the files of every job that is
        not queued or running. Returns how many jobs were failed."""
        folders = list(self.folder.iterdir()) if self.folder.is_dir() else []
        with self.sessions() as session:
            jobs = session.scalars(select(IngestJob).where(IngestJob.state.in_(ACTIVE))).all()
            # A job in the queue waits for a worker, whoever queued it, and the workers
            # judge those whose worker died (catalog/jobs/queue.py); one the queue does not
            # hold was lost with the process that was queueing it.
            held = self.queue.waiting() if self.queue is not None and jobs else set()
            alive = self.processes.is_alive
            live = {job.id for job in jobs if job.id in held or alive(job.process_id)}
        dead = [job for job in jobs if job.id not in live]
        for job in dead:
            self._finish(job.id, JobResult(FAILED, message=STOPPED))
            log.warning("upload %s was interrupted by a stop of the server", job.id)
        for folder in folders:
            if folder.name not in live:
                shutil.rmtree(folder, ignore_errors=True)
        return len(dead)

    def followed(self, job_id: str, next_id: str) -> None:
        """Say that the ended job `job_id` was checked again as `next_id` (its review answered,
        or its cells edited): its result keeps the next one's id, as "followed_by"."""
        with self.sessions() as session:
            job = session.get(IngestJob, job_id)
            if job is None or job.state in ACTIVE:
                return
            result = json.loads(job.result_json) if job.result_json else {}
            followed = {**result, "followed_by": next_id}
            job.result_json = json.dumps(followed, ensure_ascii=False, default=str)
            session.commit()

    def idle(self) -> bool:
        return self._lanes.idle()

    def holds(self, job_id: str) -> bool:
        """Whether this process still has the job queued or running (a cancelled one is let
        go at once)."""
        return self._lanes.find(job_id) is not None

    def shutdown(self) -> None:
        """Finish the running jobs; fail the ones still waiting (they cannot run any more)."""
        for waiting in self._lanes.close():
            self._finish(waiting.job_id, JobResult(FAILED, message=STOPPED))

    def run_claimed(self, job_id: str, spec: dict[str, Any]) -> None:
        """Run a job a worker took from the queue: the job is this process's from now on. A
        job already ended is left as it is, and one whose version was committed (by a worker
        that died just after) ends as published without running again."""
        with self.sessions() as session:
            done = session.execute(
                update(IngestJob)
                .where(IngestJob.id == job_id, IngestJob.state.in_(ACTIVE))
                .values(process_id=self.processes.id, updated=utcnow())
            )
            claimed = getattr(done, "rowcount", 0)
            session.commit()
        job = self._load(job_id)
        if not claimed or job is None:
            return  # ended (failed by a sweep, say) or gone
        path = self.folder / job_id / "upload"
        if job.version_number is not None or not path.is_file():
            self._finish(job_id, JobResult(FAILED, message=STOPPED))  # published, if it was
            return
        assert self.work_from is not None
        self._run(job_id, self.work_from(spec), path)

    def owner(self, job_id: str) -> str | None:
        """The process running the job, while it is queued or running."""
        job = self._load(job_id)
        return job.process_id if job is not None and job.state in ACTIVE else None

    def requeue(self, job_id: str, owner: str) -> None:
        """Say that the job, whose process `owner` died, waits for another worker."""
        with self.sessions() as session:
            session.execute(
                update(IngestJob)
                .where(IngestJob.id == job_id, IngestJob.process_id == owner)
                .where(IngestJob.state.in_(ACTIVE))
                .values(state=QUEUED, stage="", done=0, total=0, updated=utcnow())
            )
            session.commit()

    def end_claimed(self, job_id: str, result: JobResult) -> None:
        self._finish(job_id, result)  # a job ended from outside its work (a worker's sweep)

    def _run(self, job_id: str, work: Work, path: Path) -> None:
        progress = JobProgress(self.sessions, job_id, self.time_limit)
        try:
            progress.record("starting", 0, 0)
            result = work(path, progress)
        except AlreadyPublished:
            result = JobResult(FAILED, message=STOPPED)  # _finish: published, and why
        except CatalogError as error:
            result = JobResult(FAILED, message=error.message)
        except Exception:
            log.exception("upload %s failed", job_id)
            result = JobResult(FAILED, message=UNEXPECTED)
        self._finish(job_id, result)

    def _finish(self, job_id: str, result: JobResult) -> None:
        """Record how the job ended and remove its file. Retried: a job left "running" by a
        live process would show its progress page for ever. A job whose version was
        committed (publish_file records it on the row) ended published, whatever failed
        after."""
        if result.state != PUBLISHED:
            try:
                job = self._load(job_id)
            except SQLAlchemyError:
                job = None  # recorded as it came; the update below retries
            if job is not None and job.version_number is not None and job.dataset_name:
                told = STOPPED_AFTER if result.message == STOPPED else PUBLISHED_THEN
                result = JobResult(PUBLISHED, job.dataset_name, job.version_number, message=told)
        values = {
            "state": result.state,
            "dataset_name": result.dataset_name,
            "version_number": result.version_number,
            "message": result.message,
            "updated": utcnow(),
        }
        if result.result:  # else the job keeps what it was given to keep (enqueue's `keep`)
            values["result_json"] = json.dumps(result.result, ensure_ascii=False, default=str)
        for attempt in range(3):
            try:
                with self.sessions() as session:
                    session.execute(
                        update(IngestJob)
                        .where(IngestJob.id == job_id, IngestJob.state.in_(ACTIVE))
                        .values(**values)
                    )
                    session.commit()
                break
            except SQLAlchemyError:
                log.warning("could not record the end of upload %s", job_id, exc_info=True)
                time.sleep(1 + attempt)
        shutil.rmtree(self.folder / job_id, ignore_errors=True)

    def _load(self, job_id: str) -> IngestJob | None:
        with self.sessions() as session:
            return session.get(IngestJob, job_id)
