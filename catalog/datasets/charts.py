"""The dataset page's charts, as plain data: which columns can be drawn and how, chosen
by the page's chart parameters, over the rows the preview's filter matches.

    line  a number column over a time column (a date, a timestamp or a year), one point
          per time, or per month, year, decade... when there are more than MAX_SERIES_POINTS
    bars  the most common values of a column of categories (text or true/false that
          repeats): the column profile's top values, or, under a filter, counted again
    map   the places in latitude and longitude columns, up to MAX_MAP_POINTS of them

    ?chart_time=&chart_value=&chart_how=   the line chart's columns and how a group's
                                           values combine (avg, sum, min, max)
    ?chart_bars=                           the bar chart's column

A column the table does not have (a link made for another version) is said in words and
the first suitable column drawn instead. The drawing is catalog/web/charts_svg.py's; the
numbers come from datastore/aggregate.py, over the same Query as the preview's page.
UK postcodes are not placed on the map: that needs a postcode lookup, which is not shipped.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.datasets.preview import view_query
from datastore.aggregate import Aggregates
from datastore.duck import QueryLimits
from datastore.errors import QueryError, QueryTooLarge
from datastore.query_types import Query

PARAMETERS = ("chart_time", "chart_value", "chart_how", "chart_bars")
HOW_LABELS = {"avg": "average", "sum": "total", "min": "smallest", "max": "largest"}
MAX_SERIES_POINTS = 300
MAX_MAP_POINTS = 2000
MAP_TABLE_ROWS = 200  # of the points drawn, the ones listed in the map's table
TOP_BARS = 5  # as many as the column profile keeps (datastore/profile.py TOP)
_NUMBERS = re.compile(r"^(u?int\d+|float|double|halffloat|decimal)")
_TIMES = ("date32", "date64", "timestamp")
_LATITUDE = {"lat", "latitude"}
_LONGITUDE = {"lon", "long", "lng", "longitude"}
_LABELS = {"name", "title"}  # a text column whose words include one names each place
_EPOCH = dt.date(1970, 1, 1)


def dataset_charts(
    parquet: Path,
    fields: list[dict[str, Any]],
    profile: Mapping[str, dict[str, Any]],
    rows: int,
    args: Mapping[str, str],
    limits: QueryLimits,
) -> dict[str, Any]:
    """The charts this table can have, drawn over the preview's rows: {"line", "bars",
    "map"} (each None when no column suits), the choices, and notes in words.

    A published version never changes, so the charts of a version and view are kept (the
    last CACHED_VIEWS of them, in this process): a line over ten million rows takes about
    a second to work out, and the same page is mostly asked for again."""
    view = sorted((k, str(v)) for k, v in args.items() if k not in _NOT_VIEW)
    key = (str(parquet), tuple(view))
    with _cache_lock:
        found = _cache.pop(key, None)
        if found is not None:
            _cache[key] = found  # most recently used last
            return copy.deepcopy(found)
    charts = _charts(parquet, fields, profile, rows, args, limits)
    with _cache_lock:
        _cache[key] = copy.deepcopy(charts)
        while len(_cache) > CACHED_VIEWS:
            _cache.pop(next(iter(_cache)))
    return charts


CACHED_VIEWS = 32
_NOT_VIEW = ("offset", "sort")  # parameters of the page the charts do not depend on
_cache: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, Any]] = {}
_cache_lock = threading.Lock()


def _charts(
    parquet: Path,
    fields: list[dict[str, Any]],
    profile: Mapping[str, dict[str, Any]],
    rows: int,
    args: Mapping[str, str],
    limits: QueryLimits,
) -> dict[str, Any]:
    kinds = {f["name"]: f.get("type") or "string" for f in fields}
    columns = [profile[name] for name in kinds if name in profile]
    times = [c["name"] for c in columns if _is_time(c, kinds[c["name"]])]
    found = _Columns(
        times=times,
        numbers=[c["name"] for c in columns if _is_number(c) and c["name"] not in times],
        categories=[c["name"] for c in columns if _is_category(c)],
        places=_places(columns),
        columns=columns,
        profile=profile,
        rows=rows,
    )
    charts: dict[str, Any] = {"line": None, "bars": None, "map": None, "notes": []}
    charts["choices"] = {key: str(args.get(key, "") or "") for key in PARAMETERS}
    try:
        query, filtered = view_query(args), _filtered(args)
    except QueryError:
        query, filtered = Query(), False  # the preview says what is wrong with the filter
    charts["filtered"] = filtered
    if not found.any:
        return charts
    try:
        try:
            charts.update(_drawn(parquet, query, limits, filtered, found, args))
        except QueryError:  # a filter value the table cannot compare: every row, as the preview
            charts.update(_drawn(parquet, Query(), limits, False, found, args), filtered=False)
    except QueryTooLarge as problem:
        charts["notes"].append(str(problem))
    charts["choices"] = _kept_choices(charts)
    return charts


def _kept_choices(charts: dict[str, Any]) -> dict[str, str]:
    """The chart parameters that chose what is drawn, for the other charts' forms to keep
    (one that chose nothing, such as a column the table lacks, is dropped)."""
    line, bars = charts["line"] or {}, charts["bars"] or {}
    drawn = {
        "chart_time": line.get("time"),
        "chart_value": line.get("value"),
        "chart_how": line.get("how"),
        "chart_bars": bars.get("column"),
    }
    return {k: v for k, v in charts["choices"].items() if v and v == drawn[k]}


@dataclass(frozen=True)
class _Columns:
    """The columns of a table each chart could draw."""

    times: list[str]
    numbers: list[str]
    categories: list[str]
    places: tuple[str, str] | None
    columns: list[dict[str, Any]]
    profile: Mapping[str, dict[str, Any]]
    rows: int

    @property
    def any(self) -> bool:
        return bool((self.times and self.numbers) or self.categories or self.places)


def _drawn(
    parquet: Path,
    query: Query,
    limits: QueryLimits,
    filtered: bool,
    found: _Columns,
    args: Mapping[str, str],
) -> dict[str, Any]:
    notes: list[str] = []
    drawn: dict[str, Any] = {"notes": notes}
    with Aggregates(parquet, query, limits) as table:
        if found.times and found.numbers:
            drawn["line"] = _line(table, found.times, found.numbers, args, notes)
        if found.categories:
            profile, rows = found.profile, found.rows
            bars = _bars(table, found.categories, profile, rows, not filtered, args, notes)
            drawn["bars"] = bars
        if found.places:
            drawn["map"] = _map(table, found.places, found.columns)
    return drawn


def _filtered(args: Mapping[str, str]) -> bool:
    return bool(args.get("q") or args.get("field"))


def _is_time(column: dict[str, Any], kind: str) -> bool:
    if column["type"] in _TIMES:
        return True
    if not column["type"].startswith(("int", "uint")):
        return False
    if kind == "year":
        return True
    low, high = column.get("min"), column.get("max")
    named = "year" in _words(column["name"])
    return named and isinstance(low, int) and isinstance(high, int) and 1000 <= low <= high <= 3000


def _is_number(column: dict[str, Any]) -> bool:
    return bool(_NUMBERS.match(column["type"])) and column.get("min") is not None


def _is_category(column: dict[str, Any]) -> bool:
    """Text or true/false whose values repeat: some value is in two rows or more."""
    top = column.get("top") or []
    kind = column["type"]
    text = kind in ("string", "large_string", "string_view", "bool")
    return text and column.get("distinct", 0) >= 2 and bool(top) and top[0]["count"] >= 2


def _places(columns: list[dict[str, Any]]) -> tuple[str, str] | None:
    """The latitude and longitude columns, when there are both, numbers in range."""
    found: dict[str, str] = {}
    for column in columns:
        words = set(_words(column["name"]))
        low, high = column.get("min"), column.get("max")
        if not (_is_number(column) and isinstance(low, int | float)):
            continue
        if not isinstance(high, int | float):
            continue
        if words & _LATITUDE and low >= -90 and high <= 90:
            found.setdefault("lat", column["name"])
        elif words & _LONGITUDE and low >= -180 and high <= 180:
            found.setdefault("lon", column["name"])
    return (found["lat"], found["lon"]) if len(found) == 2 else None


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z]+", name.lower()) if w]


def _chosen(
    args: Mapping[str, str], key: str, options: list[str], default: str, notes: list[str]
) -> str:
    """The column the page's parameter `key` asks for, if it is one of `options`; else
    `default` (with a note in words when it asked for another)."""
    wanted = str(args.get(key, "") or "")
    if wanted in options:
        return wanted
    if wanted:
        shown = wanted if len(wanted) <= 100 else wanted[:99] + "…"
        what = {"chart_time": "date", "chart_value": "number"}.get(key, "category")
        notes.append(f'There is no {what} column "{shown}" here; showing {default} instead.')
    return default


def _line(
    table: Aggregates,
    times: list[str],
    numbers: list[str],
    args: Mapping[str, str],
    notes: list[str],
) -> dict[str, Any]:
    time = _chosen(args, "chart_time", times, _likely_time(times), notes)
    value = _chosen(args, "chart_value", numbers, numbers[0], notes)
    how = str(args.get("chart_how", "") or "avg")
    if how not in HOW_LABELS:
        notes.append(f'"{how[:20]}" is not a way to combine values; showing the average.')
        how = "avg"
    series = table.series(time, value, how, MAX_SERIES_POINTS)
    dated = table.schema.field(time).type
    is_date = not (str(dated).startswith(("int", "uint", "double", "float")))
    points = [
        {"x": _x(t, is_date), "label": _time_label(t, series.step, is_date), "value": y, "rows": n}
        for t, y, n in series.points
    ]
    return {
        "time": time,
        "value": value,
        "how": how,
        "how_label": HOW_LABELS[how],
        "step": series.step,
        "axis": "date" if is_date else "number",
        "points": points,
        "rows": sum(n for _, _, n in series.points),
        "most_rows": series.most_rows,
        "times": times,
        "numbers": numbers,
        "hows": HOW_LABELS,
    }


def _likely_time(times: list[str]) -> str:
    for name in times:
        if set(_words(name)) & {"date", "year", "time", "period", "month", "day"}:
            return name
    return times[0]


def _x(value: Any, is_date: bool) -> float:
    """A time as a number along the axis: days since 1970 for dates, else itself."""
    if not is_date:
        return float(value)
    if isinstance(value, str) and "T" in value:
        moment = dt.datetime.fromisoformat(value)
        return (moment.replace(tzinfo=None) - dt.datetime(1970, 1, 1)).total_seconds() / 86400
    return float((dt.date.fromisoformat(str(value)) - _EPOCH).days)


def _time_label(value: Any, step: str, is_date: bool) -> str:
    if not is_date:
        start = int(value)
        return f"{start}–{start + int(step) - 1}" if step else str(start)
    text = str(value)
    if not step:
        return text.replace("T", " ")
    day = dt.date.fromisoformat(text[:10])
    if step == "month":
        return day.strftime("%b %Y")
    if step == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if step == "year":
        return str(day.year)
    if step == "decade":
        return f"{day.year}s"
    span = {"century": 100, "millennium": 1000}.get(step, 1)
    return f"{day.year}–{day.year + span - 1}" if span > 1 else text


def _bars(
    table: Aggregates,
    categories: list[str],
    profile: Mapping[str, dict[str, Any]],
    rows: int,
    use_profile: bool,
    args: Mapping[str, str],
    notes: list[str],
) -> dict[str, Any]:
    name = _chosen(args, "chart_bars", categories, _fewest(categories, profile), notes)
    if use_profile:  # every row: the column profile counted them when it was published
        column = profile[name]
        top = [(item["value"], item["count"]) for item in column.get("top") or []]
        nulls, distinct = column.get("nulls", 0), column.get("distinct", 0)
    else:
        found = table.top_values(name, TOP_BARS)
        top, rows, nulls, distinct = found.top, found.rows, found.nulls, found.distinct
    shown = sum(count for _, count in top)
    return {
        "column": name,
        "bars": [{"label": _value_label(v), "count": n} for v, n in top[:TOP_BARS]],
        "rows": rows,
        "nulls": nulls,
        "distinct": distinct,
        "others": max(rows - nulls - shown, 0),
        "other_values": max(distinct - len(top), 0),
        "categories": categories,
    }


def _fewest(categories: list[str], profile: Mapping[str, dict[str, Any]]) -> str:
    """The column of categories with the fewest different values (of two or more), text
    before true/false."""
    return min(
        categories,
        key=lambda name: (profile[name]["type"] == "bool", profile[name].get("distinct", 0)),
    )


def _value_label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _map(
    table: Aggregates, places: tuple[str, str], columns: list[dict[str, Any]]
) -> dict[str, Any]:
    latitude, longitude = places
    label = next(
        (
            c["name"]
            for c in columns
            if c["type"] in ("string", "large_string")
            and set(_words(c["name"])) & {"name", "title"}
        ),
        None,
    )
    found = table.points(latitude, longitude, label, MAX_MAP_POINTS)
    points = [{"lat": y, "lon": x, "label": text, "row": row} for y, x, text, row in found.points]
    return {
        "lat": latitude,
        "lon": longitude,
        "label": label,
        "points": points,
        "total": found.total,
        "listed": points[:MAP_TABLE_ROWS],
    }
