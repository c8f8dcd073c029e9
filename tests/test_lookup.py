"""Value indexes (datastore/lookup.py): `field = value` answered from a sorted index gives
exactly what a scan gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datastore.lookup import (
    build_lookup,
    find_rows,
    lookup_path,
    worth_indexing,
)
from datastore.profile import profile_table
from datastore.query import Filter, Query, QueryError, run_query

ROWS = 40_000


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(7)
    numbers = rng.permutation(ROWS) * 3 + 1_000_000
    ids = [f"TX{n:09d}" for n in numbers]
    ids[100] = ids[39_000] = "TX-REPEATED"  # one value twice, far apart
    # A value repeated across index row-group boundaries, and nulls.
    codes = [int(n) if i % 5000 else None for i, n in enumerate(numbers)]
    codes[16_000:16_900] = [42] * 900
    path = tmp_path_factory.mktemp("lookup") / "data.parquet"
    table = pa.table({"id": ids, "code": pa.array(codes, pa.int64()), "n": np.arange(ROWS)})
    pq.write_table(table, path, row_group_size=4096)
    for position in (0, 1):
        build_lookup(path, position)
    return path


def scanned(table: Path, item: Filter) -> list[int]:
    index = lookup_path(table, table_position(item.field))
    saved = index.read_bytes()
    index.unlink()  # the same query without its index
    try:
        return [r["n"] for r in run_query(table, Query(filters=(item,), limit=5000)).records()]
    finally:
        index.write_bytes(saved)


def table_position(name: str) -> int:
    return ["id", "code", "n"].index(name)


@pytest.mark.parametrize(
    "item",
    [
        Filter("id", "eq", "TX-REPEATED"),
        Filter("id", "in", ["TX-REPEATED", "nothing", "TX001000000"]),
        Filter("id", "eq", "absent"),
        Filter("code", "eq", "42"),
        Filter("code", "eq", 42),
        Filter("code", "in", [1_000_003, "1000006", 5]),
        Filter("code", "eq", "1,000,003"),  # typed as people type numbers
        Filter("code", "in", ["£1,000,006", " 1,000,003 "]),
    ],
)
def test_an_index_finds_what_a_scan_finds(table: Path, item: Filter) -> None:
    with_index = run_query(table, Query(filters=(item,), limit=5000))
    assert [r["n"] for r in with_index.records()] == scanned(table, item)
    assert with_index.total == len(scanned(table, item))


def test_rows_come_from_the_index(table: Path) -> None:
    rows = find_rows(table, 0, ["TX-REPEATED"])
    assert rows is not None and rows.tolist() == [100, 39_000]
    repeated = find_rows(table, 1, [42])
    assert repeated is not None and repeated.tolist() == list(range(16_000, 16_900))
    assert find_rows(table, 2, [5]) is None  # no index for this column
    assert find_rows(table, 1, ["not a number"]) is None  # the scan reports the problem


def test_a_value_that_does_not_fit_is_still_a_clear_error(table: Path) -> None:
    with pytest.raises(QueryError) as caught:
        run_query(table, Query(filters=(Filter("code", "eq", "lots"),)))
    assert caught.value.parameter == "filters"


def test_only_id_like_columns_of_big_tables_get_an_index(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    size = 120_000
    pq.write_table(
        pa.table(
            {
                "id": [f"R{i}" for i in range(size)],
                "ward": [f"W{i % 20}" for i in range(size)],
                "amount": np.arange(size, dtype=np.float64),
                "ref": np.arange(size, dtype=np.int64),
            }
        ),
        path,
    )
    assert worth_indexing(profile_table(path)) == [0, 3]
    small = tmp_path / "small.parquet"
    pq.write_table(pa.table({"id": [f"R{i}" for i in range(500)]}), small)
    assert worth_indexing(profile_table(small)) == []


def test_a_page_of_indexed_rows_is_sorted_and_cut_like_any_other(table: Path) -> None:
    item = Filter("code", "eq", 42)
    query = Query(filters=(item,), sort=(("id", True),), offset=7, limit=5, fields=("id", "n"))
    page = run_query(table, query)
    index = lookup_path(table, 1)
    saved = index.read_bytes()
    index.unlink()
    try:
        expected = run_query(table, query)
    finally:
        index.write_bytes(saved)
    assert page.records() == expected.records() and page.total == expected.total == 900
    assert [name for name, _ in page.fields] == ["id", "n"]
