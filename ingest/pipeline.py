"""From an uploaded file to a published version, or to a report and a kept original."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from datastore import Store, VersionRef
from datastore.store import FACTS, PARQUET, REPORT, SCHEMA, copy_file
from ingest.convert import convert_to_parquet
from ingest.engine import Progress
from ingest.package import TableFile
from ingest.sniff import DEFAULT_LEGACY_ENCODINGS, Sniffed, sniff_file
from ingest.validate import DEFAULT_ERROR_LIMIT, validate_table


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
) -> IngestResult:
    """Validate an upload and publish it as the dataset's next version if it is valid.

    Everything is written in a staging folder first. A valid upload becomes visible by
    one rename; an invalid one publishes nothing, and its original and report are kept
    under the store's rejected/ folder. A crash at any point leaves no partial version.
    """
    with store.staging() as staged:
        original = staged.original_path(original_name)
        size = copy_file(source, original)
        sniffed = sniff_file(original, legacy_encodings)
        parquet = staged.folder / PARQUET
        validation = validate_table(
            original,
            schema,
            sniffed,
            parquet,
            name=original_name,
            limit_errors=limit_errors,
            progress=progress,
            package=package,
            resource_name=resource_name,
        )
        schema, report = validation.schema, validation.report
        facts = {
            "original_name": original_name,
            "original_file": original.name,
            "bytes": size,
            "sha256": report["tasks"][0]["stats"].get("sha256"),
            **sniffed.to_dict(),
            "valid": report["valid"],
            "rows": _rows(report),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        staged.write_json(SCHEMA, schema)
        staged.write_json(REPORT, report, compact=True)
        if not report["valid"]:
            parquet.unlink(missing_ok=True)  # the rows of a rejected file are not kept
            staged.write_json(FACTS, facts)
            kept_at = store.reject(staged)
            return IngestResult(False, report, schema, sniffed, facts, kept_at=kept_at)
        if validation.converted:
            facts["rows"] = validation.rows_written
        else:  # a file our engine declined: frictionless reads its rows
            facts["rows"] = convert_to_parquet(original, schema, sniffed, parquet, progress)
        staged.write_json(FACTS, facts)
        version = store.publish(staged, dataset_key)
        return IngestResult(True, report, schema, sniffed, facts, version=version)


def _rows(report: dict[str, Any]) -> int | None:
    tasks = report.get("tasks") or [{}]
    rows = tasks[0].get("stats", {}).get("rows")
    return int(rows) if rows is not None else None
