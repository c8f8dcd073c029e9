"""From an uploaded file to a published version, or to a report and a kept original."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from datastore import Store, VersionRef
from datastore.query_types import ROW_ID
from datastore.store import FACTS, PARQUET, RECIPE, REPORT, SCHEMA, Staged, copy_file
from ingest.compressed import CompressedError
from ingest.convert import convert_to_parquet
from ingest.engine import Progress
from ingest.errors import CellTooLong
from ingest.limits import (
    TableLimits,
    cell_problem,
    problem_report,
    shape_report,
    unpack_within,
)
from ingest.package import TableFile
from ingest.recipe import SCHEMA_STEPS, apply_recipe, reading_encoding
from ingest.schema_steps import apply_schema_steps
from ingest.sniff import DEFAULT_LEGACY_ENCODINGS, Sniffed, sniff_file
from ingest.validate import DEFAULT_ERROR_LIMIT, validate_table
from ingest.workbook import is_workbook
from schemas import infer_schema

PREPARED = "prepared.csv"  # the table as the recipe left it, while it is checked


@dataclass
class IngestResult:
    """What happened to one upload."""

    valid: bool
    report: dict[str, Any]
    schema: dict[str, Any]
    sniffed: Sniffed
    facts: dict[str, Any] = field(default_factory=dict)
    version: VersionRef | None = None  # the published version, when valid
    kept_at: Path | None = None  # where the original waits for a fix, when invalid


def ingest_file(
    store: Store,
    dataset_key: str,
    source: Path | BinaryIO,
    *,
    original_name: str,
    schema: dict[str, Any] | None,
    limit_errors: int = DEFAULT_ERROR_LIMIT,
    legacy_encodings: tuple[str, ...] = DEFAULT_LEGACY_ENCODINGS,
    progress: Progress | None = None,
    package: dict[str, TableFile] | None = None,
    resource_name: str | None = None,
    recipe: list[dict[str, Any]] | None = None,
    limits: TableLimits | None = None,
) -> IngestResult:
    """Validate an upload and publish it as the dataset's next version if it is valid.

    Everything is written in a staging folder first. A valid upload becomes visible by
    one rename; an invalid one publishes nothing, and its original and report are kept
    under the store's rejected/ folder. A crash at any point leaves no partial version.

    With a `recipe` (ingest/recipe.py), its data steps make a prepared copy of the table,
    which is what is checked and stored; its schema steps adjust the schema (the inferred
    one, when none is given). The original is kept as it came, and the recipe, with what
    each step changed, is kept beside it as recipe.json.
    """
    limits_given = limits is not None
    limits = limits or TableLimits()
    with store.staging() as staged:
        original = staged.original_path(original_name)
        size = copy_file(source, original)
        # A compressed upload is read through the one table inside it, unpacked next to it
        # under a name of ours; the original is kept as it came (ingest/compressed.py).
        try:
            unpacked = unpack_within(original, staged.folder, limits, progress)
        except CompressedError as error:
            refused = problem_report(original, error.problem)
            return _refused(store, staged, refused, original, original_name, size)
        source_table = unpacked.path
        # A workbook is read through its sheet, written as UTF-8 CSV (a read-sheet step).
        workbook = is_workbook(source_table)
        too_large = None if workbook or not limits_given else shape_report(source_table, limits)
        if too_large is not None:  # over a limit: said before anything reads it whole
            _drop(original, source_table)
            return _refused(store, staged, too_large, original, original_name, size)
        sniffed = (
            Sniffed("utf-8", ",", "\n") if workbook else sniff_file(source_table, legacy_encodings)
        )
        table, read_as, steps = source_table, sniffed, None
        if recipe:
            table, read_as, schema, steps = prepare_table(
                source_table, recipe, schema, sniffed, staged.folder / PREPARED
            )
            staged.write_json(RECIPE, steps)
        parquet = staged.folder / PARQUET
        try:
            validation = validate_table(
                table,
                schema,
                read_as,
                parquet,
                name=original_name,
                limit_errors=limit_errors,
                progress=progress,
                package=package,
                resource_name=resource_name,
                max_cell_bytes=limits.max_cell_bytes if limits_given else 0,
            )
        except CellTooLong as error:  # a value the pages could not show: said, not read on
            parquet.unlink(missing_ok=True)
            _drop(original, source_table, table)
            refused = problem_report(original, cell_problem(error))
            return _refused(store, staged, refused, original, original_name, size)
        schema, report = validation.schema, validation.report
        if any(f.get("name") == ROW_ID for f in schema.get("fields", [])):
            _refuse_row_id(report)
        facts = {
            "original_name": original_name,
            "original_file": original.name,
            "bytes": size,
            "sha256": report["tasks"][0]["stats"].get("sha256")
            if steps is None and not unpacked.compressed
            else _sha256(original),  # the file as it came, compressed or not
            **sniffed.to_dict(),
            "valid": report["valid"],
            "rows": _rows(report),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        if unpacked.compressed:
            facts["unpacked"] = unpacked.to_dict()
        staged.write_json(SCHEMA, schema)
        staged.write_json(REPORT, report, compact=True)
        if not report["valid"]:
            parquet.unlink(missing_ok=True)  # the rows of a rejected file are not kept
            _drop(original, source_table)  # what was unpacked is not kept: the original is
            staged.write_json(FACTS, facts)
            kept_at = store.reject(staged)
            return IngestResult(False, report, schema, sniffed, facts, kept_at=kept_at)
        if steps is not None:
            facts["recipe_steps"] = len(steps)
            facts["encoding"] = reading_encoding(steps, sniffed.encoding)
        if validation.converted:
            facts["rows"] = validation.rows_written
        else:  # a file our engine declined: frictionless reads its rows
            facts["rows"] = convert_to_parquet(table, schema, read_as, parquet, progress)
        _drop(original, source_table, table)  # the original and the recipe make them again
        staged.write_json(FACTS, facts)
        version = store.publish(staged, dataset_key)
        return IngestResult(True, report, schema, sniffed, facts, version=version)


def prepare_table(
    original: Path,
    recipe: list[dict[str, Any]],
    schema: dict[str, Any] | None,
    sniffed: Sniffed,
    dest: Path,
) -> tuple[Path, Sniffed, dict[str, Any] | None, list[dict[str, Any]]]:
    """The table as the recipe's data steps leave it (written to `dest`), how to read it,
    the schema to check it against (with the schema steps), and the steps as they ran."""
    prepared = apply_recipe(
        original, recipe, encoding=sniffed.encoding, delimiter=sniffed.delimiter, dest=dest
    )
    read_as = Sniffed("utf-8", ",", "\n")
    if any(step["step"] in SCHEMA_STEPS for step in prepared.steps):
        if schema is None:
            schema = infer_schema(dest, encoding="utf-8", delimiter=",")
        schema = apply_schema_steps(schema, prepared.steps)
    return dest, read_as, schema, prepared.steps


def _refused(
    store: Store,
    staged: Staged,
    report: dict[str, Any],
    original: Path,
    original_name: str,
    size: int,
) -> IngestResult:
    """The upload refused before it was read (over a limit, or an archive we do not read):
    its report and original kept."""
    told: dict[str, Any] = {
        "original_name": original_name,
        "original_file": original.name,
        "bytes": size,
        "valid": False,
    }
    staged.write_json(REPORT, report, compact=True)
    staged.write_json(FACTS, told)
    kept_at = store.reject(staged)
    return IngestResult(False, report, {}, Sniffed("utf-8", ",", "\n"), told, kept_at=kept_at)


def _drop(original: Path, *made: Path) -> None:
    """Remove the tables made from the original (unpacked, prepared): it makes them again."""
    for path in made:
        if path != original:
            path.unlink(missing_ok=True)


def _refuse_row_id(report: dict[str, Any]) -> None:
    """A column called _id would be silently replaced by the row numbers the API gives
    under that name: the report says so (the review offers to rename it)."""
    message = (
        f'A column is called "{ROW_ID}", the name the API gives each row\'s number, so its '
        "values would be lost."
    )
    error = {
        "type": "incorrect-label",
        "title": "A column's name is reserved",
        "message": message,
        "fix": f'Rename the column (to "{ROW_ID} (from the file)", say) in the file, or accept '
        "the rename offered when you upload it again.",
        "note": message,
        "fieldName": ROW_ID,
        "tags": ["#table", "#header", "#label"],
    }
    report["valid"] = False
    for task in report.get("tasks") or []:
        task["valid"] = False
        task["errors"] = [error, *task.get("errors", [])]
        break


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _rows(report: dict[str, Any]) -> int | None:
    tasks = report.get("tasks") or [{}]
    rows = tasks[0].get("stats", {}).get("rows")
    return int(rows) if rows is not None else None
