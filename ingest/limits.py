"""The shape a table may have, checked on its first lines before anything reads it whole: a
line with no end (a 50 MB "first line"), or thousands of columns, would otherwise hold an
ingest worker for minutes and publish a page or a search answer of hundreds of megabytes.
A file over a limit gets a report of one problem that names the limit and how to get under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

LINES_CHECKED = 200  # the title lines, the header and the first rows
# A compressed file's first bytes, and what people call it (a workbook, itself a zip, is
# read as a workbook before this is looked at).
COMPRESSED = (
    (b"\x1f\x8b", "compressed with gzip (.gz)"),
    (b"PK\x03\x04", "a zip archive (.zip)"),
    (b"BZh", "compressed with bzip2 (.bz2)"),
    (b"\xfd7zXZ\x00", "compressed with xz (.xz)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (.7z)"),
)
_DELIMITERS = (b",", b";", b"\t", b"|")


@dataclass(frozen=True)
class TableLimits:
    max_line_bytes: int = 1_000_000
    max_columns: int = 1_000


def shape_problem(path: Path, limits: TableLimits) -> dict[str, str] | None:
    """The first line of `path` over a limit, as a report error; None when all are within.
    A compressed file is named as one."""
    with path.open("rb") as handle:
        start = handle.read(8)
        for magic, kind in COMPRESSED:
            if start.startswith(magic):
                return _error(
                    1,
                    f"The file is {kind}, not a table.",
                    "Open it (double-click it, or use 'Extract all'), then upload the CSV "
                    "or spreadsheet inside.",
                )
        handle.seek(0)
        for number in range(1, LINES_CHECKED + 1):
            line = handle.readline(limits.max_line_bytes + 1)
            if not line:
                return None
            if len(line) > limits.max_line_bytes and not line.endswith((b"\n", b"\r")):
                return _error(
                    number,
                    f"Line {number} is longer than {limits.max_line_bytes:,} bytes without a "
                    "line break.",
                    "A CSV file has one row of the table per line. Check that this is the "
                    "table saved as CSV (not one long text), or split what is on that line.",
                )
            columns = 1 + max(line.count(d) for d in _DELIMITERS)
            if columns > limits.max_columns:
                return _error(
                    number,
                    f"Line {number} has about {columns:,} columns; at most "
                    f"{limits.max_columns:,} are accepted.",
                    "A table this wide is hard to use: publish it as several narrower tables, "
                    "or ask the site's organiser to raise DATASTORE_MAX_COLUMNS.",
                )
    return None


def shape_report(path: Path, limits: TableLimits) -> dict[str, Any] | None:
    """A frictionless-shaped report of the one problem, or None."""
    problem = shape_problem(path, limits)
    if problem is None:
        return None
    task = {
        "name": path.stem,
        "type": "table",
        "valid": False,
        "place": path.name,
        "labels": [],
        "stats": {"errors": 1, "warnings": 0, "bytes": path.stat().st_size},
        "warnings": [],
        "errors": [problem],
    }
    return {
        "valid": False,
        "stats": {"tasks": 1, "errors": 1, "warnings": 0},
        "warnings": [],
        "errors": [],
        "tasks": [task],
    }


def _error(row: int, message: str, fix: str) -> dict[str, Any]:
    return {
        "type": "table-dimensions",
        "title": "The file cannot be taken in as it is",
        "message": message,
        "fix": fix,
        "rowNumber": row,
        "note": message,
        "tags": ["#table"],
    }
