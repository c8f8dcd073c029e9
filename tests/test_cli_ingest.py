"""`datastore ingest` and `datastore validate` over the real corpus (the issue's Done-when)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from frictionless import Resource, Schema

from schemas import csv_schema, load_schema
from tests.conftest import DATA, cases

# The shipped descriptor of each valid entry, a title for it, and a title word to find it by.
SHIPPED = {
    "valid/ct-housing-permits-by-town/data/annual-housing-permits-by-town_2017.csv": (
        "valid/ct-housing-permits-by-town/datapackage.json", "Connecticut housing permits", "permits"),
    "valid/gdp/data/top-economies.csv": ("valid/gdp/datapackage.json", "Top economies", "economies"),
    "valid/gdp/data/gdp.csv": ("valid/gdp/datapackage.json", "GDP by country", "GDP"),
    "valid/s-and-p-500-companies/data/sector-counts.csv": (
        "valid/s-and-p-500-companies/datapackage.json", "S&P 500 sector counts", "sector"),
    "valid/s-and-p-500-companies/data/constituents.csv": (
        "valid/s-and-p-500-companies/datapackage.json", "S&P 500 constituents", "constituents"),
    "valid/uk-gilt-yields-10y/data/quarterly.csv": (
        "valid/uk-gilt-yields-10y/datapackage.json", "Gilt yields quarterly", "quarterly"),
    "valid/uk-gilt-yields-10y/data/annual.csv": (
        "valid/uk-gilt-yields-10y/datapackage.json", "Gilt yields annual", "annual"),
    "valid/uk-house-prices-nationwide/data/data.csv": (
        "valid/uk-house-prices-nationwide/datapackage.json", "Nationwide house prices", "nationwide"),
    "valid/uk-local-authorities/uk_local_authorities_future.csv": (
        "valid/uk-local-authorities/uk_local_authorities_future.resource.yaml",
        "Local authority names and codes", "authority"),
    "valid/uk-public-bodies/data/gb.csv": (
        "valid/uk-public-bodies/data/public-body-schema.json", "UK public bodies", "bodies"),
}  # fmt: skip
INVALID = [c for c in cases() if not c["expected"]["valid"]]


def typed_rows(
    source: Path | bytes, schema: dict[str, Any], encoding: str | None = None
) -> list[list[Any]]:
    """Rows as frictionless reads them: the reference for 'the same typed values'."""
    options: dict[str, Any] = {"format": "csv", "schema": Schema.from_descriptor(schema)}
    if isinstance(source, bytes):
        resource = Resource(data=source, **options)
    else:
        resource = Resource(
            path=source.name, basepath=str(source.parent), encoding=encoding, **options
        )
    with resource:
        return [[_plain(v) for v in row.to_list()] for row in resource.row_stream]


def _plain(value: Any) -> Any:
    if value.__class__.__name__ == "Decimal":
        return float(value)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.isoformat()
    return value


def column_to_search(schema: dict[str, Any]) -> str:
    for field in reversed(schema["fields"]):
        if all(ch.isalnum() or ch in " _-" for ch in field["name"]) and len(field["name"]) > 3:
            return str(field["name"])
    raise AssertionError("no searchable column name")


@pytest.mark.parametrize("data", sorted(SHIPPED))
def test_ingest_publishes_each_valid_file_found_by_title_and_column(runner, client, data):
    descriptor, title, word = SHIPPED[data]
    path = DATA / data
    result = runner(
        "ingest", path, "--schema", DATA / descriptor, "--title", title, "--tag", "test"
    )
    assert result.exit_code == 0, result.output
    assert "Published" in result.output

    schema = load_schema(DATA / descriptor, data_name=path.name)
    names = {
        r["name"]
        for r in client.get(f"/api/3/action/package_search?q={word}").json["result"]["results"]
    }
    assert len(names) == 1, f"title word {word!r} found {names}"
    name = names.pop()
    column = column_to_search(schema)
    found = client.get("/api/3/action/package_search", query_string={"q": column}).json["result"]
    assert name in {r["name"] for r in found["results"]}, f"column {column!r} did not find it"

    download = client.get(f"/dataset/{name}/v1/data.csv")
    assert download.status_code == 200
    assert typed_rows(download.data, csv_schema(schema)) == typed_rows(path, schema)


@pytest.mark.parametrize("case", INVALID, ids=[c["data"] for c in INVALID])
def test_ingest_of_invalid_file_publishes_nothing_and_keeps_the_original(
    runner, client, settings, case
):
    path = DATA / case["data"]
    schema = str(DATA / case["schema"]) if case["schema"] else "infer"
    result = runner("ingest", path, "--schema", schema, "--title", "Should not appear")
    assert result.exit_code == 1, result.output
    assert "Nothing was published" in result.output
    first = case["expected"]["errors"][0]
    if first[1] is not None:  # an error with a row: it is printed with its row and column
        assert f"row {first[1]}" in result.output
    if first[2] is not None:
        assert f"column {first[2]}" in result.output
    assert client.get("/api/3/action/package_list").json["result"] == []
    files = settings.resolved().files_dir
    assert not any((files / "datasets").iterdir())
    kept = [p for p in (files / "rejected").iterdir()]
    assert len(kept) == 1
    original = next(kept[0].glob("original.*"))
    assert (
        hashlib.sha256(original.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest()
    )
    assert json.loads((kept[0] / "report.json").read_text())["valid"] is False


def test_ingest_again_after_a_failure_succeeds(runner, client):
    bad = DATA / "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv"
    good = DATA / "valid/gdp/data/top-economies.csv"
    assert runner("ingest", bad, "--schema", "infer", "--title", "x").exit_code in (0, 1)
    result = runner(
        "ingest", good, "--schema", DATA / "valid/gdp/datapackage.json", "--title", "Top"
    )
    assert result.exit_code == 0, result.output


def test_unknown_schema_is_a_usage_error(sqlite_runner):
    result = sqlite_runner("ingest", DATA / "valid/gdp/data/gdp.csv", "--schema", "no-such-schema")
    assert result.exit_code == 2
    assert "neither a schema file nor a ready schema" in result.output


def test_bad_schema_file_names_the_bad_property(sqlite_runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"fields": [{"name": "Year", "type": "yeer"}]}')
    result = sqlite_runner("ingest", DATA / "valid/gdp/data/gdp.csv", "--schema", bad)
    assert result.exit_code == 2
    assert 'fields[1] "Year".type' in result.output


# `validate --json` answers in frictionless's shape: same keys, same errors in the same order.
SHAPE_CASES = [
    ("invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv", "invalid/uk-spend-bis-wrong-types/bis-modified.json"),
    ("invalid/frictionless-invalid-csv/invalid.csv", None),
    ("invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv", "invalid/uk-rpa-spend-feb-2011/spend-publishing-schema.json"),
    ("valid/uk-public-bodies/data/gb.csv", "valid/uk-public-bodies/data/public-body-schema.json"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "schema"), SHAPE_CASES)
def test_validate_json_has_frictionless_shape(sqlite_runner, data, schema):
    args = ["validate", DATA / data, "--json"] + (["--schema", DATA / schema] if schema else [])
    result = sqlite_runner(*args)
    ours = json.loads(result.stdout)
    folder = (DATA / data).parent
    while not (folder / "expected-report.json").exists():
        folder = folder.parent
    expected = json.loads((folder / "expected-report.json").read_text())
    if "datapackage" in json.dumps(expected.get("tasks", [{}])[0].get("place", "")):
        pytest.skip("package-level report")
    assert result.exit_code == (0 if expected["valid"] else 1)
    assert ours["valid"] == expected["valid"]
    assert set(expected) <= set(ours)
    assert set(expected["stats"]) <= set(ours["stats"])
    task, their_task = ours["tasks"][0], expected["tasks"][0]
    assert set(their_task) <= set(task)
    assert set(their_task["stats"]) <= set(task["stats"])
    assert len(task["errors"]) == len(their_task["errors"])
    for mine, theirs in zip(task["errors"], their_task["errors"], strict=True):
        assert set(theirs) <= set(mine)
        for key in ("type", "rowNumber", "fieldNumber", "fieldName", "cell", "note"):
            assert mine.get(key) == theirs.get(key)
        assert mine["message"] and mine["fix"]


def test_validate_prints_errors_with_row_and_column(sqlite_runner):
    data = DATA / "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv"
    result = sqlite_runner(
        "validate", data, "--schema", DATA / "invalid/uk-spend-bis-wrong-types/bis-modified.json"
    )
    assert result.exit_code == 1
    assert 'row 3, column 3 "Date of Payment"' in result.output
    assert "How to fix" in result.output


def test_user_create_and_reindex(runner, client):
    result = runner(
        "user", "create", "volunteer", "--password-stdin", input="correct horse battery\n"
    )
    assert result.exit_code == 0, result.output
    again = runner(
        "user", "create", "volunteer", "--password-stdin", input="correct horse battery\n"
    )
    assert again.exit_code == 2 and "already a user" in again.output
    short = runner("user", "create", "other", "--password-stdin", input="short\n")
    assert short.exit_code == 2
    runner(
        "ingest",
        DATA / "valid/gdp/data/gdp.csv",
        "--schema",
        DATA / "valid/gdp/datapackage.json",
        "--title",
        "GDP",
    )
    result = runner("reindex")
    assert result.exit_code == 0 and "1 datasets" in result.output
    assert client.get("/api/3/action/package_search?q=GDP").json["result"]["count"] == 1


def test_progress_is_reported_over_bytes(tmp_path):
    from datastore import Store
    from ingest import ingest_file

    stages: list[tuple[str, int, int]] = []
    data = DATA / "valid/uk-public-bodies/data/gb.csv"
    schema = load_schema(DATA / "valid/uk-public-bodies/data/public-body-schema.json")
    result = ingest_file(Store(tmp_path), "a" * 32, data, original_name="gb.csv", schema=schema,
                         progress=lambda *a: stages.append(a))  # fmt: skip
    assert result.valid
    assert {s[0] for s in stages} == {"reading"}  # one pass: checked and converted together
    assert stages[-1][1] == stages[-1][2] == data.stat().st_size  # bytes, finishing at 100%
