"""The arrow engine against the frictionless engine, over generated tables.

tests/generated_tables.py builds one small table per kind of problem, with seeded, injected
errors. Each is validated by both engines, which must give the same report, timing and
message wording aside: the verdict, every error's type, row and field in order, the rows
read and the header labels. The oracle tests check the tables themselves against
frictionless, called directly, so that parity cannot pass on tables with nothing wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from frictionless import Detector, Package, Resource, Schema, formats
from frictionless import errors as ferrors
from generated_tables import Scenario, Table, build_scenarios

import ingest
from ingest import DEFAULT_ERROR_LIMIT, Sniffed, flatten_errors, sniff_file, validate_file
from ingest.row_errors import error_descriptor

SCENARIOS = build_scenarios()
IDS = [scenario.id for scenario in SCENARIOS]
CELL_ERRORS = {"type-error", "constraint-error"}

# Every kind the parity tests must see. frictionless 5.21 cannot report blank-header (its
# check sits after an early return for a header with no labels), so no table can hold it:
# header-blank is the nearest, a file whose header line is empty.
KINDS = {
    "blank-label",
    "duplicate-label",
    "missing-label",
    "extra-label",
    "incorrect-label",
    "blank-row",
    "extra-cell",
    "missing-cell",
    "type-error",
    "constraint-error",
    "unique-error",
    "primary-key",
    "foreign-key",
}


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """What the two engines must agree on."""
    task = report["tasks"][0]
    return {
        "valid": report["valid"],
        "errors": flatten_errors(report),
        "rows": task["stats"].get("rows"),
        "labels": task.get("labels"),
    }


def kinds_of(report: dict[str, Any]) -> set[str]:
    return {error[0] for error in flatten_errors(report)}


def validate_with(engine: str, scenario: Scenario, folder: Path) -> dict[str, Any]:
    paths = scenario.write(folder)
    path = paths[scenario.table.name]
    options: dict[str, Any] = {}
    if scenario.limit_errors is not None:
        options["limit_errors"] = scenario.limit_errors
    if scenario.in_package:
        tables = {table.name: table for table in (scenario.table, *scenario.others)}
        options["package"] = {
            name: ingest.TableFile(path=p, schema=tables[name].schema, sniffed=sniff_file(p))
            for name, p in paths.items()
        }
        options["resource_name"] = scenario.table.name
    return validate_file(path, scenario.table.schema, sniff_file(path), engine=engine, **options)


def validate_with_frictionless(scenario: Scenario, folder: Path) -> dict[str, Any]:
    """frictionless's own report, read the way validate_file reads a file."""
    paths = scenario.write(folder)

    def open_resource(table: Table) -> Resource:
        sniffed = sniff_file(paths[table.name])
        return Resource(
            name=table.name,
            path=paths[table.name].name,
            basepath=str(folder),
            format="csv",
            encoding=sniffed.encoding,
            control=formats.CsvControl(delimiter=sniffed.delimiter),
            detector=Detector(sample_size=5000),
            schema=Schema.from_descriptor(table.schema),
        )

    resources = [open_resource(table) for table in (scenario.table, *scenario.others)]
    if scenario.in_package:
        Package(resources=resources)  # gives each resource its package, for foreign keys
    limit = scenario.limit_errors or DEFAULT_ERROR_LIMIT
    descriptor: dict[str, Any] = resources[0].validate(limit_errors=limit).to_descriptor()
    return descriptor


# Parity ------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_engines_agree(scenario: Scenario, tmp_path: Path) -> None:
    expected = validate_with("frictionless", scenario, tmp_path)
    actual = validate_with("arrow", scenario, tmp_path)
    assert scenario.kinds <= kinds_of(expected)
    assert summary(actual) == summary(expected)
    # Our engine did the work, except where it hands over to frictionless on purpose.
    engine = actual["tasks"][0].get("engine")
    assert engine == ("frictionless" if scenario.id in HANDED_OVER else "arrow"), engine


# Files our engine declines and frictionless validates instead (ingest/engine.py says why):
# Python's csv.Sniffer turns on skipinitialspace, which Arrow's parser cannot do; a schema
# frictionless rejects as metadata (exclusive bounds need Table Schema v2); a one-column
# file whose header line is empty.
HANDED_OVER = {"dialect-space-after-delimiter", "constraint-exclusive-bounds", "header-blank"}


# The tables themselves ---------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_frictionless_finds_what_was_put_in(scenario: Scenario, tmp_path: Path) -> None:
    report = validate_with_frictionless(scenario, tmp_path)
    assert scenario.kinds <= kinds_of(report)
    if scenario.cells is not None:
        cells = {(kind, row, name) for kind, row, _, name in flatten_errors(report)}
        assert {cell for cell in cells if cell[0] in CELL_ERRORS} == scenario.cells
    if scenario.labels is not None:
        assert tuple(report["tasks"][0]["labels"]) == scenario.labels


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_tables_are_sniffed_as_written(scenario: Scenario, tmp_path: Path) -> None:
    paths = scenario.write(tmp_path)
    for table in (scenario.table, *scenario.others):
        expected = Sniffed(table.encoding, table.delimiter, table.newline)
        assert sniff_file(paths[table.name]) == expected


@pytest.mark.parametrize(
    "scenario", [s for s in SCENARIOS if s.id.startswith("limit-errors")], ids=lambda s: s.id
)
def test_error_limit_is_reached(scenario: Scenario, tmp_path: Path) -> None:
    report = validate_with_frictionless(scenario, tmp_path)
    limit = scenario.limit_errors or DEFAULT_ERROR_LIMIT
    assert len(flatten_errors(report)) == limit
    assert report["tasks"][0]["warnings"] == [f"reached error limit: {limit}"]


def test_every_kind_is_generated() -> None:
    generated = set().union(*(scenario.kinds for scenario in SCENARIOS))
    assert generated >= KINDS


def test_tables_are_reproducible() -> None:
    again = build_scenarios()
    assert [s.table.data for s in again] == [s.table.data for s in SCENARIOS]
    assert [s.table.data for s in build_scenarios(seed=1)] != [s.table.data for s in SCENARIOS]


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (
            ferrors.TypeError,
            dict(
                note="type is date",
                cells=["x", "2"],
                row_number=3,
                cell="x",
                field_name="d",
                field_number=1,
            ),
        ),
        (
            ferrors.ConstraintError,
            dict(note='"a"', cells=["b"], row_number=2, cell="b", field_name="c", field_number=1),
        ),
        (
            ferrors.UniqueError,
            dict(note="same", cells=["1"], row_number=9, cell="1", field_name="id", field_number=1),
        ),
        (
            ferrors.ExtraCellError,
            dict(note="", cells=["1", "2"], row_number=4, cell="2", field_name="", field_number=2),
        ),
        (
            ferrors.MissingCellError,
            dict(note="", cells=["1"], row_number=4, cell="", field_name="b", field_number=2),
        ),
        (ferrors.BlankRowError, dict(note="", cells=["", ""], row_number=5)),
        (ferrors.PrimaryKeyError, dict(note='all "None"', cells=["", "x"], row_number=6)),
        (
            ferrors.ForeignKeyError,
            dict(
                note="not found",
                cells=["7", "x"],
                row_number=7,
                field_names=["id"],
                field_cells=["7"],
                reference_name="people",
                reference_field_names=["pid"],
            ),
        ),
    ],
)
def test_error_descriptors_are_frictionless_own(kind: type[Any], values: dict[str, Any]) -> None:
    """The engine writes error descriptors directly; they must be what frictionless writes."""
    assert error_descriptor(kind, **values) == kind(**values).to_descriptor()
