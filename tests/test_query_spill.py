"""Sorts and distincts bigger than a query's memory: they spill to a folder in the data
directory, within a cap, and come back whole and in order; with nowhere to spill, or past
the cap, they fail, and a download says so before its first byte (a 507).

The table is 850,000 rows of an id and a 69-character word (a sort needs about 90 MB for
it); the queries get 64 MB. DuckDB needs some 48 MB for a sort at all, so the limit cannot
be much smaller. That a query spilled is seen in its spill folder, which holds the sorted
runs until they are read: right after a download's first rows are made, and never after.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from catalog.app import create_app
from catalog.config import Settings
from catalog.datasets.publishing import DatasetMetadata, publish_file
from datastore.query import Query, QueryLimits, QueryTooLarge, iter_query
from tests.conftest import make_settings

UNIQUE = 800_000
REPEATED = 50_000  # the first ids appear twice, so distinct has something to remove
MEMORY_MB = 64
SCHEMA = {"fields": [{"name": "id", "type": "integer"}, {"name": "word", "type": "string"}]}


def wide_table() -> pa.Table:
    """Ids in a shuffled order, each with a word that sorts as the id does."""
    ids = np.random.default_rng(14).permutation(UNIQUE)
    ids = np.concatenate([ids, np.arange(REPEATED)])
    padded = pc.utf8_lpad(pc.cast(pa.array(ids), pa.string()), 8, "0")
    words = pc.binary_join_element_wise(padded, pa.scalar("-" + "x" * 60), "")
    return pa.table({"id": pa.array(ids, pa.int64()), "word": words})


SORTED = sorted(list(range(UNIQUE)) + list(range(REPEATED)))
DISTINCT = list(range(UNIQUE))


def spilled_bytes(folder: Path | None) -> int:
    """The bytes in a spill folder's files (read while the query is paused, so still)."""
    if folder is None or not folder.exists():
        return 0
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


# The library: iter_query with and without somewhere to spill ------------------------------


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wide") / "data.parquet"
    pq.write_table(wide_table(), path)
    return path


QUERIES = [
    pytest.param(Query(sort=(("word", False),), limit=0), SORTED, id="sorted"),
    pytest.param(Query(distinct=True, limit=0), DISTINCT, id="distinct"),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_a_query_spills_within_its_limits_and_comes_back_whole(
    parquet: Path, tmp_path: Path, query: Query, expected: list[int]
) -> None:
    limits = QueryLimits(memory_mb=MEMORY_MB, spill_folder=tmp_path / "spill", spill_mb=1024)
    ids: list[int] = []
    most = 0
    for batch in iter_query(parquet, query, limits=limits):
        most = max(most, spilled_bytes(limits.spill_folder))
        ids += batch.column("id").to_pylist()
    assert ids == expected
    assert most > 0  # it did spill
    assert spilled_bytes(limits.spill_folder) == 0  # and the spilled runs went afterwards


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_without_a_spill_folder_or_past_the_cap_the_same_query_fails(
    parquet: Path, tmp_path: Path, query: Query, expected: list[int]
) -> None:
    nowhere = QueryLimits(memory_mb=MEMORY_MB)
    capped = QueryLimits(memory_mb=MEMORY_MB, spill_folder=tmp_path / "spill", spill_mb=1)
    for limits in (nowhere, capped):
        with pytest.raises(QueryTooLarge, match="more memory and disk"):
            list(iter_query(parquet, query, limits=limits))
    assert spilled_bytes(tmp_path / "spill") == 0


# The catalogue: its settings, its data folder, its downloads ------------------------------


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return dataclasses.replace(make_settings(tmp_path, database_url), query_memory_mb=MEMORY_MB)


@pytest.fixture
def wide(site: Any, tmp_path: Path) -> str:
    path = tmp_path / "wide.csv"
    pacsv.write_csv(wide_table(), path, pacsv.WriteOptions(quoting_style="none"))
    outcome = publish_file(
        site, path, original_name=path.name, schema=SCHEMA, metadata=DatasetMetadata("Wide")
    )
    assert outcome.published
    return str(outcome.dataset_name)


def csv_ids(body: bytes) -> list[int]:
    ids: list[int] = pacsv.read_csv(io.BytesIO(body)).column("id").to_pylist()
    return ids


def test_sorted_and_distinct_downloads_spill_in_the_data_folder(
    client: Any, site: Any, wide: str
) -> None:
    spill = site.query_limits.spill_folder
    assert spill.parent == site.settings.data_dir / "tmp" / "duckdb"
    for query, expected in (("sort=word", SORTED), ("distinct=true", DISTINCT)):
        response = client.get(f"/dataset/{wide}/v1/data.csv?{query}")
        assert response.status_code == 200
        assert "Content-Length" not in response.headers
        # The first rows are made before the answer starts: the sorted runs are on disk.
        assert spilled_bytes(spill) > 0, query
        body = b"".join(response.response)
        response.close()
        assert csv_ids(body) == expected, query
        assert spilled_bytes(spill) == 0, query


def test_a_download_past_the_spill_cap_is_a_507_before_any_byte(
    app: Any, settings: Settings, wide: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A second app on the same data folder and database, allowed to spill 1 MB.
    capped = create_app(dataclasses.replace(settings, query_spill_mb=1))
    try:
        with caplog.at_level(logging.WARNING, logger="catalog.web.views.downloads"):
            response = capped.test_client().get(f"/dataset/{wide}/v1/data.csv?sort=word")
        assert response.status_code == 507
        assert "more memory and disk than one query may use" in response.text
        assert "text/html" in response.headers["Content-Type"]  # a page, not a cut CSV
        assert f"{wide} version 1 as csv" in caplog.text
        dump = capped.test_client().get(f"/datastore/dump/{wide}?distinct=true")
        assert dump.status_code == 507
        assert "more memory and disk" in dump.get_json()["error"]["message"]
    finally:
        capped.extensions["site"].close()


def test_spill_folders_of_dead_processes_are_swept_and_a_site_removes_its_own(
    settings: Settings,
) -> None:
    dead = settings.data_dir / "tmp" / "duckdb" / ("0" * 32)
    (dead / "conn").mkdir(parents=True)
    (dead / "conn" / "duckdb_temp_block.tmp").write_bytes(b"x" * 100)
    app = create_app(settings)
    site = app.extensions["site"]
    assert not dead.exists()
    own = site.query_limits.spill_folder
    own.mkdir(parents=True)
    site.close()
    assert not own.exists()
