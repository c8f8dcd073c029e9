"""Uploads never wait behind one huge or slow upload, are taken fairly between uploaders, stop
at their time limit with their file kept, and say published when their dataset was committed
whatever happened after (catalog/jobs/lanes.py, catalog/jobs/runner.py).

Slow uploads are real work held at a gate (an event the test opens), the others real uploads
through the app; the kill is a real SIGKILL of an app process while it profiles.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.datasets.publishing import DatasetMetadata
from catalog.datasets.uploads import publish_upload
from catalog.jobs.runner import FAILED, PUBLISHED, PUBLISHED_THEN, STOPPED_AFTER, JobResult
from tests.conftest import DATA, wait_for
from tests.test_background_upload import (
    GDP,
    job_id,
    start_and_kill_an_upload,
    upload_bytes,
)
from tests.test_kill_safety import entries, write_numbers_csv
from tests.test_web import PASSWORD, csrf_token, finished, sign_in


class Gate:
    """Work that records when it starts and waits until the test opens its gate."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.gates: dict[str, threading.Event] = {}
        self.lock = threading.Lock()

    def work(self, name: str) -> Any:
        gate = self.gates.setdefault(name, threading.Event())

        def run(path: Path, progress: Any) -> JobResult:
            with self.lock:
                self.started.append(name)
            assert gate.wait(60), f"{name} was never let go"
            return JobResult(PUBLISHED, name, 1)

        return run

    def open(self, name: str) -> None:
        self.gates[name].set()


