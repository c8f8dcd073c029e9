"""A kill -9 during an ingest leaves no version and nothing half-written in view of the
catalogue; the next start sweeps up, and running the ingest again succeeds.

The ingest is the real `datastore ingest` command, in a process of its own, killed by
SIGKILL half way through. The other crash, between the store's publish (the rename into
datasets/<key>/<n>/) and the database commit, is made through the same calls
publish_file() makes, stopping where the kill would: the ingest library's ingest_file(),
which publishes into the store, without the commit that follows it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.app import create_app
from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.db.models import Dataset, Version
from catalog.site import Site
from catalog.startup import prepare
from ingest import ingest_file
from tests.conftest import DATA, wait_for

ROOT = Path(__file__).resolve().parent.parent
DATASTORE = Path(sys.executable).parent / "datastore"
ROWS = 1_000_000  # a few seconds of ingest: time enough to be killed in the middle of it
SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "name", "type": "string"},
        {"name": "amount", "type": "number"},
        {"name": "day", "type": "date"},
    ]
}


def write_numbers_csv(folder: Path, rows: int = ROWS) -> tuple[Path, Path]:
    """A valid CSV file of `rows` rows (about 35 bytes each) and its Table Schema."""
    folder.mkdir(parents=True, exist_ok=True)
    path, schema = folder / "numbers.csv", folder / "numbers.schema.json"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("id,name,amount,day\n")
        for start in range(1, rows + 1, 100_000):
            handle.write(
                "".join(
                    f"{i},name {i % 977},{i * 0.25:.2f},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n"
                    for i in range(start, min(start + 100_000, rows + 1))
                )
            )
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    return path, schema


def environment(settings: Any) -> dict[str, str]:
    """The environment that gives a `datastore` process the test's settings."""
    return {
        **os.environ,
        "DATASTORE_DATA_DIR": str(settings.data_dir),
        "DATASTORE_DATABASE_URL": settings.database_url,
        "DATASTORE_SECRET_KEY": settings.secret_key,
        "DATASTORE_LOAD_SAMPLES": "false",
    }


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def age(folder: Path, hours: float) -> None:
    """Make a folder and its files look last written `hours` ago."""
    then = time.time() - hours * 3600
    for path in [*folder.iterdir(), folder]:
        os.utime(path, (then, then))


def counts(site: Site) -> tuple[int, int]:
    with site.session() as session:
        datasets = session.scalar(select(func.count()).select_from(Dataset)) or 0
        versions = session.scalar(select(func.count()).select_from(Version)) or 0
    return datasets, versions


@pytest.mark.processes
def test_kill_during_an_ingest_leaves_nothing_and_the_ingest_runs_again(settings, tmp_path):
    data, schema = write_numbers_csv(tmp_path / "upload")
    files = settings.resolved().files_dir
    command = [str(DATASTORE), "ingest", str(data), "--schema", str(schema), "--name", "numbers"]
    stderr_path = tmp_path / "stderr.txt"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment(settings), stdout=subprocess.PIPE, stderr=stderr
        )
        try:
            # Under way: the one-pass engine has started writing the typed rows in staging
            # (the engine is quick, so kill at once rather than after a pause).
            wait_for(
                lambda: any((files / "staging").glob("*/data.parquet")),
                timeout=30,
                what="the ingest to start writing",
            )
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=30)
            assert process.stdout is not None
            output = process.stdout.read().decode()
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL, f"the ingest ended before the kill: {output}"

    # Nothing published: no version folder, no database rows; only the staging litter.
    assert entries(files / "datasets") == []
    assert entries(files / "staging") != []
    looker = Site(settings)  # not prepared: it sweeps nothing
    try:
        assert counts(looker) == (0, 0)
    finally:
        looker.close()

    # The next start has the data folder to itself (the killed process's lock is free), so
    # it sweeps the staging folder at once, however young.
    app = create_app(settings)
    try:
        client = app.test_client()
        assert entries(files / "staging") == []
        assert client.get("/api/3/action/package_list").json["result"] == []
        assert client.get("/dataset/numbers").status_code == 404

        again = subprocess.run(
            command, cwd=ROOT, env=environment(settings), capture_output=True, timeout=120
        )
        assert again.returncode == 0, again.stderr.decode()
        assert f"{ROWS:,} rows" in again.stdout.decode()
        assert client.get("/api/3/action/package_list").json["result"] == ["numbers"]
        page = client.get("/dataset/numbers")
        assert page.status_code == 200 and f"of {ROWS:,}" in page.text
        assert counts(app.extensions["site"]) == (1, 1)
    finally:
        app.extensions["site"].close()


def test_versions_the_database_never_recorded_are_removed_at_start_up(settings):
    top = DATA / "valid/gdp/data/top-economies.csv"
    app = create_app(settings)  # a live process beside the starts below
    site = app.extensions["site"]
    outcome = publish_file(
        site,
        top,
        original_name=top.name,
        schema=None,
        metadata=DatasetMetadata(title="Top economies"),
    )
    assert outcome.version_number == 1
    with site.session() as session:
        key = session.scalar(select(Dataset.key).where(Dataset.name == outcome.dataset_name))
    assert key is not None
    recorded = site.store.version(key, 1).folder
    datasets = site.store.root / "datasets"

    # What a kill between the store's publish and the commit leaves: a next version of a
    # known dataset, and the first version of a dataset the database never heard of.
    def unrecorded(dataset_key: str) -> Path:
        result = ingest_file(site.store, dataset_key, top, original_name=top.name, schema=None)
        assert result.version is not None
        return result.version.folder

    next_version = unrecorded(key)
    new_key = uuid.uuid4().hex
    first_version = unrecorded(new_key)
    assert next_version.name == "2"

    # Another process is alive: a young unrecorded version may be its ingest between the
    # rename and the commit, so a start leaves it; one untouched for an hour goes.
    age(first_version, hours=2)
    age(recorded, hours=2)
    second = Site(settings)
    prepare(second)
    second.close()
    assert next_version.is_dir()
    assert not first_version.exists()
    assert recorded.is_dir()  # recorded versions are never touched, however old
    assert new_key in entries(datasets)

    # Alone, a start removes every unrecorded version at once, and the emptied folder.
    app.extensions["site"].close()
    third = Site(settings)
    prepare(third)
    try:
        assert not next_version.exists()
        assert new_key not in entries(datasets)
        assert recorded.is_dir()
        # The dataset's next version takes the number after the recorded ones.
        again = publish_file(
            third, top, original_name=top.name, schema=None, dataset_name=outcome.dataset_name
        )
        assert again.version_number == 2
        assert counts(third) == (1, 2)
    finally:
        third.close()
