"""Uploads from the web run in the background; the job page shows live progress, then the result.

Everything goes through the real app (the Flask test client, the app's own threads, a real
database). The crash test runs the app in a process of its own and kills it with SIGKILL in
the middle of an upload.
"""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.db.models import IngestJob
from catalog.errors import InvalidInput
from catalog.jobs.progress import PROGRESS_INTERVAL_SECONDS
from catalog.jobs.runner import FAILED, STOPPED, UNEXPECTED, JobResult
from catalog.site import Site
from catalog.startup import prepare
from tests.conftest import DATA, wait_for
from tests.test_kill_safety import ROOT, entries, environment, write_numbers_csv
from tests.test_web import PASSWORD, csrf_token, finished, post_multipart, reviewed, sign_in

GDP = "valid/gdp/data/top-economies.csv"


def upload_bytes(client: Any, content: bytes, filename: str, **fields: Any) -> Any:
    form = {
        "csrf_token": csrf_token(client, "/upload"),
        "file": (io.BytesIO(content), filename),
        "schema_source": "infer",
        "title": "A title",
        "licence": "uk-ogl",
        **fields,
    }
    return post_multipart(client, "/upload", form)


def job_id(response: Any) -> str:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/uploads/([0-9a-f]{32})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_an_upload_runs_in_the_background_and_its_page_follows_it(client, site, tmp_path):
    sign_in(client, site)
    data, _ = write_numbers_csv(tmp_path, rows=600_000)
    response = upload_bytes(client, data.read_bytes(), "numbers.csv", title="Numbers")
    job = job_id(response)
    # The file was saved before the answer came, in a folder named by the job.
    assert entries(site.settings.data_dir / "uploads") == [job]

    page = client.get(f"/uploads/{job}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page.text
    assert "upload_job.js" in page.text and "<progress" in page.text
    assert f'data-status-url="/uploads/{job}.json"' in page.text

    # The JSON twin moves while the job runs: the stage and the counts of its progress.
    seen = []

    def moving() -> bool:
        status = client.get(f"/uploads/{job}.json").json
        seen.append(status)
        return status["finished"] or (status["state"] == "running" and status["done"] > 0)

    wait_for(moving, timeout=60, what="progress")
    running = seen[-1]
    assert running["state"] == "running", "the upload ended before its progress was seen"
    assert 0 < running["percent"] <= 100 and running["stage_label"] and running["progress_text"]
    assert {s["state"] for s in seen} <= {"queued", "running"}

    page = finished(client, site, response)
    assert "Published version 1 of" in page.text
    assert "refresh" not in page.text and "upload_job.js" not in page.text
    status = client.get(f"/uploads/{job}.json").json
    assert status["state"] == "published" and status["finished"] is True
    assert (status["dataset_name"], status["version_number"]) == ("numbers", 1)
    assert f'<a href="{status["dataset_url"]}">numbers</a>' in page.text
    assert "Rows 1 to 20 of 600,000" in client.get(status["dataset_url"]).text
    assert entries(site.settings.data_dir / "uploads") == []  # the saved file went


def test_only_the_uploader_or_an_admin_sees_a_job(app, client, site):
    sign_in(client, site, "uploader")
    job = job_id(upload_bytes(client, (DATA / GDP).read_bytes(), "top.csv"))
    assert site.jobs.wait(job, timeout=60)
    assert client.get(f"/uploads/{job}").status_code == 200

    other: FlaskClient = app.test_client()
    sign_in(other, site, "someone-else")
    for path in (f"/uploads/{job}", f"/uploads/{job}.json"):
        refused = other.get(path)
        assert refused.status_code == 404 and "no upload with that reference" in refused.text
        assert app.test_client().get(path).status_code == 404  # signed out
    assert client.get("/uploads/" + "0" * 32).status_code == 404
    assert client.get("/uploads/not-a-job").status_code == 404

    with site.session() as session:
        create_user(session, "admin", PASSWORD, is_admin=True)
        session.commit()
    admin = app.test_client()
    token = csrf_token(admin, "/login")
    admin.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert admin.get(f"/uploads/{job}.json").json["state"] == "published"


def test_the_job_page_escapes_and_shows_the_report_of_an_invalid_file(client, site):
    sign_in(client, site)
    folder = DATA / "invalid/uk-spend-bis-wrong-types"
    response = upload_bytes(
        client,
        (folder / "invalid-on-bis-modified-schema.csv").read_bytes(),
        "<script>alert(1)</script>.csv",
        schema_source="upload",
        schema_file=(io.BytesIO((folder / "bis-modified.json").read_bytes()), "schema.json"),
    )
    offered = finished(client, site, response)
    assert "<script>alert(1)</script>" not in offered.text  # the review page, first
    page = reviewed(client, site, offered)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.csv was not published" in page.text
    assert "How to fix it" in page.text
    status = client.get(page.request.path + ".json").json
    assert status["state"] == "invalid"
    errors = status["result"]["report"]["tasks"][0]["errors"]
    flat = [(e.get("rowNumber"), e.get("fieldName"), e["type"]) for e in errors]
    assert (3, "Date of Payment", "type-error") in flat and (4, "Amount", "type-error") in flat
    assert client.get("/api/3/action/package_list").json["result"] == []


def test_the_form_still_answers_at_once_for_what_it_can_check(client, site):
    sign_in(client, site)
    response = upload_bytes(client, (DATA / GDP).read_bytes(), "top.csv", title="")
    assert response.status_code == 400 and "Give the dataset a title" in response.text
    response = upload_bytes(client, (DATA / GDP).read_bytes(), "top.csv", dataset="no-such-one")
    assert response.status_code == 404 and "no dataset called" in response.text
    assert entries(site.settings.data_dir / "uploads") == []


def test_a_job_that_fails_says_why_in_plain_words(site):
    def name_taken(path: Path, progress: Any) -> JobResult:
        raise InvalidInput("That URL name was taken a moment ago; try again.")

    def broken(path: Path, progress: Any) -> JobResult:
        raise RuntimeError("a bug's details")

    for work, message in ((name_taken, "That URL name was taken"), (broken, UNEXPECTED)):
        job = site.jobs.enqueue(
            user_id=None, original_name="x.csv", save=lambda p: p.write_bytes(b"a\n"), work=work
        )
        assert site.jobs.wait(job, timeout=30)
        status = site.jobs.status(job)
        assert status["state"] == FAILED and status["message"].startswith(message)
        assert "details" not in status["message"]
    assert entries(site.settings.data_dir / "uploads") == []


def test_progress_is_written_at_most_four_times_a_second(site):
    def busy(path: Path, progress: Any) -> JobResult:
        # Called as often as a loop can for at least 1.2 s (longer on a busy machine, until
        # a few writes have been made): the writes follow the clock, not the calls.
        start = time.monotonic()
        calls = 0
        while time.monotonic() - start < 1.2 or (progress.writes < 3 and calls < 10**8):
            calls += 1
            progress("reading", calls, 10**9)
        elapsed = time.monotonic() - start
        assert progress.writes <= elapsed / PROGRESS_INTERVAL_SECONDS + 2  # +1 for "starting"
        assert progress.writes >= 3 and calls > progress.writes
        return JobResult("published", "x", 1)

    job = site.jobs.enqueue(
        user_id=None, original_name="x.csv", save=lambda p: p.write_bytes(b"a\n"), work=busy
    )
    assert site.jobs.wait(job, timeout=30)
    status = site.jobs.status(job)
    assert status["state"] == "published", status
    assert status["stage"] == "reading" and 0 < status["done"] < 10**9


def test_closing_the_app_fails_the_uploads_still_waiting(settings):
    site = Site(replace(settings, quick_upload_mb=0))  # one worker thread, no quick lane
    prepare(site)
    started, release = threading.Event(), threading.Event()

    def slow(path: Path, progress: Any) -> JobResult:
        started.set()
        release.wait(30)
        return JobResult("published", "x", 1)

    def save(path: Path) -> None:
        path.write_bytes(b"a\n")

    first = site.jobs.enqueue(user_id=None, original_name="1.csv", save=save, work=slow)
    second = site.jobs.enqueue(user_id=None, original_name="2.csv", save=save, work=slow)
    assert started.wait(30), "the first upload never started"
    assert site.jobs.status(second)["state"] == "queued"
    closing = threading.Thread(target=site.close)
    closing.start()
    # Let the first finish only once the closing has taken the second off the queue, or the
    # one worker would run the second next.
    wait_for(lambda: not site.jobs.holds(second), timeout=30, what="the close to cancel the second")
    release.set()
    closing.join(30)
    assert not closing.is_alive(), "closing the app never finished"
    later = Site(settings)
    try:
        assert later.jobs.status(first)["state"] == "published"  # the running one finished
        assert later.jobs.status(second)["message"] == STOPPED
    finally:
        later.close()


# The app in a process of its own: signs in (making the account the first time), uploads the
# file named by argv[1] through the test client, prints the job's id, then waits to be killed.
APP_PROCESS = """
import io, re, sys
from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.errors import Conflict
app = create_app()
site = app.extensions["site"]
with site.session() as session:
    try:
        create_user(session, "volunteer", sys.argv[2])
        session.commit()
    except Conflict:
        pass
client = app.test_client()
def token(path):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text)[1]
client.post("/login", data={"username": "volunteer", "password": sys.argv[2],
                            "csrf_token": token("/login")})
with open(sys.argv[1], "rb") as handle:
    form = {"csrf_token": token("/upload"), "file": (handle, "numbers.csv"),
            "schema_source": "infer", "title": "Numbers", "licence": "uk-ogl"}
    response = client.post("/upload", data=form, content_type="multipart/form-data")
print(response.headers["Location"].rsplit("/", 1)[1], flush=True)
sys.stdin.read()
"""


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    return write_numbers_csv(tmp_path / "upload")[0]


def start_and_kill_an_upload(
    settings: Any, site: Site, big_file: Path, stage: str | None = None
) -> str:
    """Run the app in a process of its own, kill it with SIGKILL mid-upload (in `stage`, if
    given); the job's id."""
    process = subprocess.Popen(
        [sys.executable, "-c", APP_PROCESS, str(big_file), PASSWORD],
        cwd=ROOT,
        env=environment(settings),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        job = process.stdout.readline().decode().strip()
        assert re.fullmatch(r"[0-9a-f]{32}", job), job

        def under_way() -> bool:
            status = site.jobs.status(job)
            assert status is not None and not status["finished"], status
            if stage is not None:
                return status["stage"] == stage
            return status["state"] == "running" and status["done"] > 0

        wait_for(under_way, timeout=60, what="the upload to be under way")
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
    assert process.returncode == -signal.SIGKILL
    return job


@pytest.mark.processes
def test_an_upload_killed_with_its_server_is_failed_and_swept_up(settings, big_file):
    uploads = settings.resolved().data_dir / "uploads"
    looker = create_app(settings)  # another app process, alive throughout
    site = looker.extensions["site"]

    # Asked about a job whose process died, any live process says so at once.
    job = start_and_kill_an_upload(settings, site, big_file)
    assert entries(uploads) == [job]  # the saved file, waiting for its job
    client = looker.test_client()
    token = csrf_token(client, "/login")
    client.post("/login", data={"username": "volunteer", "password": PASSWORD, "csrf_token": token})
    page = client.get(f"/uploads/{job}")
    assert STOPPED in page.text and "refresh" not in page.text
    assert entries(uploads) == []

    # Not asked, the next start finds it, fails it and removes its file.
    job = start_and_kill_an_upload(settings, site, big_file)
    with site.session() as session:
        assert session.get(IngestJob, job).state == "running"  # as the dead left it
    assert entries(uploads) == [job]
    staging = settings.resolved().files_dir / "staging"
    assert entries(staging) != []  # the dead ingest's litter
    restarted = create_app(settings)
    try:
        assert entries(uploads) == []
        # The looker lives, and the litter is young: it may be the looker's own ingest in
        # flight, so it stays until a start has the data folder to itself.
        assert entries(staging) != []
        status = client.get(f"/uploads/{job}.json").json
        assert (status["state"], status["message"]) == (FAILED, STOPPED)
    finally:
        restarted.extensions["site"].close()
        site.close()
    alone = create_app(settings)
    try:
        assert entries(staging) == []
        assert alone.test_client().get("/api/3/action/package_list").json["result"] == []
    finally:
        alone.extensions["site"].close()


def test_a_broken_workbook_is_named_as_such_and_kept(client, site):
    sign_in(client, site)
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w") as archive:  # looks like .xlsx, holds no sheet
        archive.writestr("xl/workbook.xml", "<not a workbook")
    response = upload_bytes(client, book.getvalue(), "spend.xlsx")
    page = finished(client, site, response)
    status = client.get(response.headers["Location"] + ".json").json
    assert status["state"] == "failed"
    assert "Nothing was published; your file is kept" in status["message"]
    assert "Something went wrong" not in status["message"]
    assert "save it again (or as CSV)" in status["message"]
    assert "save it again (or as CSV) and upload that" in page.text  # the job page says it
    kept = list((site.store.root / "rejected").iterdir())
    assert [p.name for p in kept[0].iterdir()] == ["original.xlsx"]
