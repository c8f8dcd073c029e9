"""A report's problems grouped by kind (ingest/report_groups.py), on real messy files: one
group per kind of error and column, said once in plain words with a few example rows."""

from __future__ import annotations

from typing import Any

from ingest import sniff_file, validate_file
from schemas import library_schema
from tests.conftest import DATA

RPA = DATA / "invalid/uk-rpa-spend-aug-2010/rpa-over-25k-1008.csv"


def report_of(path: Any, schema: dict[str, Any] | None) -> dict[str, Any]:
    return validate_file(path, schema, sniff_file(path))


def test_date_problems_are_said_with_an_example_date_not_the_formats_codes():
    report = report_of(RPA, library_schema("uk-spend-over-25k"))
    errors = report["tasks"][0]["errors"]
    date = next(e for e in errors if e["type"] == "type-error" and e["fieldName"] == "Date")
    assert date["message"] == 'Row 2, column 3 ("Date"): "02-Aug-10" is not a date like 31/01/2024.'
    assert date["fix"].startswith("Write it as a date like 31/01/2024, or leave the cell empty")
    assert not [e for e in errors if "%" in e["message"] + e["fix"]]
