"""Recipes: the accepted fixes as data, replayed on the untouched original (ingest/recipe.py)
and published through the pipeline, on real UK spend files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from datastore import Store
from datastore.store import FACTS, RECIPE
from ingest import flatten_errors, ingest_file
from ingest.recipe import RecipeError, apply_recipe, describe_step
from ingest.schema_steps import apply_schema_steps
from tests.conftest import DATA

KEY = "b" * 32
GLA = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
RPA_FEB = DATA / "invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "files")


def test_lines_above_the_header_and_empty_rows_go_and_amounts_become_numbers(
    store: Store,
) -> None:
    recipe = [
        {"step": "skip-lines", "lines": 5},
        {"step": "drop-empty-rows"},
        {"step": "number-format", "field": "Amount Paid"},
    ]
    result = ingest_file(store, KEY, GLA, original_name=GLA.name, schema=None, recipe=recipe)
    assert result.valid, flatten_errors(result.report)[:5]
    assert result.version is not None
    table = pq.read_table(result.version.parquet)
    assert table.column_names[:3] == ["Supplier Name", "Expense Code Description", "Amount Paid"]
    assert str(table.schema.field("Amount Paid").type) == "double"
    assert table.column("Amount Paid")[0].as_py() == 7296.75
    kept = json.loads((result.version.folder / RECIPE).read_text())
    assert [s["step"] for s in kept] == ["skip-lines", "drop-empty-rows", "number-format"]
    assert kept[0]["changed"] == {"lines": 5}
    data_lines = len(GLA.read_bytes().splitlines()) - 6  # five skipped lines and the header
    assert table.num_rows == data_lines - kept[1]["changed"].get("rows", 0)
    # The original is kept as it came, and its own hash is the one recorded.
    facts = json.loads((result.version.folder / FACTS).read_text())
    assert facts["sha256"] == hashlib.sha256(GLA.read_bytes()).hexdigest()
    assert facts["recipe_steps"] == 3
    assert result.version.original().read_bytes() == GLA.read_bytes()
    assert not (result.version.folder / "prepared.csv").exists()


def test_fifty_empty_columns_at_the_right_and_a_pound_sign(store: Store) -> None:
    recipe = [
        {"step": "drop-empty-columns"},
        {"step": "drop-empty-rows"},
        {"step": "drop-columns", "columns": ["Gross "]},
        {"step": "number-format", "field": "Gross"},
    ]
    result = ingest_file(
        store, KEY, RPA_FEB, original_name=RPA_FEB.name, schema=None, recipe=recipe
    )
    assert result.valid, flatten_errors(result.report)[:5]
    assert result.version is not None
    table = pq.read_table(result.version.parquet)
    assert "Gross" in table.column_names and "Gross " not in table.column_names
    assert str(table.schema.field("Gross").type) == "double"
    assert table.column("Gross")[0].as_py() == 196538.13
    kept = json.loads((result.version.folder / RECIPE).read_text())
    assert kept[0]["changed"]["columns"] >= 40
    assert "Dropped the empty columns" in describe_step(kept[0])


def test_a_recipe_replays_the_same_on_the_same_file(tmp_path: Path) -> None:
    recipe = [{"step": "skip-lines", "lines": 5}, {"step": "drop-empty-rows"}]
    first = apply_recipe(GLA, recipe, encoding="cp1252", delimiter=",", dest=tmp_path / "1.csv")
    again = apply_recipe(GLA, recipe, encoding="cp1252", delimiter=",", dest=tmp_path / "2.csv")
    assert first.path.read_bytes() == again.path.read_bytes()
    assert first.steps == again.steps


def test_cells_are_edited_and_columns_renamed_by_name(tmp_path: Path) -> None:
    source = DATA / "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv"
    recipe = [
        {"step": "rename-columns", "names": {"Date of Payment": "Date"}},
        {"step": "edit-cell", "row": 3, "column": "Date", "value": "02/01/2015"},
        {"step": "edit-cell", "row": 4, "column": "Amount", "value": "500"},
    ]
    prepared = apply_recipe(
        source, recipe, encoding="utf-8", delimiter=",", dest=tmp_path / "p.csv"
    )
    lines = prepared.path.read_text().splitlines()
    assert lines[0].split(",")[2] == "Date"
    assert lines[2].split(",")[2] == "02/01/2015" and lines[3].endswith(",500")
    assert [s["changed"] for s in prepared.steps] == [{"columns": 1}, {"cells": 1}, {"cells": 1}]


def test_schema_steps_change_a_copy_of_the_schema() -> None:
    schema = {"fields": [{"name": "Date", "type": "string"}, {"name": "Amount", "type": "string"}]}
    changed = apply_schema_steps(
        schema,
        [
            {"step": "missing-values", "values": ["NA", "-"]},
            {"step": "field-format", "field": "Date", "type": "date", "format": "%d-%b-%y"},
            {"step": "number-format", "field": "Amount"},
        ],
    )
    assert changed["missingValues"] == ["", "NA", "-"]
    assert changed["fields"][0] == {"name": "Date", "type": "date", "format": "%d-%b-%y"}
    assert changed["fields"][1] == {
        "name": "Amount",
        "type": "number",
        "groupChar": ",",
        "bareNumber": False,
    }
    assert schema["fields"][0]["type"] == "string"  # the original is untouched


@pytest.mark.parametrize(
    ("recipe", "says"),
    [
        ({"step": "skip-lines"}, "a JSON list of steps"),
        ([{"step": "shuffle"}], "Step 1 of the recipe"),
        ([{"step": "skip-lines", "lines": "three"}], "skip-lines needs lines: a whole number"),
        ([{"step": "edit-cell", "row": 2, "column": "Nope", "value": ""}], "no column 'Nope'"),
        ([{"step": "read-encoding", "encoding": "klingon"}], "not an encoding we know"),
    ],
)
def test_a_bad_recipe_says_which_step_and_why(tmp_path: Path, recipe: object, says: str) -> None:
    with pytest.raises(RecipeError, match=says):
        apply_recipe(GLA, recipe, encoding="cp1252", delimiter=",", dest=tmp_path / "x.csv")  # type: ignore[arg-type]
