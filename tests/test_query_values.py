"""A filter's value read as people type it, for its column's type (datastore/query_values.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from datastore.errors import QueryError
from datastore.query_values import read_value


@pytest.mark.parametrize(
    ("kind", "op", "typed", "read"),
    [
        ("DOUBLE", "gt", "1,000,000", 1_000_000.0),
        ("DOUBLE", "gt", "£200,000", 200_000.0),
        ("DOUBLE", "gt", "-£1,250.50", -1250.5),
        ("DOUBLE", "gt", "£-1,250.50", -1250.5),
        ("DOUBLE", "gt", " .5 ", 0.5),
        ("BIGINT", "eq", "1,500", 1500),
        ("BIGINT", "eq", "1,500.00", 1500),
        ("BIGINT", "eq", 7, 7),  # JSON's numbers pass as they are
        ("DECIMAL(18,3)", "eq", "£1,000.125", "1000.125"),
        ("DATE", "ge", "31/01/2020", dt.date(2020, 1, 31)),
        ("DATE", "ge", "1/2/2020", dt.date(2020, 2, 1)),  # day first, as in the UK
        ("DATE", "ge", "31.01.2020", dt.date(2020, 1, 31)),
        ("DATE", "ge", "2020-01-31", dt.date(2020, 1, 31)),
        ("TIMESTAMP", "ge", "31/01/2020 14:30", dt.datetime(2020, 1, 31, 14, 30)),
        ("TIMESTAMP", "ge", "2020-01-31T14:30:05", dt.datetime(2020, 1, 31, 14, 30, 5)),
        ("TIMESTAMP", "ge", "31/01/2020", dt.datetime(2020, 1, 31)),
        ("VARCHAR", "gt", "2015-04-01", "2015-04-01"),  # year first sorts as text does
        ("VARCHAR", "gt", "1.2.3", "1.2.3"),  # a version, not a date
        ("VARCHAR", "eq", "01/04/2015", "01/04/2015"),  # equal text is equal text
        ("BOOLEAN", "eq", "true", True),
        ("BOOLEAN", "eq", "No", False),
        ("TIME", "lt", "7:45", dt.time(7, 45)),
        ("TIMESTAMP", "lt", "2020-01-31T15:00+01:00", dt.datetime(2020, 1, 31, 14)),
    ],
)
def test_values_as_people_type_them(kind: str, op: str, typed: Any, read: Any) -> None:
    assert read_value("column", kind, op, typed) == read


@pytest.mark.parametrize(
    ("kind", "op", "typed", "words"),
    [
        ("DOUBLE", "gt", "lots", '"lots" is not a number, so "column" cannot be compared with it'),
        ("DOUBLE", "gt", "1,00", "a comma separates thousands, in threes"),
        ("DOUBLE", "gt", "1.000,50", "such as 200000, 200,000 or £200,000"),
        ("BIGINT", "eq", "1.5", '"column" holds whole numbers, so "1.5" cannot match it'),
        ("BIGINT", "eq", "ten", '"ten" is not a whole number'),
        ("DATE", "ge", "31/02/2020", "is not a day of the calendar (day 31 of month 2 of 2020)"),
        ("DATE", "ge", "01/31/2020", "is not a day of the calendar"),  # not month first
        ("DATE", "ge", "Jan 2020", "type it day first, such as 31/01/2020, or as 2020-01-31"),
        ("TIMESTAMP", "ge", "31/01/2020 25:00", "such as 31/01/2020 or 31/01/2020 14:30"),
        ("VARCHAR", "gt", "01/04/2015", '"column" holds text, not dates'),
        ("VARCHAR", "le", "1 April 2015", "letter by letter"),
    ],
)
def test_a_value_that_cannot_be_read_says_what_would_work(
    kind: str, op: str, typed: str, words: str
) -> None:
    with pytest.raises(QueryError) as caught:
        read_value("column", kind, op, typed)
    assert caught.value.parameter == "filters"
    assert words in caught.value.message
