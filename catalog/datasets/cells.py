"""How the preview writes each cell, by the type of its column.

Whole numbers have no ".0" and their thousands grouped (273,135), unless the column is a
year, names an id or code (2024, not 2,024) or holds numbers of 13 digits or more (most
likely identifiers). Decimals are grouped too, with as many decimal places as the page's
values of that column need, at most MAX_DECIMALS and SIGNIFICANT figures, so a
column's values line up (-1.0 beside 0.5); a float column whose values are all whole
(house prices stored as 273135.0) is written as whole numbers. Very small numbers keep
three significant figures. Dates are dates (2020-01-31), and a timestamp drops a
midnight time and a zero seconds part. Missing values are empty cells.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

MAX_DECIMALS = 4
SIGNIFICANT = 7  # figures a decimal keeps, at most: 3,521,418,060 not 3,521,418,059.9234
_UNGROUPED = re.compile(
    r"(?i)(^|[^a-z])(year|yr|id|code|ref|reference|number|no|uprn|usrn|toid|os)$|Id$"
)
_IDENTIFIER = 10**12  # whole numbers this large are identifiers more often than amounts


def cell_texts(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    arrow_types: Mapping[str, str],
    field_types: Mapping[str, str],
) -> list[list[str]]:
    """Each row's cells as the preview shows them (`rows` as the query's records give
    them: numbers as numbers, dates as ISO text)."""
    writers = []
    for index, name in enumerate(columns):
        values = [row[index] for row in rows]
        writers.append(_writer(name, arrow_types.get(name, ""), field_types.get(name, ""), values))
    return [[write(value) for write, value in zip(writers, row, strict=True)] for row in rows]


def numeric_columns(columns: Sequence[str], arrow_types: Mapping[str, str]) -> list[bool]:
    """Which columns hold numbers (their cells are aligned right)."""
    return [_is_number(arrow_types.get(name, "")) for name in columns]


def _is_number(kind: str) -> bool:
    return kind.startswith(("int", "uint", "double", "float", "halffloat", "decimal"))


def _writer(name: str, kind: str, field_type: str, values: list[Any]) -> Any:
    if _is_number(kind):
        grouped = field_type != "year" and not _UNGROUPED.search(name.strip())
        grouped = grouped and not any(isinstance(v, int) and abs(v) >= _IDENTIFIER for v in values)
        places = _places([v for v in values if isinstance(v, float | int)])
        return lambda value: _number(value, places, grouped)
    if kind.startswith("timestamp"):
        texts = [v for v in values if isinstance(v, str)]
        midnight = all(t[10:].strip("T0:.") in ("", "Z", "+") for t in texts)
        return lambda value: _moment(value, midnight)
    return _plain


def _places(values: list[float | int]) -> int:
    """The decimal places the page's values of one column need (at most MAX_DECIMALS)."""
    places = 0
    for value in values:
        if isinstance(value, float) and math.isfinite(value) and abs(value) >= 0.001:
            whole_digits = len(str(int(abs(value)))) if abs(value) >= 1 else 0
            most = max(0, min(MAX_DECIMALS, SIGNIFICANT - whole_digits))
            fraction = f"{value:.{most}f}".rstrip("0").partition(".")[2]
            places = max(places, len(fraction))
    return places


def _number(value: Any, places: int, grouped: bool) -> str:
    if value is None or isinstance(value, bool):
        return _plain(value)
    if not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and value != 0 and abs(value) < 0.001:
        return f"{value:.3g}"
    comma = "," if grouped else ""
    if isinstance(value, int):
        return f"{value:{comma}d}"
    return f"{value:{comma}.{places}f}"


def _moment(value: Any, midnight: bool) -> str:
    if not isinstance(value, str):
        return _plain(value)
    day, _, time = value.partition("T")
    if midnight:
        return day
    time = re.sub(r"(\d\d:\d\d):00(?=$|[Z+-])", r"\1", time)
    return f"{day} {time}"


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)
