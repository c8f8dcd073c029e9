"""The charts benchmark: what the dataset page's charts cost on a big table.

A table of N rows (a date over 55 years, a number, a text of 7 categories, a latitude and
a longitude, random with a fixed seed) is written as Parquet in row groups of 131,072
rows, as the catalogue writes them; then datastore.aggregate.Aggregates, the function
behind the charts, works out the line (grouped to at most 300 points), the top values and
the map's 2,000 points, over every row and under a filter (one category of seven). Each
figure is the median of REPEATS runs. The page keeps the charts of a view once worked out
(catalog/datasets/charts.py), so these are the cost of a view's first showing.

    python -m bench charts                 # 1M and 10M rows
    python -m bench charts --rows 1M       # one size
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from datastore.aggregate import Aggregates
from datastore.duck import QueryLimits
from datastore.query_types import Filter, Query

REPEATS = 3
SIZES = {"1M": 1_000_000, "10M": 10_000_000}


def write_table(path: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    kinds = np.array(["a", "b", "c", "d", "e", "f", "g"])
    table = pa.table(
        {
            "day": pa.array(rng.integers(0, 20_000, rows).astype("int32")).view(pa.date32()),
            "value": rng.random(rows),
            "kind": pa.array(kinds[rng.integers(0, 7, rows)]),
            "lat": rng.uniform(50, 58, rows),
            "lon": rng.uniform(-6, 2, rows),
        }
    )
    pq.write_table(table, path, row_group_size=131_072)


def timed(parquet: Path, query: Query) -> dict[str, float]:
    times: dict[str, list[float]] = {"line": [], "bars": [], "map": []}
    for _ in range(REPEATS):
        with Aggregates(parquet, query, QueryLimits()) as table:
            start = time.perf_counter()
            table.series("day", "value", "avg", 300)
            times["line"].append(time.perf_counter() - start)
            start = time.perf_counter()
            table.top_values("kind", 5)
            times["bars"].append(time.perf_counter() - start)
            start = time.perf_counter()
            table.points("lat", "lon", None, 2000)
            times["map"].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench charts")
    parser.add_argument("--rows", choices=list(SIZES), action="append")
    options = parser.parse_args(argv)
    print("charts: seconds to work out each chart (median of 3)")
    print(f"{'rows':>12} {'rows drawn':>12} {'line':>8} {'bars':>8} {'map':>8}")
    for size in options.rows or list(SIZES):
        with tempfile.TemporaryDirectory(prefix="charts-bench-") as folder:
            parquet = Path(folder) / "data.parquet"
            write_table(parquet, SIZES[size])
            for label, query in (
                ("every row", Query()),
                ("one kind", Query(filters=(Filter("kind", "eq", "c"),))),
            ):
                found = timed(parquet, query)
                print(
                    f"{SIZES[size]:>12,} {label:>12} {found['line']:>8.3f} "
                    f"{found['bars']:>8.3f} {found['map']:>8.3f}"
                )
    return 0
