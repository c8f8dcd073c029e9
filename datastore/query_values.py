"""A filter's value read the way a person types it, for the type of its column.

Numbers may carry thousands separators and a currency sign ("1,000,000", "£200,000",
"-£1,250.50"); dates may be written day first, as in the UK ("31/01/2020", "31-01-2020",
"31.1.2020") or as ISO 8601 ("2020-01-31"); timestamps the same, with a time after the
date ("31/01/2020 14:30") and, if it has one, a time zone ("2020-01-31T14:30+01:00", read as
the UTC the stored values are in). Yes-or-no columns take true/false, yes/no or 1/0; times
of day take 14:30 or 14:30:05; UUIDs are read as UUIDs; a column of any other type (a
list, say) is compared with the value as typed, and a value it cannot take is said to be
so in words of our own (UNREADABLE_VALUE). A value that cannot be read for its column is a
QueryError that names the column, repeats the value, and says what would work, in plain words;
DuckDB's own wording ("Could not convert string ... to DOUBLE") never reaches a person.

A text column compared by order (is more than, is less than, ...) with a value that
looks like a date, other than year first in full (2020-01-31, which sorts as text as the
dates do), is refused: text is compared letter by letter, so "02/01/1999" would come
after "01/01/2020", and the answer would look right and be wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from datastore.errors import QueryError

_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
_INTEGERS |= {"U" + name for name in _INTEGERS} | {"UHUGEINT"}
_FLOATS = {"FLOAT", "DOUBLE", "REAL"}
_ORDERING = {"lt", "le", "gt", "ge"}

# A number as typed: a sign, a currency sign, digits grouped by commas in threes (or not
# grouped at all), a decimal point and digits.
_NUMBER = re.compile(
    r"^(?P<sign>[-+]?)\s*(?:£|\$|€|GBP\s*)?\s*(?P<sign2>[-+]?)"
    r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)?(?P<fraction>\.\d+)?$",
    re.IGNORECASE,
)
_DAY_FIRST = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Anything a person might mean as a date: used to warn, never to read.
_LOOKS_LIKE_DATE = re.compile(
    r"^\s*(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"
    r"|\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4})(\b.*)?$"
)
# Values of the types people filter by are read before a query runs (read_value); a value
# DuckDB still cannot convert is for a column of another type, and DuckDB's words for it
# ("Could not convert string ... to INTEGER[]") would mean nothing to a person.
UNREADABLE_VALUE = (
    "A filter value cannot be compared with its column, which holds values of another kind: "
    "pick rows of it with a value copied from the table, such as its first row's."
)
_NUMBER_HINT = "type a number such as 200000, 200,000 or £200,000"
_DATE_HINT = "type it day first, such as 31/01/2020, or as 2020-01-31"


def read_value(field: str, kind: str, op: str, value: Any) -> Any:
    """`value` (a filter's, for column `field` of DuckDB type `kind`) ready to bind."""
    if not isinstance(value, str):
        return value if isinstance(value, bool | int | float) or value is None else str(value)
    text = value.strip()
    if kind in _INTEGERS or kind in _FLOATS or kind.startswith("DECIMAL"):
        return _number(field, kind, text, value)
    if kind == "DATE":
        return _date(field, text, value)
    if kind.startswith("TIMESTAMP"):
        moment = _timestamp(field, text, value)
        if kind.endswith("WITH TIME ZONE"):
            return moment.replace(tzinfo=dt.UTC)
        return moment
    if kind == "BOOLEAN":
        return _boolean(field, text, value)
    if kind == "TIME":
        return _time(field, text, value)
    if kind == "UUID":
        return _uuid(field, text, value)
    if kind == "VARCHAR" and op in _ORDERING and _LOOKS_LIKE_DATE.match(text):
        if _ISO_DATE.match(text[:10]) and len(text[:10]) == 10:
            return value  # year first, in full: as text it sorts as the dates do
        raise QueryError(
            "filters",
            f'"{field}" holds text, not dates, so it cannot be compared with the date '
            f'"{value}": text is compared letter by letter, and "02/01/1999" would come '
            'after "01/01/2020". If the column writes its dates year first, type the date '
            "that way (2020-01-31), which compares correctly as text; otherwise use "
            '"contains" or "starts with" to pick rows by the year or month as written, or '
            "ask the publisher to publish the column as dates.",
        )
    return value


def _number(field: str, kind: str, text: str, value: str) -> Any:
    found = _NUMBER.match(text)
    if not found or not (found["whole"] or found["fraction"]) or (found["sign"] and found["sign2"]):
        words = "a whole number" if kind in _INTEGERS else "a number"
        comma = ""
        if "," in text:
            comma = (
                " (a comma separates thousands, in threes, as in 1,500; "
                "a decimal takes a point, as in 1.5)"
            )
        raise QueryError(
            "filters",
            f'"{value}" is not {words}, so "{field}" cannot be compared with it: '
            f"{_NUMBER_HINT}{comma}.",
        )
    sign = "-" if "-" in (found["sign"] + found["sign2"]) else ""
    digits = sign + (found["whole"] or "0").replace(",", "") + (found["fraction"] or "")
    if kind in _INTEGERS:
        try:
            number = Decimal(digits)
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            number = Decimal("NaN")
        if number != number.to_integral_value():
            raise QueryError(
                "filters",
                f'"{field}" holds whole numbers, so "{value}" cannot match it exactly: '
                f"type a whole number such as {int(number):,}.",
            )
        return int(number)
    if kind.startswith("DECIMAL"):
        return digits  # DuckDB reads the exact digits
    return float(digits)


def _date(field: str, text: str, value: str) -> dt.date:
    parts = _date_parts(text)
    if parts is None:
        raise QueryError(
            "filters",
            f'"{value}" is not a date "{field}" can be compared with: {_DATE_HINT}.',
        )
    year, month, day = parts
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise QueryError(
            "filters",
            f'"{value}" is not a day of the calendar (day {day} of month {month} of {year}), '
            f'so "{field}" cannot be compared with it: {_DATE_HINT}.',
        ) from None


def _date_parts(text: str) -> tuple[int, int, int] | None:
    day_first = _DAY_FIRST.match(text)
    if day_first:
        return int(day_first[4]), int(day_first[3]), int(day_first[1])
    iso = _ISO_DATE.match(text)
    if iso:
        return int(iso[1]), int(iso[2]), int(iso[3])
    return None


def _timestamp(field: str, text: str, value: str) -> dt.datetime:
    """A date and time, naive, in UTC when the value gave a zone (as stored values are)."""
    day, _, time = text.replace("T", " ", 1).partition(" ")
    parts = _date_parts(day)
    try:
        if parts is None:
            raise ValueError(text)
        moment = dt.datetime(*parts)
        if time.strip():
            clock = dt.time.fromisoformat(time.strip().replace(" ", ""))
            moment = dt.datetime.combine(moment.date(), clock)
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment
    except (ValueError, OverflowError):
        raise QueryError(
            "filters",
            f'"{value}" is not a date and time "{field}" can be compared with: type it day '
            "first, such as 31/01/2020 or 31/01/2020 14:30, or as 2020-01-31T14:30.",
        ) from None


_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")


def _boolean(field: str, text: str, value: str) -> bool:
    word = text.lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise QueryError(
        "filters",
        f'"{field}" holds yes or no, so it cannot be compared with "{value}": type true or '
        "false, such as true, yes or 1 for yes, false, no or 0 for no.",
    )


_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")


def _time(field: str, text: str, value: str) -> dt.time:
    try:
        if not _CLOCK.match(text):
            raise ValueError(text)
        hours, rest = text.split(":", 1)
        return dt.time.fromisoformat(f"{int(hours):02d}:{rest}")
    except ValueError:
        raise QueryError(
            "filters",
            f'"{field}" holds times of day, so it cannot be compared with "{value}": type '
            "hours and minutes on the 24-hour clock, such as 14:30 or 14:30:05.",
        ) from None


def _uuid(field: str, text: str, value: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise QueryError(
            "filters",
            f'"{field}" holds identifiers (UUIDs), so it cannot be compared with "{value}": '
            "type one whole, such as 123e4567-e89b-12d3-a456-426614174000.",
        ) from None