def enqueue(site: Any, user_id: int | None, work: Any, size: int = 10) -> str:
    return site.jobs.enqueue(
        user_id=user_id,
        original_name="x.csv",
        save=lambda path: path.write_bytes(b"a\n" * (size // 2)),
        work=work,
    )


@pytest.fixture
def one_worker(settings: Any) -> Any:
    """An app with one general worker and a quick lane for files up to 1 MB."""
    app = create_app(replace(settings, ingest_workers=1, quick_upload_mb=1))
    yield app
    app.extensions["site"].close()


def test_an_ordinary_upload_publishes_while_a_huge_one_holds_the_only_worker(one_worker):
    site, client = one_worker.extensions["site"], one_worker.test_client()
    gate = Gate()
    huge = enqueue(site, None, gate.work("huge"), size=2 * 1024 * 1024)
    wait_for(lambda: gate.started == ["huge"], timeout=30, what="the huge upload to start")
    sign_in(client, site)
    response = upload_bytes(client, (DATA / GDP).read_bytes(), "top.csv", title="Top economies")
    page = finished(client, site, response)  # in the quick lane, beside the huge one
    assert client.get(response.headers["Location"] + ".json").json["state"] == PUBLISHED, page.text
    assert site.jobs.status(huge)["state"] == "running"  # still held, never waited for
    # A second large file is not quick: it waits for the general worker.
    later = enqueue(site, None, gate.work("later"), size=2 * 1024 * 1024)
    assert site.jobs.status(later)["state"] == "queued"
    gate.open("huge")
    wait_for(lambda: gate.started == ["huge", "later"], timeout=30, what="the next large upload")
    gate.open("later")
    assert site.jobs.wait(huge, timeout=30) and site.jobs.wait(later, timeout=30)


def test_uploads_are_taken_in_turn_between_uploaders(settings):
    app = create_app(replace(settings, ingest_workers=2, quick_upload_mb=0))
    site = app.extensions["site"]
    try:
        gate = Gate()
        with site.session() as session:
            ids = [create_user(session, name, PASSWORD).id for name in ("priya", "sam")]
            session.commit()
        # Priya sends five files at once; Sam one, just after.
        priya = [enqueue(site, ids[0], gate.work(f"priya-{n}")) for n in range(1, 6)]
        wait_for(lambda: len(gate.started) == 2, timeout=30, what="two uploads to start")
        sam = enqueue(site, ids[1], gate.work("sam"))
        gate.open("priya-1")
        # The freed worker goes to Sam, who has none running, not to Priya's third file.
        wait_for(lambda: len(gate.started) == 3, timeout=30, what="a third upload to start")
        assert sorted(gate.started[:2]) == ["priya-1", "priya-2"]  # at once, either first
        assert gate.started[2] == "sam"
        gate.open("priya-2")
        gate.open("sam")
        wait_for(lambda: len(gate.started) == 5, timeout=30, what="two more uploads to start")
        assert sorted(gate.started[3:]) == ["priya-3", "priya-4"]  # hers, oldest first
        for name in ["priya-3", "priya-4", "priya-5"]:
            gate.open(name)
        for job in [*priya, sam]:
            assert site.jobs.wait(job, timeout=30)
        assert gate.started[5] == "priya-5"
    finally:
        site.close()


def test_an_upload_past_its_time_limit_is_stopped_its_file_kept(settings, tmp_path):
    app = create_app(replace(settings, job_time_limit=1))
    site, client = app.extensions["site"], app.test_client()
    try:
        sign_in(client, site)
        # A million rows: several seconds of checking, past the one-second limit.
        data, _ = write_numbers_csv(tmp_path / "big")
        response = upload_bytes(client, data.read_bytes(), "numbers.csv", title="Numbers")
        page = finished(client, site, response)
        status = client.get(response.headers["Location"] + ".json").json
        assert status["state"] == FAILED, status
        message = status["message"]
        assert "longer than the site's limit of 1 second for one upload" in message
        assert "DATASTORE_JOB_TIME_LIMIT" in message and "smaller files" in message
        assert "Nothing was published; your file is kept (reference " in message
        assert "Upload it again" in page.text
        assert client.get("/api/3/action/package_list").json["result"] == []
        reference = message.rsplit("(reference ", 1)[1].rstrip(").")
        kept = site.settings.files_dir / "rejected" / reference
        assert kept.is_dir() and any(
            p.stat().st_size == data.stat().st_size for p in kept.iterdir()
        )
        assert entries(site.settings.files_dir / "staging") == []  # nothing half-written
        assert entries(site.settings.data_dir / "uploads") == []
    finally:
        site.close()


def test_the_time_limit_stops_work_at_its_next_progress_report(settings):
    app = create_app(replace(settings, job_time_limit=1))
    site = app.extensions["site"]
    try:

        def slow(path: Path, progress: Any) -> JobResult:
            threading.Event().wait(1.2)  # past the limit before it reports
            progress("reading", 1, 2)
            return JobResult(PUBLISHED, "never", 1)

        job = enqueue(site, None, slow)
        assert site.jobs.wait(job, timeout=30)
        status = site.jobs.status(job)
        assert status["state"] == FAILED
        assert status["message"].startswith("Checking this file took longer than the site's")
    finally:
        site.close()


def test_a_job_whose_dataset_was_committed_says_published_if_a_later_step_fails(site):
    def link_fails(user_id: int | None, name: str) -> str:
        raise RuntimeError("the FOI link broke")

    work = lambda path, progress: publish_upload(  # noqa: E731
        site,
        path,
        progress,
        original_name="top.csv",
        on_published=link_fails,
        schema=None,
        metadata=DatasetMetadata(title="Top economies"),
        allow_copy=True,
        review={"answers": {}},
    )
    job = site.jobs.enqueue(
        user_id=None,
        original_name="top.csv",
        save=lambda path: path.write_bytes((DATA / GDP).read_bytes()),
        work=work,
    )
    assert site.jobs.wait(job, timeout=60)
    status = site.jobs.status(job)
    assert (status["state"], status["message"]) == (PUBLISHED, PUBLISHED_THEN), status
    assert (status["dataset_name"], status["version_number"]) == ("top-economies", 1)


@pytest.mark.processes
def test_a_kill_while_profiling_leaves_the_job_saying_published(settings, tmp_path):
    big_file = write_numbers_csv(tmp_path / "upload")[0]
    looker = create_app(settings)  # another app process, alive throughout
    site = looker.extensions["site"]
    try:
        job = start_and_kill_an_upload(settings, site, big_file, stage="profiling")
        client = looker.test_client()
        token = csrf_token(client, "/login")
        client.post(
            "/login", data={"username": "volunteer", "password": PASSWORD, "csrf_token": token}
        )
        status = client.get(f"/uploads/{job}.json").json
        assert (status["state"], status["message"]) == (PUBLISHED, STOPPED_AFTER), status
        assert (status["dataset_name"], status["version_number"]) == ("numbers", 1)
        page = client.get(f"/uploads/{job}")
        assert f'<a href="{status["dataset_url"]}">numbers</a>' in page.text
        assert "Rows 1 to 20 of 1,000,000" in client.get(status["dataset_url"]).text
        # Uploading the same file again names the published dataset instead of a copy.
        again = upload_bytes(client, big_file.read_bytes(), "numbers.csv", title="Numbers")
        assert "already published" in finished(client, site, again).text
        assert client.get("/api/3/action/package_list").json["result"] == ["numbers"]
        assert job_id(again) != job
    finally:
        site.close()
