"""Helpers for tests of the PostgreSQL job queue: a site whose uploads go to the queue, and
`datastore worker` processes of its own (started, stopped and killed by the test)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from catalog.config import Settings
from tests.conftest import PG_URL, REQUIRE_PG, SchemaNotMade, make_settings, postgres_schema
from tests.test_kill_safety import DATASTORE, ROOT, environment


@contextmanager
def queue_settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings of a site on a PostgreSQL schema of its own, its uploads run by workers."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("DATASTORE_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set DATASTORE_TEST_POSTGRES_URL)")
    try:
        with postgres_schema() as url:
            yield dataclasses.replace(make_settings(tmp_path, url), job_queue="postgresql")
    except SchemaNotMade as error:
        if REQUIRE_PG:
            raise
        pytest.skip(f"PostgreSQL is not answering at {PG_URL}: {error}")


class Worker:
    """One `datastore worker` process; its output is in `log`."""

    def __init__(self, settings: Settings, log: Path, concurrency: int = 1) -> None:
        self.log = log
        env = {
            **environment(settings),
            "DATASTORE_JOB_QUEUE": "postgresql",
            "DATASTORE_SEED_AUTHORITIES": "false",
            "DATASTORE_PASSWORD_PROFILE": "CHEAPEST",
        }
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                [str(DATASTORE), "worker", "--concurrency", str(concurrency)],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, as a supervisor stops it: the running uploads finish, then it ends."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def workers(settings: Settings, folder: Path, count: int = 1) -> Iterator[list[Worker]]:
    folder.mkdir(parents=True, exist_ok=True)
    started = [Worker(settings, folder / f"worker-{n}.log") for n in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


def queue_jobs(site: Any) -> list[tuple[str, str, int]]:
    """(status, job id, attempts) of every procrastinate job, in the site's own schema."""
    from sqlalchemy import text

    with site.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT status, args->>'job_id', attempts FROM procrastinate_jobs ORDER BY id")
        )
        return [(str(s), str(j), int(a)) for s, j, a in rows]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
