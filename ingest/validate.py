"""Validate a CSV file against a Table Schema; the report has frictionless's JSON shape.

frictionless does the checking here (a later engine replaces it on the ingest path and is
tested against it). We add what frictionless leaves out: the encoding and dialect we
decided on, schema warnings, and messages with a fix in plain words.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from frictionless import Check, Checklist, Detector, Resource, Schema, formats

from ingest.messages import describe
from ingest.sniff import Sniffed, count_lines
from schemas import schema_warnings

DEFAULT_ERROR_LIMIT = 1000
Progress = Callable[[str, int, int], None]  # (stage, done, total)


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


def open_resource(path: Path, schema: dict[str, Any] | None, sniffed: Sniffed) -> Resource:
    """A frictionless resource for a local CSV file read the way we sniffed it."""
    options: dict[str, Any] = {"schema": Schema.from_descriptor(schema)} if schema else {}
    return Resource(
        path=path.name,
        basepath=str(path.parent),
        format="csv",
        encoding=sniffed.encoding,
        control=formats.CsvControl(delimiter=sniffed.delimiter),
        detector=Detector(sample_size=5000),
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
) -> dict[str, Any]:
    """Validate one file; the report is frictionless's, with our messages and facts added."""
    checks: list[Check] = []
    if progress:
        total = count_lines(path)
        progress("validating", 0, total)
        checks.append(_ProgressCheck(progress, "validating", total))
    resource = open_resource(path, schema, sniffed)
    report = resource.validate(checklist=Checklist(checks=checks), limit_errors=limit_errors)
    descriptor: dict[str, Any] = report.to_descriptor()
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
