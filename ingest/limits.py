"""The shape a table may have, checked on its first lines before anything reads it whole: a
line with no end (a 50 MB "first line"), or thousands of columns, would otherwise hold an
ingest worker for minutes and publish a page or a search answer of hundreds of megabytes.
A file over a limit gets a report of one problem that names the limit and how to get under it.
A compressed upload is checked here as it unpacks (ingest/compressed.py), its table as any.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.compressed import (
    DEFAULT_MAX_MEMBERS,
    DEFAULT_MAX_UNPACKED_BYTES,
    Progress,
    Unpacked,
    unpack_table,
)
from ingest.errors import CellTooLong, Unsupported
from ingest.header import pick_header
from ingest.sniff import detect_delimiter

LINES_CHECKED = 200  # the title lines, the header and the first rows
_DELIMITERS = (b",", b";", b"\t", b"|")


@dataclass(frozen=True)
class TableLimits:
    max_line_bytes: int = 1_000_000
    max_columns: int = 1_000
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES  # what a compressed upload unpacks to
    max_members: int = DEFAULT_MAX_MEMBERS  # entries of a zip looked through
    max_header_bytes: int = 2_000  # one column's name
    max_cell_bytes: int = 1_000_000  # any one value, in any row (checked as the rows are read)


def unpack_within(
    path: Path, folder: Path, limits: TableLimits, progress: Progress | None = None
) -> Unpacked:
    """ingest.compressed.unpack_table within the limits' unpacked size and zip entries."""
    return unpack_table(
        path,
        folder,
        max_unpacked_bytes=limits.max_unpacked_bytes,
        max_members=limits.max_members,
        progress=progress,
    )


def shape_problem(path: Path, limits: TableLimits) -> dict[str, str] | None:
    """The first line of `path` over a limit, as a report error; None when all are within.
    `path` is the table as it is read: a compressed upload's once unpacked."""
    lines: list[bytes] = []
    with path.open("rb") as handle:
        for number in range(1, LINES_CHECKED + 1):
            line = handle.readline(limits.max_line_bytes + 1)
            if not line:
                break
            lines.append(line)
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
    return _header_problem(lines, limits)


def _header_problem(lines: list[bytes], limits: TableLimits) -> dict[str, str] | None:
    """A column name (a cell of the header row, found among the first lines as the ingest
    finds it) longer than the limit: it would be the heading of every page of the table."""
    text = b"".join(lines).decode("latin-1")  # one character per byte: lengths are bytes
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text)))
        number, cells = pick_header(rows)
    except (Unsupported, csv.Error):  # no header row, or not CSV: the check says so
        return None
    for column, cell in enumerate(cells, start=1):
        if len(cell) > limits.max_header_bytes:
            return _error(
                number,
                f"The name of column {column} (in row {number}) is {len(cell):,} bytes long; "
                f"a column's name may be at most {limits.max_header_bytes:,}.",
                "Shorten the column's name in the header row (a longer explanation can go "
                "in the column's description), or check that this row holds the names.",
            )
    return None


def shape_report(path: Path, limits: TableLimits) -> dict[str, Any] | None:
    """A frictionless-shaped report of the one problem, or None."""
    problem = shape_problem(path, limits)
    if problem is None:
        return None
    return problem_report(path, problem)


def check_cells(
    path: Path,
    encoding: str,
    delimiter: str,
    max_cell_bytes: int,
) -> None:
    """Raise CellTooLong for the first cell of the file over the limit, reading it row by row
    (the engine checks cells as it reads; this is for a file it declined, before frictionless
    reads it: one whose rows are longer than the engine's blocks, which is how a huge cell
    first shows, or one of an odd dialect or encoding)."""
    with open(path, encoding=encoding, errors="replace", newline="") as text:
        reader = csv.reader(text, delimiter=delimiter)
        header: list[str] = []
        for number, cells in enumerate(reader, start=1):
            header = header or cells
            for index, cell in enumerate(cells):
                if len(cell) * 4 > max_cell_bytes and len(cell.encode()) > max_cell_bytes:
                    column = header[index] if index < len(header) else ""
                    raise CellTooLong(number, column, len(cell.encode()), max_cell_bytes)


def cell_problem(error: CellTooLong) -> dict[str, Any]:
    """The report error for a cell over the limit (raised by the engine as it reads)."""
    where = f'column "{error.column}"' if error.column else "a row of the wrong width"
    return _error(
        error.row,
        f"A value in row {error.row} ({where}) is {error.size:,} bytes long; a cell may be "
        f"at most {error.limit:,}.",
        "Check that the quotes in that row are paired (one missing quote makes the rest of "
        "the file one cell), or publish very long texts as files of their own and link them.",
    )


def problem_report(path: Path, problem: dict[str, Any]) -> dict[str, Any]:
    """A frictionless-shaped report of one problem with the file at `path`."""
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
