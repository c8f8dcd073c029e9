"""Fault: kill -9 a `datastore worker` in the middle of an ingest (issue 17).

Two worker processes on one PostgreSQL catalogue and one data folder; an upload of a million
rows (several seconds of ingest); the worker that claimed it is killed with SIGKILL. The job
must end on the other worker (or fail with a message that says what happened), with exactly
one dataset and version or none, no version folder the database does not know, a job page
that says the truth, and a re-upload that publishes. Every wait has a deadline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.app import create_app
from catalog.db.models import Dataset, IngestJob, Version
from catalog.jobs.queue import GAVE_UP, MAX_ATTEMPTS
from catalog.jobs.runner import STOPPED_AFTER
from tests.conftest import wait_for
from tests.test_background_upload import job_id, upload_bytes
from tests.test_kill_safety import ROWS, entries, write_numbers_csv
from tests.test_web import sign_in
from tests.workers import Worker, queue_jobs, queue_settings, workers

pytestmark = [pytest.mark.faults, pytest.mark.postgresql, pytest.mark.processes]


@pytest.fixture
def site_and_client(tmp_path: Path) -> Any:
    with queue_settings(tmp_path) as settings:
        app = create_app(settings)
        try:
            client = app.test_client()
            sign_in(client, app.extensions["site"])
            yield app.extensions["site"], client
        finally:
            app.extensions["site"].close()


def row(site: Any, job: str) -> IngestJob:
    with site.session() as session:
        found = session.get(IngestJob, job)
        assert found is not None
        return found


def ready(worker: Worker) -> bool:
    return "Upload worker" in worker.output()


def owner_of(pool: list[Worker], process_id: str) -> Worker:
    """The worker whose registry id is `process_id` (each prints the first 8 characters)."""
    named = [w for w in pool if f"Upload worker {process_id[:8]} " in w.output()]
    assert len(named) == 1, [w.output() for w in pool]
    return named[0]


def published_versions(site: Any) -> tuple[int, int, set[tuple[str, int]]]:
    with site.session() as session:
        datasets = session.scalar(select(func.count()).select_from(Dataset)) or 0
        versions = session.scalar(select(func.count()).select_from(Version)) or 0
        rows = session.execute(select(Dataset.key, Version.number).join(Version.dataset))
        known = {(key, number) for key, number in rows}
    return datasets, versions, known


def version_folders(site: Any) -> set[tuple[str, int]]:
    root = site.settings.files_dir / "datasets"
    return {
        (key, int(number))
        for key in entries(root)
        for number in entries(root / key)
        if number.isdigit()
    }


def kill_mid_way(site: Any, client: Any, tmp_path: Path, stages: tuple[str, ...]) -> Any:
    """Upload the big file with two workers running, kill the one that claims it once its
    job reaches one of `stages` (with rows counted), and wait for the job to end. Returns
    (job id, its JSON status, the killed worker, the survivor, the file)."""
    big_file = write_numbers_csv(tmp_path / "upload", rows=ROWS)[0]
    with workers(site.settings, tmp_path / "logs", count=2) as pool:
        for worker in pool:
            wait_for(lambda w=worker: ready(w), 60, "the workers to start")
        job = job_id(upload_bytes(client, big_file.read_bytes(), "numbers.csv", title="Numbers"))

        def mid_way() -> bool:
            found = row(site, job)
            assert found.state in ("queued", "running"), (found.state, found.message)
            counted = found.done > 0 or found.stage == "profiling"  # profiling counts 0 of 1
            on_worker = found.process_id != site.processes.id
            return found.stage in stages and counted and on_worker

        wait_for(mid_way, 180, f"the upload to reach {stages} on a worker")
        killed = owner_of(pool, row(site, job).process_id)
        killed.kill()
        survivor = next(w for w in pool if w is not killed)
        wait_for(lambda: row(site, job).state not in ("queued", "running"), 240, "the job to end")
        status = client.get(f"/uploads/{job}.json").json
        assert survivor.process.poll() is None, survivor.output()
        return job, status, killed, survivor, big_file, pool


def check_nothing_half_published(site: Any, status: dict[str, Any]) -> None:
    datasets, versions, known = published_versions(site)
    if status["state"] == "published":
        assert (datasets, versions) == (1, 1), status
    else:
        assert (datasets, versions) == (0, 0), status
    # No version folder the database does not know (the dead worker's staging folder may
    # wait for a sweep; it is never in view).
    assert version_folders(site) == known
    assert not [j for s, j, _ in queue_jobs(site) if s in ("todo", "doing")]


def reupload_publishes(site: Any, client: Any, big_file: Path, tmp_path: Path) -> None:
    with workers(site.settings, tmp_path / "again") as [_worker]:
        again = job_id(
            upload_bytes(
                client, big_file.read_bytes(), "numbers.csv", title="Numbers", allow_copy="y"
            )
        )
        wait_for(lambda: row(site, again).state not in ("queued", "running"), 240, "the re-upload")
    status = client.get(f"/uploads/{again}.json").json
    assert status["state"] == "published", status
    assert f"of {ROWS:,}" in client.get(status["dataset_url"]).text
    _, versions, known = published_versions(site)
    assert version_folders(site) == known and versions >= 1


def test_a_worker_killed_mid_ingest_hands_the_upload_to_another(site_and_client, tmp_path):
    site, client = site_and_client
    job, status, killed, survivor, big_file, _ = kill_mid_way(
        site, client, tmp_path, stages=("reading", "validating", "converting")
    )
    # The job went back to the queue and the other worker published it, once.
    assert status["state"] == "published", (status, survivor.output())
    assert owner_of([killed, survivor], row(site, job).process_id) is survivor
    assert "putting it back in the queue" in survivor.output() + killed.output()
    check_nothing_half_published(site, status)
    page = client.get(f"/uploads/{job}")
    assert f'<a href="{status["dataset_url"]}">' in page.text
    assert f"Rows 1 to 20 of {ROWS:,}" in client.get(status["dataset_url"]).text
    reupload_publishes(site, client, big_file, tmp_path)


def test_a_worker_killed_after_the_publish_leaves_it_published_once(site_and_client, tmp_path):
    site, client = site_and_client
    job, status, _, survivor, big_file, _ = kill_mid_way(
        site, client, tmp_path, stages=("profiling",)
    )
    # The version was committed with the job's row: the retried job ends as published
    # without publishing again.
    assert (status["state"], status["message"]) == ("published", STOPPED_AFTER), status
    check_nothing_half_published(site, status)
    assert f"Rows 1 to 20 of {ROWS:,}" in client.get(status["dataset_url"]).text
    reupload_publishes(site, client, big_file, tmp_path)


def test_an_upload_whose_workers_all_die_fails_saying_so(site_and_client, tmp_path):
    """Killed at each of its three starts, the upload is failed by the next worker with a
    message that says what happened, and nothing is published."""
    site, client = site_and_client
    big_file = write_numbers_csv(tmp_path / "upload", rows=ROWS)[0]
    job = job_id(upload_bytes(client, big_file.read_bytes(), "numbers.csv", title="Numbers"))
    killed: list[str] = []
    for attempt in range(MAX_ATTEMPTS):
        worker = Worker(site.settings, tmp_path / f"worker-{attempt}.log")
        try:

            def claimed() -> bool:
                found = row(site, job)
                assert found.state in ("queued", "running"), (found.state, found.message)
                return found.state == "running" and found.process_id not in {
                    site.processes.id,
                    *killed,
                }

            wait_for(claimed, 120, f"start {attempt + 1} of the upload")
            killed.append(row(site, job).process_id)
        finally:
            worker.kill()
    with workers(site.settings, tmp_path / "last") as [last]:
        wait_for(lambda: row(site, job).state == "failed", 120, "the upload to be failed")
    status = client.get(f"/uploads/{job}.json").json
    assert status["message"] == GAVE_UP.format(attempts=MAX_ATTEMPTS), (status, last.output())
    assert f"stopped before it was done, {MAX_ATTEMPTS} times" in client.get(f"/uploads/{job}").text
    check_nothing_half_published(site, status)
    reupload_publishes(site, client, big_file, tmp_path)
