"""`datastore backup` and `datastore restore`: a backup taken while the site runs, even in the
middle of an upload, restores into a new site whose pages, downloads, API and search answer
as the original's did for every published version; a non-empty site or a damaged backup is
refused, naming why, with nothing changed.

Everything is real: the app, the `datastore` command (through click's runner), the
databases (SQLite and a PostgreSQL schema of the test's own) and the files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from catalog.accounts.tokens import create_token
from catalog.app import create_app
from catalog.config import Settings
from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.db.models import Authority, Dataset, User
from catalog.foi.authorities import save_authority
from catalog.foi.drafting import Draft, create_request
from catalog.jobs.runner import STOPPED
from catalog.viewer import Viewer
from tests.conftest import DATA, PG_URL, Runner, make_settings, postgres_schema, wait_for
from tests.test_background_upload import job_id, upload_bytes
from tests.test_kill_safety import write_numbers_csv
from tests.test_web import PASSWORD, csrf_token, reviewed, sign_in

GILTS = DATA / "valid/uk-gilt-yields-10y/data"
HOUSES = DATA / "valid/uk-house-prices-nationwide/data/data.csv"
SECTORS = DATA / "valid/s-and-p-500-companies/data/sector-counts.csv"
NUMBERS = ("/dataset/numbers/v1/data.parquet", "/dataset/numbers/v1/original")
UPLOAD_ROWS = 600_000  # an upload of several seconds: time to take a backup in its middle
SEARCHES = ["gilt", "house prices", "yield", "sector", "nationwide", "nothing-like-this"]


@pytest.fixture
def target_url(database_url: str) -> Iterator[str]:
    """The restored site's database: of the same kind as the original's, and empty (on
    PostgreSQL a schema of its own, as conftest's database_url makes)."""
    if not database_url:
        yield ""
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL not configured (set DATASTORE_TEST_POSTGRES_URL)")
    with postgres_schema() as url:
        yield url


def publish(site: Any, path: Path, user_id: int | None = None, **metadata: Any) -> str:
    name = metadata.pop("dataset_name", None)
    outcome = publish_file(
        site,
        path,
        original_name=path.name,
        schema=None,
        metadata=None if name else DatasetMetadata(**metadata),
        dataset_name=name,
        user_id=user_id,
    )
    assert outcome.published, outcome.result.report
    return str(outcome.dataset_name)


def fill(app: Any) -> dict[str, Any]:
    """A site with what a catalogue holds: a dataset of two versions, another in an
    organisation, a private one, a user with an API token, an FOI request, a search that
    found nothing. Returns what the comparisons need."""
    site = app.extensions["site"]
    client = app.test_client()
    sign_in(client, site, "volunteer")
    with site.session() as session:
        volunteer = session.scalar(select(User).where(User.username == "volunteer"))
        assert volunteer is not None
        user_id = volunteer.id
        _, secret = create_token(session, user_id, "scripts")
        authority = save_authority(
            session, Viewer.system(), {"name": "Debt Management Office", "foi_email": "a@b.uk"}
        )
        request = create_request(
            session,
            Viewer.user(user_id, "volunteer"),
            authority,
            Draft(title="Gilt yields since 1984"),
            dt.date(2024, 5, 1),
        )
        session.commit()
        request_id = request.id
    gilts = publish(site, GILTS / "annual.csv", user_id, title="Gilt yields", tags=["finance"])
    publish(site, GILTS / "quarterly.csv", user_id, dataset_name=gilts)
    houses = publish(site, HOUSES, user_id, title="House prices", organisation="Nationwide")
    staff = publish(
        site, SECTORS, user_id, title="Sector counts", organisation="Council", private=True
    )
    assert client.get("/search?q=nothing-like-this").status_code == 200  # a miss, counted
    # An upload waiting at its review page, on its kept original.
    economies = (DATA / "valid/gdp/data/top-economies.csv").read_bytes()
    held = upload_bytes(client, economies, "economies.csv", title="Economies", show_columns="y")
    review = job_id(held)
    assert site.jobs.wait(review, timeout=60)
    assert client.get(f"/uploads/{review}.json").json["result"]["kept"]
    return {
        "public": {gilts: 2, houses: 1},
        "private": staff,
        "request": request_id,
        "review": review,
        "token": secret,  # the API reads as a token's owner, never as a browser session
    }


def answers(app: Any, held: dict[str, Any]) -> dict[str, Any]:
    """What the site answers, to visitors and to the signed-in volunteer, for every
    published version: its page, downloads, API answers, and the searches."""
    visitor = app.test_client()
    volunteer = app.test_client()
    token = csrf_token(volunteer, "/login")
    signed = {"username": "volunteer", "password": PASSWORD, "csrf_token": token}
    assert volunteer.post("/login", data=signed).status_code == 302
    found: dict[str, Any] = {}

    def get(client: Any, path: str) -> Any:
        with client.get(path) as response:  # closed: a file download holds the file open
            assert response.status_code == 200, (path, response.status_code)
            return page(response) if response.mimetype == "text/html" else response.data

    api = "/api/3/action"
    versions = [
        (name, n, visitor) for name, count in held["public"].items() for n in range(1, count + 1)
    ]
    versions.append((held["private"], 1, volunteer))
    as_owner = {"Authorization": held["token"]}
    for name, number, client in versions:
        headers = as_owner if client is volunteer else {}
        base = f"/dataset/{name}/v{number}"
        for path in (f"/dataset/{name}?version={number}", f"{base}/data.csv", f"{base}/original"):
            found[path] = get(client, path)
        for path in (f"{base}/data.parquet", f"{base}/schema.json"):
            found[path] = get(client, path)
        with zipfile.ZipFile(io.BytesIO(get(client, f"{base}/datapackage.zip"))) as package:
            # Its members, not its bytes: a zip records when each member was written.
            found[f"{base}/datapackage.zip"] = {n: package.read(n) for n in package.namelist()}
        search = f"{api}/datastore_search?resource_id={name}-v{number}&limit=50"
        found[search] = client.get(search, headers=headers).get_json()["result"]
        show = f"{api}/package_show?id={name}"
        found[show] = client.get(show, headers=headers).get_json()["result"]
    for words in SEARCHES:
        for client, who in ((visitor, "visitor"), (volunteer, "volunteer")):
            found[f"{who} /search?q={words}"] = get(client, f"/search?q={words}")
            found[f"{who} /search.json?q={words}"] = client.get(f"/search.json?q={words}").json
            found[f"{who} package_search {words}"] = client.get(
                f"{api}/package_search?q={words}&include_private=true",
                headers=as_owner if who == "volunteer" else {},
            ).get_json()["result"]
    found["/"] = get(visitor, "/")
    found["package_list"] = visitor.get(f"{api}/package_list").get_json()["result"]
    found["request"] = get(volunteer, f"/request/{held['request']}")
    found["review"] = get(volunteer, f"/uploads/{held['review']}")
    assert "before publishing</h1>" in found["review"]
    assert visitor.get(f"/dataset/{held['private']}").status_code == 404
    return found


def body(client: Any, path: str) -> bytes:
    with client.get(path) as response:
        assert response.status_code == 200, (path, response.status_code)
        return bytes(response.data)


def page(response: Any) -> str:
    """A page without what is new on every answer (the form token of the session)."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", response.text)


def restore_into(tmp_path: Path, url: str, backup: Path, *, initialised: bool = False) -> Settings:
    """A new site brought back to `backup`; `initialised`: made by `datastore init` first,
    with the directory of public bodies seeded, as an operator's new site would be."""
    settings = make_settings(tmp_path / "restored", url)
    if initialised:
        seeded = dataclasses.replace(settings, seed_authorities=True)
        assert Runner(seeded)("init").exit_code == 0
        engine = create_engine(settings.resolved().database_url)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM authorities")) > 100
        engine.dispose()
    result = Runner(settings)("restore", backup)
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output and "search index rebuilt" in result.output
    return settings


def test_a_backup_restores_to_a_site_that_answers_the_same(app, settings, tmp_path, target_url):
    held = fill(app)
    before = answers(app, held)
    backup = tmp_path / "backups" / "2024-05-01"
    result = Runner(settings)("backup", backup)
    assert result.exit_code == 0, result.output
    assert "Backed up 3 datasets and 4 versions" in result.output
    assert (backup / "manifest.json").stat().st_mode & 0o077 == 0
    assert backup.stat().st_mode & 0o077 == 0
    assert [p.name for p in backup.parent.iterdir()] == ["2024-05-01"]  # nothing partial left

    checked = Runner(settings)("restore", "--check", backup)
    assert checked.exit_code == 0 and "is whole: 3 datasets and 4 versions" in checked.output

    restored = restore_into(tmp_path, target_url, backup)
    app_two = create_app(restored)
    try:
        assert answers(app_two, held) == before
        # The restored site goes on: the next dataset and user take new ids (on PostgreSQL
        # the sequences were moved past the restored rows).
        site_two = app_two.extensions["site"]
        # The upload waiting at its review publishes from its restored original.
        volunteer = app_two.test_client()
        token = csrf_token(volunteer, "/login")
        signed = {"username": "volunteer", "password": PASSWORD, "csrf_token": token}
        assert volunteer.post("/login", data=signed).status_code == 302
        done = reviewed(volunteer, site_two, volunteer.get(f"/uploads/{held['review']}"))
        assert "Published version 1 of" in done.text
        sign_in(app_two.test_client(), site_two, "newcomer")
        later = publish(site_two, GILTS / "annual.csv", title="Gilt yields again")
        with site_two.session() as session:
            assert session.scalar(select(func.count()).select_from(Dataset)) == 5
        assert app_two.test_client().get(f"/dataset/{later}").status_code == 200
    finally:
        app_two.extensions["site"].close()


@pytest.mark.postgresql
def test_a_sqlite_sites_backup_restores_into_postgresql(tmp_path, postgres_url):
    # Its secret key generated and kept in the data folder, as by default.
    settings = dataclasses.replace(make_settings(tmp_path / "small", ""), secret_key="")
    app = create_app(settings)
    try:
        held = fill(app)
        before = answers(app, held)
        result = Runner(settings)("backup", tmp_path / "backup")
        assert result.exit_code == 0, result.output
    finally:
        app.extensions["site"].close()
    restored = restore_into(tmp_path, postgres_url, tmp_path / "backup", initialised=True)
    assert restored.database_url.startswith("postgresql")
    key = restored.data_dir / "secret_key"
    assert key.read_bytes() == (settings.data_dir / "secret_key").read_bytes()
    assert key.stat().st_mode & 0o077 == 0
    app_two = create_app(restored)
    try:
        assert answers(app_two, held) == before
        # The seeded directory was replaced by the backup's, of one body.
        with app_two.extensions["site"].session() as session:
            assert session.scalar(select(func.count()).select_from(Authority)) == 1
    finally:
        app_two.extensions["site"].close()


def test_a_backup_taken_during_an_upload_holds_it_whole_or_not_at_all(
    app, settings, tmp_path, target_url
):
    held = fill(app)
    without = answers(app, held)  # what a backup that leaves the upload out must answer
    site = app.extensions["site"]
    uploader = app.test_client()
    token = csrf_token(uploader, "/login")
    signed = {"username": "volunteer", "password": PASSWORD, "csrf_token": token}
    assert uploader.post("/login", data=signed).status_code == 302
    data, _ = write_numbers_csv(tmp_path / "upload", rows=UPLOAD_ROWS)
    job = job_id(upload_bytes(uploader, data.read_bytes(), "numbers.csv", title="Numbers"))

    def running() -> bool:
        status = uploader.get(f"/uploads/{job}.json").json
        assert not status["finished"], "the upload ended before the backup could be taken"
        return bool(status["state"] == "running" and status["done"] > 0)

    wait_for(running, timeout=60, what="the upload to be under way")
    backup = tmp_path / "backup"
    result = Runner(settings)("backup", backup)
    assert result.exit_code == 0, result.output
    assert site.jobs.wait(job, timeout=120)
    assert uploader.get(f"/uploads/{job}.json").json["state"] == "published"
    with_it = answers(app, held)  # and one that holds it
    numbers_then = {path: body(uploader, path) for path in NUMBERS}

    # The backup saw the upload running: its job row says so.
    with open(backup / "database" / "ingest_jobs.jsonl", encoding="utf-8") as lines:
        columns = json.loads(next(lines))
        jobs = {
            row[columns.index("id")]: dict(zip(columns, row, strict=True))
            for row in map(json.loads, lines)
        }
    in_backup = jobs[job]["state"] == "published"
    assert jobs[job]["state"] in ("running", "published")

    restored = restore_into(tmp_path, target_url, backup)
    app_two = create_app(restored)
    try:
        assert answers(app_two, held) == (with_it if in_backup else without)
        again = app_two.test_client()
        token = csrf_token(again, "/login")
        assert again.post("/login", data={**signed, "csrf_token": token}).status_code == 302
        listed = again.get("/api/3/action/package_list").get_json()["result"]
        status = again.get(f"/uploads/{job}.json").json
        if in_backup:  # whole: every download as the original site gave it
            assert "numbers" in listed
            for path, then in numbers_then.items():
                assert body(again, path) == then
        else:  # not at all: no dataset, no folder, and the job says the upload stopped
            assert "numbers" not in listed
            assert again.get("/dataset/numbers").status_code == 404
            assert (status["state"], status["message"]) == ("failed", STOPPED)
            files = restored.resolved().files_dir
            assert len(list((files / "datasets").iterdir())) == 3
            assert not any((files / "staging").iterdir())
    finally:
        app_two.extensions["site"].close()


def test_restore_refuses_a_site_that_is_not_empty_and_a_damaged_backup(
    app, settings, tmp_path, target_url
):
    fill(app)
    backup = tmp_path / "backup"
    assert Runner(settings)("backup", backup).exit_code == 0

    # Into the site it came from: first it is running, then it is not empty; each said.
    running = Runner(settings)("restore", backup)
    assert running.exit_code != 0 and "Another process is using the data folder" in running.output
    app.extensions["site"].close()
    refused = Runner(settings)("restore", backup)
    assert refused.exit_code != 0
    assert "Nothing was restored: the site is not empty" in refused.output
    assert "datasets (3 rows)" in refused.output and "users (1 row)" in refused.output
    assert "datasets holds 3 dataset folders" in refused.output

    # A backup is never written over.
    again = Runner(settings)("backup", backup)
    assert again.exit_code != 0 and "already exists" in again.output

    # One changed byte in a version's table: named, and nothing is restored.
    target = make_settings(tmp_path / "target", target_url)
    parquet = next(backup.glob("files/datasets/*/1/data.parquet"))
    content = bytearray(parquet.read_bytes())
    content[len(content) // 2] ^= 0x01
    os.chmod(parquet, 0o600)
    parquet.write_bytes(bytes(content))
    damaged = Runner(target)("restore", backup)
    assert damaged.exit_code != 0
    relative = parquet.relative_to(backup).as_posix()
    assert f"is damaged, so nothing was restored: {relative} has changed" in damaged.output
    checked = Runner(target)("restore", "--check", backup)
    assert checked.exit_code != 0 and relative in checked.output
    files = target.resolved().files_dir
    assert not any((files / "datasets").iterdir())
    engine = create_engine(target.resolved().database_url)
    try:
        with engine.connect() as connection:
            assert "datasets" not in inspect(connection).get_table_names()  # none was made
    finally:
        engine.dispose()

    # A changed manifest, and a folder that is no backup at all.
    content[len(content) // 2] ^= 0x01
    parquet.write_bytes(bytes(content))
    manifest = backup / "manifest.json"
    os.chmod(manifest, 0o600)
    manifest.write_text(manifest.read_text().replace('"datasets": 3', '"datasets": 4'))
    changed = Runner(target)("restore", backup)
    assert changed.exit_code != 0 and "manifest.json is damaged" in changed.output
    nothing = Runner(target)("restore", tmp_path)
    assert nothing.exit_code != 0 and "has no manifest.json" in nothing.output
