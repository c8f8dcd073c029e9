"""Parquet storage: versions written in staging and published by one rename, pages, downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datastore import (
    DatastoreError,
    NotFound,
    Store,
    TableWriter,
    iter_csv,
    read_page,
    table_rows,
)
from datastore.store import FACTS
from ingest import ingest_file

DATA = Path(__file__).parent / "data"
KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"
SCHEMA = pa.schema(
    [
        ("n", pa.int64()),
        ("name", pa.string()),
        ("amount", pa.float64()),
        ("day", pa.date32()),
        ("ok", pa.bool_()),
    ]
)


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "store")


def write_table(path: Path, batches: list[range]) -> Path:
    """A table of rows n, "row n", n/2, a date and a flag; row groups of at least 100 rows."""
    writer = TableWriter(path, SCHEMA, row_group_rows=100)
    try:
        for numbers in batches:
            writer.write_columns(
                [
                    list(numbers),
                    [f"row {n}" for n in numbers],
                    [n / 2 for n in numbers],
                    [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in numbers],
                    [n % 2 == 0 for n in numbers],
                ]
            )
    finally:
        writer.close()
    return path


def row(n: int) -> list:
    return [n, f"row {n}", n / 2, dt.date(2024, 1, 1) + dt.timedelta(days=n), n % 2 == 0]


@pytest.fixture
def table(tmp_path) -> Path:
    """150 rows in two row groups: 0-99 and 100-149."""
    return write_table(tmp_path / "two-row-groups.parquet", [range(100), range(100, 150)])


@pytest.fixture
def empty_table(tmp_path) -> Path:
    return write_table(tmp_path / "no-rows.parquet", [])


# Writing -----------------------------------------------------------------------------------


def test_table_writer_writes_typed_rows_in_row_groups(table):
    parquet = pq.ParquetFile(table)
    assert parquet.schema_arrow == SCHEMA
    assert parquet.metadata.num_rows == 150
    assert parquet.num_row_groups == 2
    rows = list(table_rows(table))
    assert len(rows) == 150
    assert rows[0] == dict(zip(SCHEMA.names, row(0), strict=True))
    assert rows[149] == dict(zip(SCHEMA.names, row(149), strict=True))


def test_table_writer_keeps_nulls(tmp_path):
    path = tmp_path / "nulls.parquet"
    writer = TableWriter(path, SCHEMA)
    writer.write_columns([[1, None], [None, "b"], [None, 2.5], [None, None], [True, None]])
    writer.close()
    assert writer.rows == 2
    assert read_page(path).rows == [[1, None, None, None, True], [None, "b", 2.5, None, None]]


def test_small_parquet_through_ingest_file(store, tmp_path):
    source = tmp_path / "small.csv"
    source.write_text("id,name,amount\n1,Ann,1.5\n2,Bob,\n3,Cy,3\n")
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "name", "type": "string"},
            {"name": "amount", "type": "number"},
        ]
    }
    result = ingest_file(store, KEY, source, original_name="small.csv", schema=schema)
    assert result.valid
    assert result.version is not None
    page = read_page(result.version.parquet)
    assert page.columns == ["id", "name", "amount"]
    assert page.rows == [[1, "Ann", 1.5], [2, "Bob", None], [3, "Cy", 3.0]]
    assert page.total == 3


# Reading pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "limit", "numbers"),
    [
        (0, 20, range(0, 20)),
        (95, 10, range(95, 105)),  # across the row-group boundary
        (100, 20, range(100, 120)),  # the start of the second row group
        (140, 20, range(140, 150)),  # the last, short page
        (0, 1000, range(0, 150)),  # everything
        pytest.param(20, 20, range(20, 40), id="20-20-page-two"),
        pytest.param(10, 5, range(10, 15), id="10-5-middle"),
        pytest.param(120, 10, range(120, 130), id="120-10-middle"),
    ],
)
def test_read_page(table, offset, limit, numbers):
    page = read_page(table, offset, limit)
    assert page.columns == SCHEMA.names
    assert page.total == 150
    assert page.offset == offset
    assert page.rows == [row(n) for n in numbers]


@pytest.mark.parametrize("offset", [150, 151, 10_000])
def test_read_page_beyond_the_end_returns_no_rows(table, offset):
    page = read_page(table, offset, 20)
    assert page.rows == []
    assert page.total == 150
    assert page.columns == SCHEMA.names


def test_read_page_of_empty_table(empty_table):
    page = read_page(empty_table, 0, 20)
    assert page.rows == []
    assert page.total == 0
    assert page.columns == SCHEMA.names


def test_read_page_of_missing_table_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        read_page(tmp_path / "nothing.parquet")
    with pytest.raises(NotFound):
        list(iter_csv(tmp_path / "nothing.parquet"))


# Downloads ---------------------------------------------------------------------------------


def test_iter_csv_header_and_rows(table):
    chunks = list(iter_csv(table))
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    text = b"".join(chunks).decode("utf-8")
    assert text.count('"n"') == 1  # one header, however many batches
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == SCHEMA.names
    assert len(rows) == 151
    assert rows[1] == ["0", "row 0", "0", "2024-01-01", "true"]
    assert rows[150] == ["149", "row 149", "74.5", "2024-05-29", "false"]


def test_iter_csv_of_large_table_has_one_header(tmp_path):
    path = write_table(tmp_path / "big.parquet", [range(0, 70_000), range(70_000, 140_000)])
    chunks = list(iter_csv(path))
    assert len(chunks) > 1
    assert chunks[0].startswith(b'"n","name"')
    assert not any(chunk.startswith(b'"n"') for chunk in chunks[1:])
    assert sum(chunk.count(b"\n") for chunk in chunks) == 140_001


def test_iter_csv_of_empty_table_is_the_header(empty_table):
    text = b"".join(iter_csv(empty_table)).decode("utf-8")
    assert list(csv.reader(io.StringIO(text))) == [SCHEMA.names]


def test_iter_csv_writes_nulls_as_empty_cells(tmp_path):
    path = tmp_path / "nulls.parquet"
    writer = TableWriter(path, SCHEMA)
    writer.write_columns([[1], [None], [None], [None], [None]])
    writer.close()
    assert b"".join(iter_csv(path)).splitlines()[1] == b"1,,,,"


# Staging and publishing --------------------------------------------------------------------


def publish_one(store: Store, key: str, text: str = "a,b\n1,2\n"):
    with store.staging() as staged:
        staged.original_path("upload.csv").write_text(text)
        staged.write_json(FACTS, {"rows": 1})
        return store.publish(staged, key)


def staging_entries(store: Store) -> list[Path]:
    return list((store.root / "staging").iterdir())


def test_store_makes_its_folders(store):
    assert sorted(p.name for p in store.root.iterdir()) == ["datasets", "rejected", "staging"]


def test_staging_folder_removed_when_an_exception_happens(store):
    seen = []
    with pytest.raises(RuntimeError, match="conversion failed"), store.staging() as staged:
        staged.original_path("upload.csv").write_text("a\n1\n")
        staged.write_json("report.json", {"valid": True})
        seen.append(staged.folder)
        assert staged.folder.parent == store.root / "staging"
        assert staged.folder.is_dir()
        raise RuntimeError("conversion failed")
    assert not seen[0].exists()
    assert staging_entries(store) == []
    assert list((store.root / "datasets").iterdir()) == []


def test_staging_folder_removed_when_nothing_is_published(store):
    with store.staging() as staged:
        staged.write_json("report.json", {"valid": False})
    assert not staged.folder.exists()
    assert staging_entries(store) == []


def test_publish_numbers_versions_1_2_3(store):
    refs = [publish_one(store, KEY, f"a\n{n}\n") for n in (1, 2, 3)]
    assert [r.number for r in refs] == [1, 2, 3]
    assert store.version_numbers(KEY) == [1, 2, 3]
    assert [r.folder for r in refs] == [store.root / "datasets" / KEY / str(n) for n in (1, 2, 3)]
    assert staging_entries(store) == []
    for n, ref in enumerate(refs, start=1):
        assert ref.original().read_text() == f"a\n{n}\n"
        assert ref.read_json(FACTS) == {"rows": 1}
        assert ref.parquet == ref.folder / "data.parquet"
        assert store.version(KEY, n) == ref


def test_versions_are_counted_per_dataset(store):
    publish_one(store, KEY)
    publish_one(store, KEY)
    assert publish_one(store, OTHER_KEY).number == 1
    assert store.version_numbers(KEY) == [1, 2]
    assert store.version_numbers(OTHER_KEY) == [1]


def test_unknown_versions_are_not_found(store):
    assert store.version_numbers(KEY) == []
    with pytest.raises(NotFound):
        store.version(KEY, 1)
    publish_one(store, KEY)
    with pytest.raises(NotFound):
        store.version(KEY, 2)


def test_original_keeps_a_known_extension_only(store):
    with store.staging() as staged:
        assert staged.original_path("Spend Feb.CSV").name == "original.csv"
        assert staged.original_path("stations.csv.txt").name == "original.txt"
        assert staged.original_path("table.tsv").name == "original.tsv"
        assert staged.original_path("../../etc/passwd").name == "original.csv"
        assert staged.original_path("payload.sh").name == "original.csv"


def test_reject_keeps_the_original(store):
    with store.staging() as staged:
        staged.original_path("upload.csv").write_bytes(b"a,b\n\xa31,2\n")
        staged.write_json("report.json", {"valid": False})
        kept = store.reject(staged)
    assert kept.parent == store.root / "rejected"
    assert (kept / "original.csv").read_bytes() == b"a,b\n\xa31,2\n"
    assert (kept / "report.json").is_file()
    assert staging_entries(store) == []
    assert list((store.root / "datasets").iterdir()) == []


def test_remove_version_takes_it_back(store):
    first = publish_one(store, KEY)
    second = publish_one(store, KEY)
    store.remove_version(second)
    assert not second.folder.exists()
    assert store.version_numbers(KEY) == [1]
    assert store.version(KEY, 1) == first
    assert staging_entries(store) == []


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "x",
        "",
        "../" + KEY,
        KEY + "/..",
        KEY.upper(),
        KEY[:-1],
        KEY + "0",
        "/tmp/" + KEY,
        pytest.param(
            KEY + "\n",
            id="trailing-newline",
        ),
    ],
)
def test_bad_dataset_keys_raise(store, key):
    with pytest.raises(DatastoreError):
        store.version_numbers(key)
    with pytest.raises(DatastoreError):
        store.version(key, 1)
    with store.staging() as staged, pytest.raises(DatastoreError):
        store.publish(staged, key)
    assert list((store.root / "datasets").iterdir()) == []


def test_sweep_staging_removes_only_old_leftovers(store):
    # A crashed ingest leaves its staging folder behind: enter staging() and never leave.
    crashed = store.staging()
    left_behind = crashed.__enter__()
    left_behind.write_json("report.json", {"valid": True})
    an_hour_ago = time.time() - 2 * 3600
    os.utime(left_behind.folder, (an_hour_ago, an_hour_ago))

    with store.staging() as running:
        assert store.sweep_staging(older_than_seconds=3600) == 1
        assert not left_behind.folder.exists()
        assert running.folder.is_dir()
        assert store.sweep_staging(older_than_seconds=3600) == 0
    assert staging_entries(store) == []
    crashed.__exit__(None, None, None)


def test_sweep_staging_on_empty_store(store):
    assert store.sweep_staging() == 0


def test_table_writer_gathers_small_batches_into_row_groups(tmp_path):
    path = tmp_path / "gathered.parquet"
    writer = TableWriter(path, SCHEMA, background=True, row_group_rows=40)
    for start in range(0, 150, 7):
        writer.write_columns(
            [
                list(range(start, min(start + 7, 150))),
                [None] * len(range(start, min(start + 7, 150))),
                [None] * len(range(start, min(start + 7, 150))),
                [None] * len(range(start, min(start + 7, 150))),
                [None] * len(range(start, min(start + 7, 150))),
            ]
        )
    writer.close()
    metadata = pq.ParquetFile(path).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert sizes == [42, 42, 42, 24] and writer.rows == 150
    assert [r["n"] for r in table_rows(path)] == list(range(150))
