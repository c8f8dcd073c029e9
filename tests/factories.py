"""Test data made through our own functions (CKAN's factories), each its own unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from catalog.datasets.publishing import DatasetMetadata, create_dataset
from catalog.search.documents import search_document


def new_dataset(site: Any, metadata: DatasetMetadata, user_id: int | None = None) -> str:
    """A dataset with no table yet, committed; its URL name."""
    with site.session() as session:
        name = create_dataset(site, session, metadata, user_id)
        session.commit()
    return name


def spend_workbook(path: Any) -> Any:
    """A council's .xlsx as they come: the Cabinet Office spend file (tests/data) on a sheet
    "Spend" under a title line and a blank row, and a second sheet of notes."""
    import csv

    from openpyxl import Workbook

    from tests.conftest import DATA

    source = DATA / "invalid/uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv"
    book = Workbook()
    sheet = book.active
    sheet.title = "Spend"
    sheet.append(["Cabinet Office spend over £25,000, November 2010"])
    sheet.append([])
    with source.open(encoding="cp1252", newline="") as text:
        for row in csv.reader(text):
            sheet.append(row)
    book.create_sheet("Notes").append(["Published by the Cabinet Office"])
    book.save(path)
    return path


def index_document(
    number: int, title: str, *, days: int | None = None, **extra: Any
) -> dict[str, Any]:
    """A search document for the index alone (no database): dataset `number` titled `title`,
    changed on day `days` of January 2024 (by default a day from its number), with `extra`
    for search_document's other fields."""
    values: dict[str, Any] = {
        "description": "",
        "organisation": "",
        "organisation_title": "",
        "licence": "uk-ogl",
        "tags": [],
        "fields": [],
        "modified": datetime(2024, 1, days or number % 28 + 1),
        "formats": ["CSV"],
    }
    values.update(extra)
    return search_document(number, title, **values)
