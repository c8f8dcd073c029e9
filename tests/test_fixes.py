"""The fixes offered for real messy files (ingest/suggest.py), taken by `datastore ingest
--fix`: every UK spend file in tests/data publishes, typed, with each fix said."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from datastore.store import FACTS, RECIPE
from tests.conftest import DATA
from tests.factories import spend_workbook

SPEND = sorted((DATA / "invalid").glob("uk-*/*.csv"))
# Where a file has a column of dates and one of amounts, their names once published.
TYPED = {
    "uk-cabinet-office-spend-nov-2010": ("Date", "Amount £"),
    "uk-cefas-spend-aug-2010": ("Pay date", "Amount"),
    "uk-gla-payments-dec-2009": (None, "Amount Paid"),
    "uk-rpa-spend-aug-2010": ("Date", "Amount"),
    "uk-rpa-spend-feb-2011": ("Transaction Date", "Gross"),
    "uk-spend-bbsrc-nov-2010": ("Date", "Amount"),
}
# With the ready schema, the files whose remaining problems are cells only a person can
# fix: their rows and columns.
CELLS_LEFT = {"uk-spend-bis-wrong-types": {"Date", "Amount"}}  # "Some Date", "Five Hundred"


def published_version(site: Any, name: str) -> Path:
    folder = next((site.store.root / "datasets").iterdir())
    assert folder.is_dir(), name
    return folder / "1"


def data_rows(path: Path, encoding: str = "cp1252", delimiter: str = ",") -> int:
    with path.open(encoding=encoding, errors="replace", newline="") as text:
        return sum(1 for _ in csv.reader(text, delimiter=delimiter))


@pytest.mark.parametrize("path", SPEND, ids=lambda p: p.parent.name)
def test_every_spend_file_publishes_with_its_fixes_worked_out(
    runner: Any, site: Any, path: Path
) -> None:
    result = runner("ingest", path, "--schema", "infer", "--fix", "--title", "Spend")
    assert result.exit_code == 0, result.output
    assert "Published" in result.output
    recipe = check_published_table(site, path)
    for step in recipe:
        assert "Fix: " in result.output and step["step"]


def check_published_table(
    site: Any, path: Path, ready: bool = False, rows: int | None = None
) -> list[dict[str, Any]]:
    """The spend file's published table has its dates typed as dates and its amounts as
    numbers, and every row of the file but the header, the lines above it and the rows the
    recipe says it dropped (or `rows` rows, for a workbook made of the file). Returns the
    recipe."""
    folder = published_version(site, path.name)
    table = pq.read_table(folder / "data.parquet")
    date, amount = TYPED.get(path.parent.name, (None, None))
    if ready:  # the ready schema's names
        date, amount = ("Date" if date else None), "Amount"
    if date:
        assert str(table.schema.field(date).type) == "date32[day]", table.schema
    if amount:
        assert str(table.schema.field(amount).type) == "double", table.schema
    recipe = json.loads((folder / RECIPE).read_text()) if (folder / RECIPE).exists() else []
    changed = [s.get("changed", {}) for s in recipe]
    dropped = sum(c.get("rows", 0) + c.get("lines", 0) for c in changed)
    facts = json.loads((folder / FACTS).read_text())
    assert table.num_rows == facts["rows"]
    if rows is not None:
        assert table.num_rows == rows
        return list(recipe)
    records = data_rows(path, delimiter=";" if "cefas" in path.name else ",")
    assert table.num_rows == records - 1 - dropped
    return list(recipe)


@pytest.mark.parametrize("path", SPEND, ids=lambda p: p.parent.name)
def test_with_the_ready_spend_schema_only_cells_for_a_person_are_left(
    runner: Any, site: Any, path: Path
) -> None:
    result = runner("ingest", path, "--schema", "uk-spend-over-25k", "--fix", "--title", "Spend")
    left = CELLS_LEFT.get(path.parent.name)
    if left is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1, result.output
    named = {line.split('"')[1] for line in result.output.splitlines() if ", column " in line}
    assert named == left, result.output
    assert "header row" not in result.output  # the columns all matched


def test_a_pound_in_an_old_dos_code_page_is_asked_about_then_read_as_pound(
    runner: Any, site: Any
) -> None:
    path = DATA / "derived/uk-rpa-spend-feb-2011-cp850/rpa-over-25k-1102-cp850.csv"
    asked = runner("ingest", path, "--schema", "infer", "--encoding", "cp850", "--title", "x")
    unasked = runner("ingest", path, "--schema", "infer", "--header-row", "1", "--title", "y")
    assert unasked.exit_code == 1
    assert "--encoding cp850" in unasked.output and "--fix" in unasked.output
    assert asked.exit_code == 0, asked.output
    fixed = runner("ingest", path, "--schema", "infer", "--fix", "--title", "Spend")
    assert fixed.exit_code == 0, fixed.output
    assert "Chose: Some characters of the file can be read more than one way" in fixed.output
    assert "DOS" in fixed.output or "850" in fixed.output
    for folder in (site.store.root / "datasets").iterdir():
        facts = json.loads((folder / "1" / FACTS).read_text())
        assert facts["encoding"] == "cp850"


def test_a_workbook_publishes_through_its_sheet(runner: Any, site: Any, tmp_path: Path) -> None:
    path = spend_workbook(tmp_path / "spend.xlsx")
    asked = runner("ingest", path, "--schema", "infer", "--title", "Spend")
    assert asked.exit_code == 1 and "--sheet Spend" in asked.output
    result = runner("ingest", path, "--schema", "infer", "--fix", "--title", "Spend")
    assert result.exit_code == 0, result.output
    assert "Fix: Read the sheet 'Spend' of the workbook" in result.output
    assert "Fix: Skipped the 2 line(s) above the header" in result.output
    folder = published_version(site, path.name)
    assert (folder / "original.xlsx").read_bytes() == path.read_bytes()
    assert str(pq.read_table(folder / "data.parquet").schema.field("Date").type) == "date32[day]"


def test_na_in_numeric_columns_is_read_as_empty(runner: Any, site: Any, tmp_path: Path) -> None:
    path = tmp_path / "flights.csv"
    rows = ["year,carrier,dep_delay,arr_delay"]
    rows += [f"2013,UA,{i % 40 - 5},{i % 90 - 20}" for i in range(300)]
    rows += ["2013,AA,NA,NA", "2013,B6,3,NA"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = runner("ingest", path, "--schema", "infer", "--title", "Flights")
    assert result.exit_code == 0, result.output
    table = pq.read_table(published_version(site, path.name) / "data.parquet")
    assert str(table.schema.field("arr_delay").type) == "int64"
    assert table.column("arr_delay").null_count == 2


def test_the_recipe_replays_on_the_next_version_with_no_new_questions(
    runner: Any, site: Any, tmp_path: Path
) -> None:
    path = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
    first = runner("ingest", path, "--schema", "infer", "--fix", "--title", "GLA")
    assert first.exit_code == 0, first.output
    folder = published_version(site, path.name)
    recipe = tmp_path / "recipe.json"
    recipe.write_bytes((folder / RECIPE).read_bytes())
    again = runner("ingest", path, "--schema", "infer", "--dataset", "gla", "--recipe", recipe)
    assert again.exit_code == 0, again.output
    assert "version 2" in again.output and "Chose" not in again.output
    one = json.loads((folder / "schema.json").read_text())
    two = json.loads((folder.parent / "2" / "schema.json").read_text())
    assert one == two


def test_validate_fix_json_says_what_would_be_done_and_writes_nothing(
    runner: Any, site: Any
) -> None:
    path = DATA / "invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv"
    result = runner("validate", path, "--fix", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["valid"] is True
    assert [s["step"] for s in report["recipe"]][:2] == ["drop-empty-columns", "drop-empty-rows"]
    assert report["recipe"][0]["changed"]["columns"] == 56
    assert not list((site.store.root / "datasets").iterdir())
