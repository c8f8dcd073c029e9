"""Validate a CSV file against a Table Schema; the report has frictionless's JSON shape.

Two engines give the same report: "arrow" (ours, ingest/engine.py: streaming and
vectorised, the default) and "frictionless" (row by row; the oracle the tests compare
against, and the fallback for the few files our engine declines). We add what frictionless
leaves out: the encoding and dialect we decided on, schema warnings, and messages with a
fix in plain words.
"""

from __future__ import annotations

import hashlib
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
from frictionless import (
    Check,
    Checklist,
    Detector,
    FrictionlessException,
    Package,
    Resource,
    Schema,
    formats,
)

from ingest.engine import Progress, ScanResult, scan_table
from ingest.errors import Unsupported
from ingest.header import SAMPLE_ROWS
from ingest.limits import check_cells
from ingest.messages import describe
from ingest.package import TableFile
from ingest.sniff import Sniffed, count_lines
from schemas import infer_schema, schema_warnings

DEFAULT_ERROR_LIMIT = 1000
Engine = Literal["arrow", "frictionless"]


@dataclass
class Validation:
    """A report, and whether our engine wrote the typed rows while making it."""

    report: dict[str, Any]
    schema: dict[str, Any]
    converted: bool  # True: the target Parquet file holds every typed row
    rows_written: int = 0


class _ProgressCheck(Check):
    """Reports the row count every few thousand rows; finds no errors of its own."""

    type = "progress-tick"
    every = 2000

    def __init__(self, progress: Progress, stage: str, total: int) -> None:
        super().__init__()
        self._progress, self._stage, self._total = progress, stage, total

    def validate_row(self, row: Any) -> Any:
        if row.row_number % self.every == 0:
            self._progress(self._stage, row.row_number, self._total)
        yield from []


def open_resource(
    path: Path, schema: dict[str, Any] | None, sniffed: Sniffed, name: str | None = None
) -> Resource:
    """A frictionless resource for a local CSV file read the way we sniffed it."""
    options: dict[str, Any] = {"schema": Schema.from_descriptor(schema)} if schema else {}
    if name:
        options["name"] = name
    return Resource(
        path=path.name,
        basepath=str(path.parent),
        format="csv",
        encoding=sniffed.encoding,
        control=formats.CsvControl(delimiter=sniffed.delimiter),
        detector=Detector(sample_size=SAMPLE_ROWS),
        **options,
    )


def validate_file(
    path: Path,
    schema: dict[str, Any] | None,
    sniffed: Sniffed,
    *,
    name: str | None = None,
    limit_errors: int = DEFAULT_ERROR_LIMIT,
    progress: Progress | None = None,
    engine: Engine = "arrow",
    package: dict[str, TableFile] | None = None,
    resource_name: str | None = None,
) -> dict[str, Any]:
    """Validate one file; the report is frictionless's, with our messages and facts added.

    `package` maps the resource names of a data package to their files, for foreign keys
    to other resources; `resource_name` is this file's name in it.
    """
    if engine == "frictionless":
        return _validate_frictionless(
            path, schema, sniffed, name, limit_errors, progress, package, resource_name
        )
    with tempfile.TemporaryDirectory(prefix="validate-") as scratch:
        target = Path(scratch) / "rows.parquet"
        return validate_table(
            path,
            schema,
            sniffed,
            target,
            name=name,
            limit_errors=limit_errors,
            progress=progress,
            package=package,
            resource_name=resource_name,
        ).report


def validate_table(
    path: Path,
    schema: dict[str, Any] | None,
    sniffed: Sniffed,
    target: Path,
    *,
    name: str | None = None,
    limit_errors: int = DEFAULT_ERROR_LIMIT,
    progress: Progress | None = None,
    package: dict[str, TableFile] | None = None,
    resource_name: str | None = None,
    hashes: dict[str, Any] | None = None,
    max_cell_bytes: int = 0,
) -> Validation:
    """Validate with our engine, writing the typed rows to `target` as they are read. A cell
    longer than `max_cell_bytes` (0: no limit) raises CellTooLong (ingest/errors.py).

    A schema is inferred from the whole file when none is given. Files our engine declines are
    validated by frictionless instead (`converted` is then False and `target` is absent).
    """
    if schema is None:
        try:
            schema = infer_schema(path, encoding=sniffed.encoding, delimiter=sniffed.delimiter)
        except (FrictionlessException, UnicodeDecodeError):
            # A file that cannot be read (bytes its encoding does not have): frictionless
            # reports why, as an encoding-error, instead of a schema.
            report = _validate_frictionless(
                path, None, sniffed, name, limit_errors, progress, package, resource_name
            )
            return Validation(report, {"fields": []}, converted=False)
    try:  # frictionless answers a schema it cannot use with metadata errors: so do we
        open_resource(path, schema, sniffed, resource_name).to_descriptor(validate=True)
    except FrictionlessException:
        report = _validate_frictionless(
            path, schema, sniffed, name, limit_errors, progress, package, resource_name
        )
        return Validation(report, schema, converted=False)
    with ThreadPoolExecutor(1) as pool:
        # frictionless's report gives md5 and sha256: work them out on the other core.
        hashing = pool.submit(file_hashes, path) if hashes is None else None
        try:
            result = scan_table(
                path,
                schema,
                sniffed,
                target,
                limit_errors=limit_errors,
                progress=progress,
                package=package,
                resource_name=resource_name,
                max_cell_bytes=max_cell_bytes,
            )
        except (Unsupported, pa.ArrowInvalid, UnicodeDecodeError):
            if max_cell_bytes:  # frictionless does not look at lengths: we do, first
                check_cells(path, sniffed.encoding, sniffed.delimiter, max_cell_bytes)
            # A file our engine declines, one Arrow cannot parse, or one with bytes its
            # encoding does not have: frictionless reads it row by row and its report says
            # what is wrong and where (an encoding-error for the last).
            target.unlink(missing_ok=True)
            report = _validate_frictionless(
                path, schema, sniffed, name, limit_errors, progress, package, resource_name
            )
            return Validation(report, schema, converted=False)
        hashes = hashing.result() if hashing else hashes
    report = _report(result, path, limit_errors, hashes or {})
    report = finish_report(report, schema, sniffed, name or path.name)
    return Validation(report, schema, converted=True, rows_written=result.written)


