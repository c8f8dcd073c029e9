"""Filters people can type, and numbers and dates shown by their type.

Each test here is one defect of issue 16, on the real datasets of tests/data: the "is"
filter minded capitals with no hint; "1,000,000" and "£200,000" gave DuckDB's "Could not
convert string ... to DOUBLE"; a date typed 31/01/2020 could not be read; a date on a
text column was compared as text without a word; a value that could not be read got
DuckDB's wording; numbers showed as 273135.0 and timestamps with their "T".
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from catalog.datasets.publishing import DatasetMetadata, publish_file
from tests.conftest import DATA
from tests.real_datasets import COUNCILS, HOUSES, PRICE, councils, houses, publish

__all__ = ["councils", "houses"]  # fixtures, shared with the downloads' tests


def preview(client: Any, name: str, **view: str) -> dict[str, Any]:
    twin = client.get(f"/dataset/{name}.json?" + urlencode(view))
    assert twin.status_code == 200
    found: dict[str, Any] = twin.get_json()["preview"]
    return found


def page_text(client: Any, name: str, **view: str) -> str:
    page = client.get(f"/dataset/{name}?" + urlencode(view))
    assert page.status_code == 200
    return html.unescape(page.text)


def search(client: Any, name: str, filters: dict[str, Any]) -> Any:
    params = {"resource_id": name, "filters": json.dumps(filters), "limit": 1}
    return client.get("/api/3/action/datastore_search?" + urlencode(params))


def welsh_councils() -> int:
    with (COUNCILS / "uk_local_authorities_future.csv").open(newline="", encoding="utf-8") as f:
        return [row["nation"] for row in csv.DictReader(f)].count("Wales")


def test_is_ignoring_case_is_a_filter_on_text(client: Any, councils: str) -> None:
    welsh = welsh_councils()
    shown = preview(client, councils, field="nation", op="ieq", value="wales")
    assert shown["error"] == "" and shown["total"] == welsh
    assert '<option value="ieq">is, ignoring case</option>' in page_text(client, councils)
    answer = search(client, councils, {"nation": {"ieq": "WALES"}}).get_json()
    assert answer["success"] and answer["result"]["total"] == welsh


def test_is_says_when_capitals_are_why_nothing_matched(client: Any, councils: str) -> None:
    text = page_text(client, councils, field="nation", op="eq", value="wales")
    assert "No rows matching" in text
    hint = f'No rows of nation are exactly "wales" ("is" minds capitals), but {welsh_councils()}'
    assert hint in text and "op=ieq" in text


@pytest.mark.parametrize(
    ("typed", "rows"),
    [("200,000", 35), ("£200,000", 35), ("£ 200,000.00", 35), ("1,000,000", 0), ("200000", 35)],
)
def test_numbers_typed_with_separators_or_pounds(
    client: Any, houses: str, typed: str, rows: int
) -> None:
    shown = preview(client, houses, field=PRICE, op="gt", value=typed)
    assert shown["error"] == "" and shown["total"] == rows
    answer = search(client, houses, {PRICE: {"gt": typed}})
    assert answer.status_code == 200 and answer.get_json()["result"]["total"] == rows


def test_dates_typed_day_first(client: Any, houses: str) -> None:
    with (HOUSES / "data/data.csv").open(newline="") as handle:
        since = sum(1 for row in csv.DictReader(handle) if row["Date"] >= "2020-01-31")
    for typed in ("31/01/2020", "31-01-2020", "31.1.2020", "2020-01-31"):
        shown = preview(client, houses, field="Date", op="ge", value=typed)
        assert shown["error"] == "" and shown["total"] == since, typed
    answer = search(client, houses, {"Date": {"ge": "31/01/2020"}})
    assert answer.get_json()["result"]["total"] == since
    # 01/02/2020 is the first of February, as in the UK.
    assert preview(client, houses, field="Date", op="eq", value="01/02/2020")["total"] == 1


def test_a_date_on_a_text_column_is_refused_plainly(client: Any, councils: str) -> None:
    """start-date is text ("2015-04-01"): compared with 01/04/2015 letter by letter,
    "2015-..." comes after "01/..." for every row; say so rather than answer wrongly."""
    text = page_text(client, councils, field="start-date", op="gt", value="01/04/2015")
    assert '"start-date" holds text, not dates' in text
    assert "letter by letter" in text and "2020-01-31" in text
    assert 'value="01/04/2015"' in text  # the form keeps what was typed
    answer = search(client, councils, {"start-date": {"gt": "01/04/2015"}})
    assert answer.status_code == 400
    assert "holds text, not dates" in json.dumps(answer.get_json()["error"])
    # Year first, the text sorts as the dates do, so it is answered.
    year_first = preview(client, councils, field="start-date", op="ge", value="2015-04-01")
    assert year_first["error"] == "" and 0 < year_first["total"] < 470


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        (PRICE, "about 200k", f'"about 200k" is not a number, so "{PRICE}" cannot be compared'),
        (PRICE, "1,5", "a decimal takes a point, as in 1.5"),
        ("Date", "31/13/2020", '"31/13/2020" is not a day of the calendar'),
        ("Date", "next year", '"next year" is not a date "Date" can be compared with'),
    ],
)
def test_a_value_that_cannot_be_read_is_said_plainly_and_kept(
    client: Any, houses: str, field: str, typed: str, words: str
) -> None:
    text = page_text(client, houses, field=field, op="gt", value=typed)
    error = re.search(r'<p class="flash error" role="alert">(.*?)</p>', text)
    assert error, "the problem is said"
    assert words in error[1]
    assert "such as" in error[1]  # what would work
    assert "Could not convert" not in text and "DOUBLE" not in text
    assert f'name="value" value="{typed}"' in text  # the form keeps what was typed
    assert '<option value="gt" selected>' in text
    assert f'<option value="{field}" selected>' in text
    assert "matching (of" not in text  # the rows shown are not said to match


def cells(text: str, row: int) -> list[str]:
    body = text.split('<table class="preview">', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'<tr><td class="n">{row}</td>(.*?)</tr>', body)
    assert found
    return re.findall(r"<td[^>]*>(.*?)</td>", found[1])


def test_numbers_show_by_their_type(client: Any, site: Any, houses: str, councils: str) -> None:
    first = cells(page_text(client, houses), 1)
    assert first[:2] == ["1953-02-01", "1,891"]  # not 1891.0
    fourth = cells(page_text(client, houses), 4)
    assert fourth[1:3] == ["1,872", "-1.0"]  # the page's changes have one decimal place
    council = cells(page_text(client, councils), 1)
    assert "217,232" in council  # a population, grouped
    gdp = publish(site, DATA / "valid/gdp", "data/gdp.csv", "datapackage.json", "GDP")
    row = cells(page_text(client, gdp), 1)
    assert row[2] == "2000"  # a year, not 2,000
    assert row[3] == "3,521,418,060"  # billions of dollars, not 3521418059.92345


def test_dates_show_as_dates(client: Any, site: Any, tmp_path: Path) -> None:
    path = tmp_path / "readings.csv"
    path.write_text(
        "taken,day,level\n2020-01-31T00:00:00,2020-01-31,1200.5\n"
        "2020-02-01T00:00:00,2020-02-01,3\n",
        encoding="utf-8",
    )
    schema = {
        "fields": [
            {"name": "taken", "type": "datetime"},
            {"name": "day", "type": "date"},
            {"name": "level", "type": "number"},
        ]
    }
    meta = DatasetMetadata("Readings")
    name = publish_file(site, path, original_name=path.name, schema=schema, metadata=meta)
    text = page_text(client, str(name.dataset_name))
    assert cells(text, 1) == ["2020-01-31", "2020-01-31", "1,200.5"]
    assert cells(text, 2) == ["2020-02-01", "2020-02-01", "3.0"]
    path.write_text("taken,level\n2020-01-31T14:30:00,1\n2020-01-31T09:05:30,2\n")
    meta = DatasetMetadata("Timed readings")
    schema = {"fields": [schema["fields"][0], {"name": "level", "type": "integer"}]}
    timed = publish_file(site, path, original_name=path.name, schema=schema, metadata=meta)
    text = page_text(client, str(timed.dataset_name))
    assert cells(text, 1) == ["2020-01-31 14:30", "1"]
    assert cells(text, 2) == ["2020-01-31 09:05:30", "2"]


@pytest.fixture
def clocked(site: Any, tmp_path: Path) -> str:
    """A small table with a boolean, a time of day and a date and time."""
    path = tmp_path / "bus-checks.csv"
    path.write_text(
        "stop,staffed,opens,checked\n"
        "Market Square,true,07:30:00,2020-01-31T14:30:00\n"
        "Station Road,false,06:15:00,2020-01-31T09:05:30\n"
        "Bridge End,true,08:00:00,2020-02-01T12:00:00\n",
        encoding="utf-8",
    )
    schema = {
        "fields": [
            {"name": "stop", "type": "string"},
            {"name": "staffed", "type": "boolean"},
            {"name": "opens", "type": "time"},
            {"name": "checked", "type": "datetime"},
        ]
    }
    meta = DatasetMetadata("Bus stop checks")
    published = publish_file(site, path, original_name=path.name, schema=schema, metadata=meta)
    return str(published.dataset_name)


@pytest.mark.parametrize(
    ("field", "op", "typed", "total"),
    [
        ("staffed", "eq", "true", 2),
        ("staffed", "eq", "No", 1),
        ("staffed", "ne", "yes", 1),
        ("opens", "lt", "07:45", 2),
        ("opens", "eq", "8:00", 1),
        ("checked", "gt", "31/01/2020 10:00", 2),
        # a time zone is kept: 15:00 at UTC+01:00 is 14:00 UTC, before the 14:30 check
        ("checked", "lt", "2020-01-31T15:00+01:00", 1),
        ("checked", "ge", "2020-01-31T14:30:00Z", 2),
    ],
)
def test_booleans_times_and_zones_are_read_as_typed(
    client: Any, clocked: str, field: str, op: str, typed: str, total: int
) -> None:
    shown = preview(client, clocked, field=field, op=op, value=typed)
    assert shown["error"] == "" and shown["total"] == total


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        ("staffed", "1,000", '"staffed" holds yes or no'),
        ("opens", "half past seven", '"opens" holds times of day'),
        ("opens", "25:00", '"opens" holds times of day'),
        ("checked", "2020-01-31T14:30+25:00", "not a date and time"),
    ],
)
def test_a_boolean_or_time_that_cannot_be_read_is_said_plainly(
    client: Any, clocked: str, councils: str, field: str, typed: str, words: str
) -> None:
    text = page_text(client, clocked, field=field, op="gt", value=typed)
    error = re.search(r'<p class="flash error" role="alert">(.*?)</p>', text)
    assert error and words in error[1], error
    assert "such as" in error[1]  # what would work
    for duckdb_words in ("Could not convert", "BOOL", "TIME", "Conversion Error"):
        assert duckdb_words not in text
    answer = search(client, clocked, {field: {"gt": typed}})
    assert answer.status_code == 400 and words in answer.get_json()["error"]["message"]
    council = page_text(client, councils, field="current-authority", op="gt", value="1,000")
    assert '"current-authority" holds yes or no' in council and "BOOL" not in council
