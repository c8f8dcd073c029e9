"""diff_tables: what changed between two versions of a table, over real Parquet files."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datastore import NotFound, diff_tables


def write(path: Path, data: dict[str, Any] | pa.Table, row_group_size: int | None = None) -> Path:
    table = data if isinstance(data, pa.Table) else pa.table(data)
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def diff(tmp_path: Path, old: dict[str, Any] | pa.Table, new: dict[str, Any] | pa.Table, **kw):
    result = diff_tables(
        write(tmp_path / "old.parquet", old, **kw), write(tmp_path / "new.parquet", new, **kw)
    )
    json.dumps(result, allow_nan=False)  # JSON-ready, strictly
    return result


def counts(result: dict[str, Any]) -> tuple[int, int, int, int, int]:
    keys = ("rows_old", "rows_new", "rows_added", "rows_removed", "rows_unchanged")
    return tuple(result[k] for k in keys)  # type: ignore[return-value]


PEOPLE = {
    "id": [1, 2, 3],
    "name": ["Ann", "Bob", "Cy"],
    "born": [dt.date(1990, 1, i) for i in (1, 2, 3)],
}


def test_identical_tables_have_no_changes(tmp_path):
    result = diff(tmp_path, PEOPLE, PEOPLE)
    assert result == {
        "rows_old": 3,
        "rows_new": 3,
        "rows_added": 0,
        "rows_removed": 0,
        "rows_unchanged": 3,
        "columns_added": [],
        "columns_removed": [],
        "columns_retyped": [],
        "sample_added": [],
        "sample_removed": [],
    }


def test_appended_rows_are_added_with_samples(tmp_path):
    new = {
        "id": [1, 2, 3, 4],
        "name": ["Ann", "Bob", "Cy", "Di"],
        "born": PEOPLE["born"] + [dt.date(2000, 5, 6)],
    }
    result = diff(tmp_path, PEOPLE, new)
    assert counts(result) == (3, 4, 1, 0, 3)
    assert result["sample_added"] == [{"id": 4, "name": "Di", "born": "2000-05-06"}]
    assert result["sample_removed"] == []


def test_removed_rows(tmp_path):
    new = {k: v[:1] for k, v in PEOPLE.items()}
    result = diff(tmp_path, PEOPLE, new)
    assert counts(result) == (3, 1, 0, 2, 1)
    assert [r["name"] for r in result["sample_removed"]] == ["Bob", "Cy"]


def test_changed_cell_is_one_removed_and_one_added(tmp_path):
    new = dict(PEOPLE, name=["Ann", "Rob", "Cy"])
    result = diff(tmp_path, PEOPLE, new)
    assert counts(result) == (3, 3, 1, 1, 2)
    assert result["sample_removed"] == [{"id": 2, "name": "Bob", "born": "1990-01-02"}]
    assert result["sample_added"] == [{"id": 2, "name": "Rob", "born": "1990-01-02"}]


def test_rows_compare_as_multisets(tmp_path):
    result = diff(tmp_path, {"x": ["a", "a", "b"]}, {"x": ["a", "b", "b", "b"]})
    assert counts(result) == (3, 4, 2, 1, 2)
    assert result["sample_removed"] == [{"x": "a"}]
    assert result["sample_added"] == [{"x": "b"}, {"x": "b"}]


def test_row_order_does_not_matter(tmp_path):
    assert counts(diff(tmp_path, {"x": [1, 2, 3]}, {"x": [3, 1, 2]})) == (3, 3, 0, 0, 3)


def test_column_added_compares_rows_on_shared_columns(tmp_path):
    result = diff(tmp_path, PEOPLE, dict(PEOPLE, town=["Ayr", None, "Oban"]))
    assert result["columns_added"] == ["town"]
    assert result["columns_removed"] == [] and result["columns_retyped"] == []
    assert counts(result) == (3, 3, 0, 0, 3)


def test_column_removed(tmp_path):
    new = {"id": PEOPLE["id"], "name": ["Ann", "Bob", "Cyd"]}
    result = diff(tmp_path, PEOPLE, new)
    assert result["columns_removed"] == ["born"]
    assert counts(result) == (3, 3, 1, 1, 2)
    assert result["sample_added"] == [{"id": 3, "name": "Cyd"}]  # a whole row of its version
    assert result["sample_removed"] == [{"id": 3, "name": "Cy", "born": "1990-01-03"}]


def test_retyped_column_is_reported_and_left_out_of_row_comparison(tmp_path):
    new = dict(PEOPLE, id=["one", "two", "three"])
    result = diff(tmp_path, PEOPLE, new)
    assert result["columns_retyped"] == [{"name": "id", "old": "int64", "new": "string"}]
    assert counts(result) == (3, 3, 0, 0, 3)


def test_nothing_comparable_means_every_row_changed(tmp_path):
    result = diff(tmp_path, {"id": [1, 2]}, {"id": ["1", "2", "3"]})
    assert counts(result) == (2, 3, 3, 2, 0)
    assert result["sample_removed"] == [{"id": 1}, {"id": 2}]
    assert len(result["sample_added"]) == 3


def test_nulls_differ_from_empty_strings_and_zero(tmp_path):
    old = {"s": ["", "a", ""], "n": [0, 0, 5]}
    new = {"s": [None, "a", None], "n": [0, None, 5]}
    result = diff(tmp_path, old, new)
    assert counts(result) == (3, 3, 3, 3, 0)
    assert result["sample_added"] == [
        {"s": None, "n": 0},
        {"s": "a", "n": None},
        {"s": None, "n": 5},
    ]
    assert counts(diff(tmp_path, {"s": ["", None]}, {"s": [None, ""]})) == (2, 2, 0, 0, 2)
    assert counts(diff(tmp_path, {"n": [0, None]}, {"n": [None, 0]})) == (2, 2, 0, 0, 2)


def test_strings_differ_by_bytes_and_length(tmp_path):
    values = ["ab", "ba", "a", "a\x00", "\x00a", "é", "e", "abab", "baba"]
    result = diff(tmp_path, {"s": values}, {"s": list(reversed(values))})
    assert counts(result) == (9, 9, 0, 0, 9)
    assert counts(diff(tmp_path, {"s": values}, {"s": ["x" + v for v in values]}))[2:] == (9, 9, 0)


def test_nan_equals_nan_and_shows_as_null(tmp_path):
    old = {"f": [1.5, math.nan, None, -0.0]}
    new = {"f": [math.nan, 1.5, None, 0.0, math.inf]}
    result = diff(tmp_path, old, new)
    assert counts(result) == (4, 5, 1, 0, 4)
    assert result["sample_added"] == [{"f": None}]  # infinity, as JSON carries it


def test_nan_differs_from_null(tmp_path):
    assert counts(diff(tmp_path, {"f": [math.nan]}, {"f": [None]}, row_group_size=1)) == (
        1,
        1,
        1,
        1,
        0,
    )


def test_empty_tables(tmp_path):
    empty = pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())})
    assert counts(diff(tmp_path, empty, empty)) == (0, 0, 0, 0, 0)
    result = diff(tmp_path, empty, {"a": [1, 2], "b": ["x", None]})
    assert counts(result) == (0, 2, 2, 0, 0)
    assert result["sample_added"] == [{"a": 1, "b": "x"}, {"a": 2, "b": None}]


def test_many_row_groups_and_at_most_five_samples(tmp_path):
    old = {"n": list(range(100)), "s": [f"row {i}" for i in range(100)]}
    new = {"n": list(range(10, 120)), "s": [f"row {i}" for i in range(10, 120)]}
    result = diff(tmp_path, old, new, row_group_size=7)
    assert pq.ParquetFile(tmp_path / "old.parquet").num_row_groups == 15
    assert counts(result) == (100, 110, 20, 10, 90)
    assert [r["n"] for r in result["sample_added"]] == [100, 101, 102, 103, 104]
    assert [r["n"] for r in result["sample_removed"]] == [0, 1, 2, 3, 4]


def test_samples_past_the_first_batch(tmp_path):
    old = {"n": list(range(70_000))}
    new = {"n": [*range(69_990), -1, *range(69_991, 70_000)]}
    result = diff(tmp_path, old, new, row_group_size=10_000)
    assert counts(result) == (70_000, 70_000, 1, 1, 69_999)
    assert result["sample_added"] == [{"n": -1}] and result["sample_removed"] == [{"n": 69_990}]


def test_other_types_compare_by_value(tmp_path):
    table = pa.table(
        {
            "flag": [True, False, None],
            "at": pa.array(
                [dt.datetime(2024, 1, 1), None, dt.datetime(2024, 1, 2)], pa.timestamp("us")
            ),
            "tags": pa.array([["a"], [], None], pa.list_(pa.string())),
            "code": pa.array(["x", "y", "x"]).dictionary_encode(),
            "price": pa.array(
                [decimal.Decimal("1.10"), None, decimal.Decimal("2")], pa.decimal128(5, 2)
            ),
            "took": pa.array([1, None, 2], pa.duration("s")),
            "blob": pa.array([b"", None, b"\x00"], pa.binary()),
        }
    )
    assert counts(diff(tmp_path, table, table)) == (3, 3, 0, 0, 3)
    changed = table.set_column(2, "tags", pa.array([["a"], ["b"], None], pa.list_(pa.string())))
    assert counts(diff(tmp_path, table, changed)) == (3, 3, 1, 1, 2)


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        diff_tables(tmp_path / "nope.parquet", write(tmp_path / "new.parquet", PEOPLE))