def file_hashes(path: Path) -> dict[str, Any]:
    """md5 and sha256 of a file, as frictionless puts them in its report."""
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            md5.update(chunk)
            sha256.update(chunk)
    return {"md5": md5.hexdigest(), "sha256": sha256.hexdigest()}


def _report(
    result: ScanResult, path: Path, limit_errors: int, hashes: dict[str, Any]
) -> dict[str, Any]:
    """frictionless's report shape for one table."""
    errors = result.errors
    warnings = [f"reached error limit: {limit_errors}"] if result.limited else []
    seconds = round(result.seconds, 3)
    task = {
        "name": path.stem,
        "type": "table",
        "valid": not errors,
        "place": path.name,
        "labels": result.labels,
        "stats": {
            "errors": len(errors),
            "warnings": len(warnings),
            "seconds": seconds,
            "md5": hashes.get("md5"),
            "sha256": hashes.get("sha256"),
            "bytes": path.stat().st_size,
            "fields": result.fields,
            "rows": result.rows,
        },
        "warnings": warnings,
        "errors": errors,
        "engine": "arrow",
    }
    return {
        "valid": not errors,
        "stats": {"tasks": 1, "errors": len(errors), "warnings": 0, "seconds": seconds},
        "warnings": [],
        "errors": [],
        "tasks": [task],
    }


def _validate_frictionless(
    path: Path,
    schema: dict[str, Any] | None,
    sniffed: Sniffed,
    name: str | None,
    limit_errors: int,
    progress: Progress | None,
    package: dict[str, TableFile] | None,
    resource_name: str | None,
) -> dict[str, Any]:
    checks: list[Check] = []
    if progress:
        total = count_lines(path)
        progress("validating", 0, total)
        checks.append(_ProgressCheck(progress, "validating", total))
    resource = open_resource(path, schema, sniffed, resource_name)
    if package:
        others = [
            open_resource(table.path, table.schema, table.sniffed or sniffed, other)
            for other, table in package.items()
            if other != resource_name
        ]
        resource.package = Package(resources=others)
    report = resource.validate(checklist=Checklist(checks=checks), limit_errors=limit_errors)
    descriptor: dict[str, Any] = report.to_descriptor()
    for task in descriptor.get("tasks", []):
        task["engine"] = "frictionless"
    if progress:
        progress("validating", total, total)
    return finish_report(descriptor, schema, sniffed, name or path.name)


def finish_report(
    descriptor: dict[str, Any], schema: dict[str, Any] | None, sniffed: Sniffed, name: str
) -> dict[str, Any]:
    """Name the task after the uploaded file and give every error a message and a fix."""
    warnings = [str(w) for w in schema_warnings(schema)] if schema else []
    for error in descriptor.get("errors", []):
        error.update(describe(error, schema, sniffed.encoding_label))
    for task in descriptor.get("tasks", []):
        task["name"] = Path(name).stem
        task["place"] = name
        task["encoding"] = sniffed.encoding
        task["dialect"] = {
            "delimiter": sniffed.delimiter,
            "lineTerminator": sniffed.line_terminator,
        }
        task["warnings"] = task.get("warnings", []) + warnings
        task.setdefault("stats", {})["warnings"] = len(task["warnings"])
        for error in task.get("errors", []):
            error.update(describe(error, schema, sniffed.encoding_label))
    descriptor.setdefault("stats", {})["warnings"] = len(warnings)
    return descriptor


def flatten_errors(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """[(type, rowNumber, fieldNumber, fieldName), ...] in report order."""
    flat = [(e.get("type"), None, None, None) for e in report.get("errors", [])]
    for task in report.get("tasks", []):
        for e in task.get("errors", []):
            flat.append(
                (e.get("type"), e.get("rowNumber"), e.get("fieldNumber"), e.get("fieldName"))
            )
    return flat
