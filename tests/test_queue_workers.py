"""The PostgreSQL job queue (DATASTORE_JOB_QUEUE=postgresql): the app stages the file and
queues the job; a `datastore worker` process of its own publishes it; the job page follows
it from the job's row. Each test's queue is in its own schema, unseen by the others."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import procrastinate
import pytest
from sqlalchemy import select

from catalog.app import create_app
from catalog.config import Settings
from catalog.db.models import IngestJob
from catalog.jobs.queue import apply_queue_schema, conninfo
from catalog.jobs.runner import STOPPED
from catalog.site import Site
from tests.conftest import make_settings, wait_for
from tests.test_background_upload import job_id, upload_bytes
from tests.test_web import csrf_token, post_multipart, sign_in
from tests.workers import queue_jobs, queue_settings, workers

CSV = b"id,name,amount\n1,apples,2.50\n2,pears,3.00\n3,plums,1.25\n"


def test_a_sqlite_site_refuses_the_postgresql_queue_in_plain_words(tmp_path, sqlite_runner):
    settings = dataclasses.replace(make_settings(tmp_path, ""), job_queue="postgresql")
    with pytest.raises(ValueError, match="catalogue is SQLite"):
        Site(settings)
    with pytest.raises(ValueError, match="threads or postgresql"):
        Site(dataclasses.replace(settings, job_queue="redis"))
    result = sqlite_runner("worker")
    assert result.exit_code == 2 and "needs no worker" in result.output


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    with queue_settings(tmp_path) as found:
        yield found


@pytest.fixture
def app(settings: Settings) -> Any:
    app = create_app(settings)
    yield app
    app.extensions["site"].close()


def status(client: Any, job: str) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/uploads/{job}.json").json
    return found


@pytest.mark.postgresql
@pytest.mark.processes
def test_uploads_wait_for_a_worker_then_a_worker_process_publishes_them(app, tmp_path):
    """One worker for the cases (starting one takes a few seconds): an upload queued before
    it started, then an upload stopped at its review and the review's answer."""
    site, client = app.extensions["site"], app.test_client()
    sign_in(client, site)
    job = job_id(upload_bytes(client, CSV, "fruit.csv", title="Fruit"))
    # No worker yet: the job waits in the queue, with its file staged, and says so.
    assert status(client, job)["state"] == "queued"
    assert "Waiting for its turn" in client.get(f"/uploads/{job}").text
    assert [(s, j) for s, j, _ in queue_jobs(site)] == [("todo", job)]
    assert (site.settings.data_dir / "uploads" / job / "upload").read_bytes() == CSV

    with workers(site.settings, tmp_path / "logs") as [worker]:
        wait_for(lambda: status(client, job)["finished"], 60, "the worker to publish it")
        done = status(client, job)
        assert done["state"] == "published", (done, worker.output())
        assert client.get(f"/dataset/{done['dataset_name']}").status_code == 200
        assert not (site.settings.data_dir / "uploads" / job).exists()

        # The review and its answer: the job's spec carries the form, the schema and the
        # answers to the worker, and the answer publishes from the kept original.
        other = CSV.replace(b"apples", b"quinces")
        first = job_id(upload_bytes(client, other, "more.csv", title="More", show_columns="y"))
        wait_for(lambda: status(client, first)["finished"], 60, "the review")
        page = client.get(f"/uploads/{first}")
        assert status(client, first)["state"] == "invalid" and "publishing</h1>" in page.text
        form = {"csrf_token": csrf_token(client, f"/uploads/{first}")}
        second = job_id(post_multipart(client, f"/uploads/{first}/fix", form))
        wait_for(lambda: status(client, second)["finished"], 60, "the answered review")
        answered = status(client, second)
        assert answered["state"] == "published", (answered, worker.output())
        assert answered["dataset_name"] == "more"
    with site.session() as session:
        owners = set(session.scalars(select(IngestJob.process_id)))
    assert site.processes.id not in owners and len(owners) == 1  # the worker ran them all
    assert queue_jobs(site) == []  # a job that ended well leaves the queue


@pytest.mark.postgresql
def test_each_schema_has_a_queue_of_its_own_and_its_tables_are_made_once(app, tmp_path):
    site, client = app.extensions["site"], app.test_client()
    assert apply_queue_schema(site.engine) is False  # made at start-up, kept after
    sign_in(client, site)
    job = job_id(upload_bytes(client, CSV, "fruit.csv", title="Fruit"))
    with queue_settings(tmp_path / "other") as other_settings:
        other = Site(other_settings)
        try:
            assert apply_queue_schema(other.engine) is True
            assert queue_jobs(other) == []
        finally:
            other.close()
    assert [j for _, j, _ in queue_jobs(site)] == [job]


@pytest.mark.postgresql
def test_a_restart_of_the_app_loses_no_queued_upload(settings, tmp_path):
    """The app that queued two uploads stops before any worker runs them. Starting again,
    it keeps the one the queue holds (its file too), and fails the one the queue lost (as
    if its process had died before queueing it), saying so."""
    first = create_app(settings)
    client = first.test_client()
    sign_in(client, first.extensions["site"])
    kept = job_id(upload_bytes(client, CSV, "fruit.csv", title="Fruit"))
    lost = job_id(upload_bytes(client, CSV.replace(b"pears", b"figs"), "figs.csv", title="Figs"))
    site = first.extensions["site"]
    queue = procrastinate.App(
        connector=procrastinate.SyncPsycopgConnector(
            conninfo=conninfo(settings.database_url), min_size=1, max_size=1
        )
    )
    with queue.open():
        manager = queue.job_manager
        (gone,) = [j.id for j in manager.list_jobs() if j.task_kwargs["job_id"] == lost]
        assert gone is not None and manager.cancel_job_by_id(gone, delete_job=True)
    site.close()

    again = create_app(settings)
    try:
        site = again.extensions["site"]
        assert site.jobs.status(kept)["state"] == "queued"
        assert (site.settings.data_dir / "uploads" / kept / "upload").read_bytes() == CSV
        assert [j for _, j, _ in queue_jobs(site)] == [kept]
        ended = site.jobs.status(lost)
        assert (ended["state"], ended["message"]) == ("failed", STOPPED)
        assert not (site.settings.data_dir / "uploads" / lost).exists()
    finally:
        again.extensions["site"].close()
