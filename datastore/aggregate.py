"""Aggregates of the rows a query matches, for charts: a number field over time, a field's
most common values, and a sample of points (latitude, longitude).

Each is bounded whatever the table's size: a series has at most `max_points` points (the
times are grouped by day, month, year, decade... or, for whole numbers such as years, by
tens, hundreds..., the finest grouping that fits), the top values are a top-N, and the
points are at most `max_points` rows, the same ones every time (those whose row number
hashes lowest: a top-N, never a sort of the table). Only the columns a chart names are
read. The rows are the query's (its filters and words, never its sort or page), through
the same Plan as the preview's page (datastore/query_plan.py), so a filtered preview and
its charts always agree; DuckDB is opened as every query's is (datastore/duck.py).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from datastore.duck import QueryLimits, locked_duckdb
from datastore.errors import NotFound, QueryError, QueryTooLarge
from datastore.json_values import json_value
from datastore.query_plan import Plan
from datastore.query_types import Query
from datastore.query_values import UNREADABLE_VALUE
from datastore.table import open_parquet

HOWS = {"avg": "avg", "sum": "sum", "min": "min", "max": "max"}  # how a group's values combine
TIME_STEPS = ("day", "month", "quarter", "year", "decade", "century", "millennium")
LABEL_CHARACTERS = 80


@dataclass(frozen=True)
class Series:
    """A number over time: (time, value, rows) per point, in time order; `step` is how the
    times were grouped ("" for not at all, else a TIME_STEPS name or a power of ten)."""

    step: str
    points: list[tuple[Any, float | None, int]]

    @property
    def most_rows(self) -> int:
        """The most rows any one point stands for (1: every point is one row)."""
        return max((rows for _, _, rows in self.points), default=0)


@dataclass(frozen=True)
class TopValues:
    top: list[tuple[Any, int]]  # (value, rows), the most common first, ties by value
    rows: int  # rows matched
    nulls: int  # of those, with no value here
    distinct: int  # different values among them


@dataclass(frozen=True)
class Points:
    points: list[tuple[float, float, str | None, int]]  # (latitude, longitude, label, row)
    total: int  # rows with a place (both values, in range); at most max_points are drawn


class Aggregates:
    """One DuckDB connection for the charts of one query over one Parquet file."""

    def __init__(self, parquet: Path, query: Query, limits: QueryLimits) -> None:
        if not parquet.is_file():
            raise NotFound(f"no table at {parquet.name}")
        self.parquet, self.limits = parquet, limits
        schema = open_parquet(parquet).schema_arrow
        rows_of = Query(filters=query.filters, q=query.q)  # no sort, no page
        self.plan = Plan(parquet, schema, rows_of, list(schema.names), with_row_id=False)
        self.schema = schema
        self.con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> Aggregates:
        self.con = locked_duckdb(
            f"{self.limits.memory_mb}MB",
            readable=os.fspath(self.parquet.parent),
            spill=self.limits.spill(),
            spill_limit=f"{self.limits.spill_mb}MB",
            keep_order=False,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.con is not None:
            self.con.close()

    def series(self, time: str, value: str, how: str = "avg", max_points: int = 300) -> Series:
        """`value` combined by `how` (HOWS) for each time of `time`, grouped as finely as
        fits in `max_points`. Rows with no time, or no finite value, are left out."""
        t, v = self._column(time), self._column(value)
        number = f"CAST({v} AS DOUBLE)"
        kept = [f"{t} IS NOT NULL", f"isfinite({number})"]
        steps = self._steps(time, t)
        # The exact times are counted; a grouping's points are at most its span's units
        # (months from the first to the last, say): cheaper than counting each grouping.
        [(distinct, low, high)] = self._rows(
            f"SELECT count(DISTINCT {t}), min({t}), max({t})", kept
        )
        chosen = steps[-1]
        for step in steps:
            fits = distinct if not step[0] else _span(step[0], low, high)
            if fits <= max_points:
                chosen = step
                break
        name, bucket = chosen
        combine = HOWS.get(how, "avg")
        found = self._rows(
            f"SELECT {bucket} AS b, {combine}({number}), count(*)",
            kept,
            tail=" GROUP BY b ORDER BY b",
        )
        return Series(name, [(json_value(b), _finite(y), int(n)) for b, y, n in found])

    def top_values(self, field: str, count: int = 5) -> TopValues:
        """The `count` most common values of `field` among the rows, with how many rows
        each, and the rows, nulls and distinct values all told."""
        c = self._column(field)
        top = self._rows(
            f"SELECT {c} AS v, count(*) AS n",
            [f"{c} IS NOT NULL"],
            tail=" GROUP BY v ORDER BY n DESC, v LIMIT ?",
            extra=[count],
        )
        [(rows, values, distinct)] = self._rows(
            f"SELECT count(*), count({c}), count(DISTINCT {c})", []
        )
        return TopValues(
            [(json_value(value), int(n)) for value, n in top],
            int(rows),
            int(rows) - int(values),
            int(distinct),
        )

    def points(
        self, latitude: str, longitude: str, label: str | None = None, max_points: int = 2000
    ) -> Points:
        """Up to `max_points` rows' places (the same ones each time, in row order), with
        `label`'s value each, and how many rows have a place in all."""
        lat = f"CAST({self._column(latitude)} AS DOUBLE)"
        lon = f"CAST({self._column(longitude)} AS DOUBLE)"
        kept = [f"{lat} BETWEEN -90 AND 90", f"{lon} BETWEEN -180 AND 180"]
        [(total,)] = self._rows("SELECT count(*)", kept)
        text = f"left(CAST({self._column(label)} AS VARCHAR), {LABEL_CHARACTERS})"
        named = text if label else "NULL"
        found = self._rows(
            f"SELECT {lat}, {lon}, {named}, file_row_number + 1 AS r",
            kept,
            tail=" ORDER BY hash(file_row_number) LIMIT ?",
            extra=[max_points],
        )
        found.sort(key=lambda row: row[3])
        return Points([(y, x, name, int(r)) for y, x, name, r in found], int(total))

    # Parts ----------------------------------------------------------------------------

    def _column(self, name: str | None) -> str:
        if name is None:
            return "NULL"
        if name not in self.schema.names:
            raise QueryError("fields", f'There is no field "{name}" in this table.')
        return self.plan.alias[name]

    def _steps(self, name: str, column: str) -> list[tuple[str, str]]:
        """The groupings of a time column to try, finest first: (its name, its SQL)."""
        kind = self.schema.field(name).type
        if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            day = f"CAST({column} AS DATE)"
            steps = [("", day if pa.types.is_date(kind) else column)]
            steps += [(step, f"CAST(date_trunc('{step}', {day}) AS DATE)") for step in TIME_STEPS]
            return steps
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            whole = f"CAST({column} AS HUGEINT)" if pa.types.is_integer(kind) else column
            steps = [("", column)]
            steps += [(str(10**k), f"floor({whole} / {10**k}) * {10**k}") for k in range(1, 19)]
            return steps
        raise QueryError("fields", f'"{name}" holds neither dates nor numbers: it has no time.')

    def _rows(
        self, select: str, kept: list[str], *, tail: str = "", extra: list[Any] | None = None
    ) -> list[tuple[Any, ...]]:
        assert self.con is not None, "use Aggregates in a with block"
        clauses, params = self.plan.where
        where = " AND ".join([*clauses, *kept]) or "TRUE"
        sql = f"{select} FROM {self.plan.source} WHERE {where}{tail}"  # our aliases only
        try:
            return self.con.execute(sql, [*self.plan.params, *params, *(extra or [])]).fetchall()
        except duckdb.OutOfMemoryException as error:
            raise QueryTooLarge(
                "This chart needs more memory than one query may use here: filter the rows "
                "first, or choose another column."
            ) from error
        except (duckdb.ConversionException, duckdb.InvalidInputException):
            raise QueryError("filters", UNREADABLE_VALUE) from None


def _span(step: str, low: Any, high: Any) -> int:
    """How many groups of `step` there are from `low` to `high`, both counted."""
    if low is None or high is None:
        return 0
    if step.isdigit():
        size = int(step)
        return int(high // size - low // size) + 1
    first, last = _as_date(low), _as_date(high)
    if step == "day":
        return (last - first).days + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    years = {"decade": 10, "century": 100, "millennium": 1000}
    if step == "month":
        return months + 1
    if step == "quarter":
        return (
            (last.year * 4 + (last.month - 1) // 3) - (first.year * 4 + (first.month - 1) // 3) + 1
        )
    size = years.get(step, 1)
    return last.year // size - first.year // size + 1


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _finite(value: Any) -> float | None:
    return None if value is None else float(value)
