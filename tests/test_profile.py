"""The column profile: every field for every type, from small real Parquet files and one ingest."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from datastore import Store, profile_table
from datastore.store import FACTS, PROFILE
from ingest import ingest_file
from schemas import load_schema

DATA = Path(__file__).parent / "data"
KEY = "0" * 32
NAN, INF = math.nan, math.inf


def write(tmp_path: Path, **columns: pa.Array) -> Path:
    path = tmp_path / "table.parquet"
    pq.write_table(pa.table(columns), path, row_group_size=3)  # several row groups
    return path


def profile(path: Path) -> dict[str, Any]:
    """The profile, checked to be strict JSON and the same read 2 rows at a time."""
    value = profile_table(path)
    assert profile_table(path, batch_rows=2) == value
    assert json.loads(json.dumps(value, allow_nan=False)) == value
    return value


def column(path: Path, name: str) -> dict[str, Any]:
    return next(c for c in profile(path)["columns"] if c["name"] == name)


def top(*pairs: tuple[Any, int]) -> list[dict[str, Any]]:
    return [{"value": value, "count": count} for value, count in pairs]


def test_integers(tmp_path):
    path = write(tmp_path, n=pa.array([3, 1, None, 3, 7, 1, 3], pa.int64()))
    assert profile(path) == {
        "rows": 7,
        "columns": [
            {
                "name": "n",
                "type": "int64",
                "nulls": 1,
                "distinct": 3,
                "min": 1,
                "max": 7,
                "top": top((3, 3), (1, 2), (7, 1)),
                # Whole numbers get bins of whole units: 1, 2, ... 7, each [edge, next edge).
                "chart": {
                    "kind": "histogram",
                    "edges": [1, 2, 3, 4, 5, 6, 7, 8],
                    "counts": [2, 0, 3, 0, 0, 0, 1],
                },
            }
        ],
    }


def test_floats(tmp_path):
    path = write(tmp_path, x=pa.array([0.5, None, 2.5, 0.5, -1.0, 10.0, None]))
    x = column(path, "x")
    chart = x.pop("chart")
    assert x == {
        "name": "x",
        "type": "double",
        "nulls": 2,
        "distinct": 4,
        "min": -1.0,
        "max": 10.0,
        "top": top((0.5, 2), (-1.0, 1), (2.5, 1), (10.0, 1)),
    }
    assert chart["kind"] == "histogram"
    assert len(chart["edges"]) == 21
    for i, edge in enumerate(chart["edges"]):
        assert math.isclose(edge, -1.0 + 0.55 * i, abs_tol=1e-12)
    assert chart["edges"][0] == -1.0 and chart["edges"][-1] == 10.0
    expected = [0] * 20
    for value in (0.5, 2.5, 0.5, -1.0):
        expected[int((value + 1.0) // 0.55)] += 1
    expected[19] += 1  # the max falls in the last bin, which holds its upper edge
    assert chart["counts"] == expected
    assert sum(chart["counts"]) == 5


def test_float_bins_hold_their_lower_edge_and_the_last_its_upper(tmp_path):
    path = write(tmp_path, x=pa.array([float(i) for i in range(21)]))
    chart = column(path, "x")["chart"]
    assert chart["edges"] == [float(i) for i in range(21)]
    assert chart["counts"] == [1] * 19 + [2]


def test_strings(tmp_path):
    path = write(tmp_path, s=pa.array(["b", "a", None, "b", "", "c", "a"]))
    assert column(path, "s") == {
        "name": "s",
        "type": "string",
        "nulls": 1,
        "distinct": 4,
        "min": "",
        "max": "c",
        "top": top(("a", 2), ("b", 2), ("", 1), ("c", 1)),
        "chart": {"kind": "bars"},
    }


def test_long_strings_are_cut_to_200_characters(tmp_path):
    path = write(tmp_path, s=pa.array(["y" * 250, "x" * 300, "x" * 300]))
    s = column(path, "s")
    assert (s["min"], s["max"]) == ("x" * 200, "y" * 200)
    assert s["top"] == top(("x" * 200, 2), ("y" * 200, 1))
    assert s["distinct"] == 2


def test_booleans(tmp_path):
    path = write(tmp_path, b=pa.array([True, False, True, None, True, False, True]))
    assert column(path, "b") == {
        "name": "b",
        "type": "bool",
        "nulls": 1,
        "distinct": 2,
        "min": False,
        "max": True,
        "top": top((True, 4), (False, 2)),
        "chart": {"kind": "bars"},
    }


def test_dates(tmp_path):
    days = [dt.date(2024, 1, 31), dt.date(2024, 1, 1), None, dt.date(2024, 1, 31)]
    days += [dt.date(2023, 12, 25), dt.date(2024, 2, 29), None]
    path = write(tmp_path, d=pa.array(days, pa.date32()))
    d = column(path, "d")
    chart = d.pop("chart")
    assert d == {
        "name": "d",
        "type": "date32",
        "nulls": 2,
        "distinct": 4,
        "min": "2023-12-25",
        "max": "2024-02-29",
        "top": top(("2024-01-31", 2), ("2023-12-25", 1), ("2024-01-01", 1), ("2024-02-29", 1)),
    }
    # 67 days in 17 bins of 4 whole days; the edges are dates.
    low = dt.date(2023, 12, 25)
    assert chart["edges"] == [(low + dt.timedelta(days=4 * i)).isoformat() for i in range(18)]
    expected = [0] * 17
    for day in days:
        if day is not None:
            expected[(day - low).days // 4] += 1
    assert chart["counts"] == expected
    assert sum(chart["counts"]) == 5


def test_timestamps(tmp_path):
    noon = dt.datetime(2024, 3, 1, 12)
    half = noon + dt.timedelta(milliseconds=500)
    path = write(tmp_path, t=pa.array([noon, None, half, noon], pa.timestamp("us")))
    t = column(path, "t")
    chart = t.pop("chart")
    assert t == {
        "name": "t",
        "type": "timestamp",
        "nulls": 1,
        "distinct": 2,
        "min": "2024-03-01T12:00:00",
        "max": "2024-03-01T12:00:00.500000",
        "top": top(("2024-03-01T12:00:00", 2), ("2024-03-01T12:00:00.500000", 1)),
    }
    # 500,001 microseconds in 20 bins of 25,001.
    assert len(chart["edges"]) == 21
    assert chart["edges"][:2] == ["2024-03-01T12:00:00", "2024-03-01T12:00:00.025001"]
    assert chart["counts"] == [2] + [0] * 18 + [1]


def test_edges_past_the_calendar_end_at_the_max(tmp_path):
    path = write(
        tmp_path,
        d=pa.array([dt.date(2000, 1, 1), dt.date(9999, 12, 31)], pa.date32()),
        tm=pa.array([dt.time(0, 0), dt.time(23, 59, 59, 999999)], pa.time64("us")),
    )
    d, tm = profile(path)["columns"]
    assert d["chart"]["edges"][-1] == "9999-12-31"
    assert tm["type"] == "time64"
    assert (tm["min"], tm["max"]) == ("00:00:00", "23:59:59.999999")
    assert tm["chart"]["edges"][:2] == ["00:00:00", "01:12:00"]
    assert tm["chart"]["edges"][-1] == "23:59:59.999999"  # not 24:00, which Python lacks
    for chart in (d["chart"], tm["chart"]):
        assert len(chart["edges"]) == 21
        assert chart["counts"] == [1] + [0] * 18 + [1]


def test_the_whole_int64_range(tmp_path):
    low, high = -(2**63), 2**63 - 1
    path = write(tmp_path, n=pa.array([low, high, 0, None], pa.int64()))
    n = column(path, "n")
    assert (n["min"], n["max"], n["nulls"], n["distinct"]) == (low, high, 1, 3)
    width = -(-(2**64) // 20)
    assert n["chart"]["edges"] == [low + i * width for i in range(21)]
    counts = [0] * 20
    for value in (low, high, 0):
        counts[(value - low) // width] += 1
    assert n["chart"]["counts"] == counts


def test_top_values_are_the_five_most_common_ties_by_value(tmp_path):
    values = ["e"] * 3 + ["f"] + ["c"] * 2 + ["d"] * 3 + ["b"] * 2 + ["a"] * 2 + [None] * 4
    path = write(tmp_path, s=pa.array(values))
    s = column(path, "s")
    assert s["top"] == top(("d", 3), ("e", 3), ("a", 2), ("b", 2), ("c", 2))
    assert (s["nulls"], s["distinct"]) == (4, 6)


def test_nan_is_a_value_but_not_in_min_max_or_the_histogram(tmp_path):
    path = write(tmp_path, x=pa.array([1.0, NAN, NAN, INF, None, 2.0, -INF]))
    x = column(path, "x")
    assert (x["nulls"], x["distinct"], x["min"], x["max"]) == (1, 5, 1.0, 2.0)
    assert x["top"] == top(("NaN", 2), ("-Infinity", 1), (1.0, 1), (2.0, 1), ("Infinity", 1))
    assert x["chart"]["edges"][0] == 1.0 and x["chart"]["edges"][-1] == 2.0
    assert x["chart"]["counts"] == [1] + [0] * 18 + [1]  # the finite values only


def test_a_column_of_only_nan(tmp_path):
    path = write(tmp_path, x=pa.array([NAN, None, NAN]))
    assert column(path, "x") == {
        "name": "x",
        "type": "double",
        "nulls": 1,
        "distinct": 1,
        "min": None,
        "max": None,
        "top": top(("NaN", 2)),
        "chart": {"kind": "histogram", "edges": [], "counts": []},
    }


def test_one_value_is_one_bin(tmp_path):
    path = write(tmp_path, x=pa.array([2.5, None, 2.5]), d=pa.array([0, None, 0], pa.date32()))
    x, d = profile(path)["columns"]
    assert x["chart"] == {"kind": "histogram", "edges": [2.5, 2.5], "counts": [2]}
    assert d["chart"] == {"kind": "histogram", "edges": ["1970-01-01", "1970-01-02"], "counts": [2]}


def test_all_null_columns(tmp_path):
    path = write(
        tmp_path,
        n=pa.array([None] * 4, pa.int64()),
        x=pa.array([None] * 4, pa.float64()),
        s=pa.array([None] * 4, pa.string()),
        d=pa.array([None] * 4, pa.date32()),
        b=pa.array([None] * 4, pa.bool_()),
    )
    result = profile(path)
    assert result["rows"] == 4
    types = {"n": "int64", "x": "double", "s": "string", "d": "date32", "b": "bool"}
    assert [c["name"] for c in result["columns"]] == list(types)
    for found in result["columns"]:
        name = found["name"]
        histogram = {"kind": "histogram", "edges": [], "counts": []}
        assert found == {
            "name": name,
            "type": types[name],
            "nulls": 4,
            "distinct": 0,
            "min": None,
            "max": None,
            "top": [],
            "chart": {"kind": "bars"} if name in ("s", "b") else histogram,
        }


def test_an_empty_table(tmp_path):
    path = write(tmp_path, n=pa.array([], pa.int64()), s=pa.array([], pa.string()))
    empty = {"nulls": 0, "distinct": 0, "min": None, "max": None, "top": []}
    assert profile(path) == {
        "rows": 0,
        "columns": [
            {
                "name": "n",
                "type": "int64",
                **empty,
                "chart": {"kind": "histogram", "edges": [], "counts": []},
            },
            {"name": "s", "type": "string", **empty, "chart": {"kind": "bars"}},
        ],
    }


# At ingest ------------------------------------------------------------------------------------


def ingest_gdp(tmp_path: Path) -> Any:
    source = DATA / "valid/gdp/data/top-economies.csv"
    schema = load_schema(DATA / "valid/gdp/datapackage.json", source.name)
    result = ingest_file(Store(tmp_path), KEY, source, original_name=source.name, schema=schema)
    assert result.valid
    return result.version


def test_a_version_keeps_its_profile_beside_its_table(tmp_path):
    version = ingest_gdp(tmp_path)
    assert not (version.folder / PROFILE).exists()  # the catalogue asks for it on publishing
    assert version.profile() == profile(version.parquet)
    written = version.read_json(PROFILE)
    assert version.profile() == written

    rows = version.read_json(FACTS)["rows"]
    assert written["rows"] == rows == 230
    assert [(c["name"], c["type"]) for c in written["columns"]] == [
        ("country", "string"),
        ("year", "int64"),
        ("gdp_trillion", "double"),
    ]
    country, year, gdp = written["columns"]
    assert country["chart"] == {"kind": "bars"}
    assert len(country["top"]) == 5
    assert [t["count"] for t in country["top"]] == sorted(
        (t["count"] for t in country["top"]), reverse=True
    )
    for found in written["columns"]:
        assert found["nulls"] == 0
    for found in (year, gdp):
        assert found["chart"]["kind"] == "histogram"
        assert sum(found["chart"]["counts"]) == rows
        assert found["chart"]["edges"][0] == found["min"]
    assert year["min"] <= year["max"] < year["chart"]["edges"][-1]
    assert gdp["chart"]["edges"][-1] == gdp["max"]


def test_a_version_without_a_profile_gets_one_when_asked(tmp_path):
    version = ingest_gdp(tmp_path)
    written = version.profile()
    (version.folder / PROFILE).unlink()  # as a version published before profiles
    files = sorted(p.name for p in version.folder.iterdir())

    assert version.profile() == written
    assert version.read_json(PROFILE) == written
    assert sorted(p.name for p in version.folder.iterdir()) == sorted([*files, PROFILE])
