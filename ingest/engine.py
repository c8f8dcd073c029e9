"""The streaming, vectorised validator and converter: frictionless's verdicts at Arrow speed.

One pass over the file with pyarrow's streaming CSV reader (ingest/batches.py, after the
header is found as frictionless finds it: ingest/header.py), every cell read as text, then
per block and per column (ingest/blocks.py): missing values, types and constraints
(ingest/columns.py), cell counts and blank rows, typed values appended to a Parquet file as
they come. The checks across rows (unique, primary and foreign keys, ingest/package.py for
the tables a foreign key refers to) run over that Parquet file at the end
(ingest/integrity.py). The errors are then put in the exact order frictionless gives them
(ingest/row_errors.py) and cut at the same error limit.

Files the fast path cannot read the way Python's csv module does (a header that Arrow
splits differently, no header at all) raise Unsupported (ingest/errors.py), and the caller
falls back to frictionless's own engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frictionless import Schema, helpers
from frictionless.table import Header
from frictionless.table import fields_match as fields_match_module

from datastore import TableWriter
from ingest.batches import numbered_batches, raw_rows
from ingest.blocks import Blocks
from ingest.columns import ColumnReader
from ingest.errors import CellTooLong
from ingest.header import read_header
from ingest.integrity import Keys, check_integrity
from ingest.package import TableFile, read_lookups
from ingest.row_errors import TableErrors
from ingest.sniff import Sniffed
from schemas import arrow_schema

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class ScanResult:
    """What one pass over a file found."""

    labels: list[str]
    errors: list[dict[str, Any]]  # frictionless's error descriptors, in its order, limit applied
    rows: int  # rows read (as frictionless counts them)
    limited: bool
    seconds: float
    fields: int
    written: int = 0  # rows in the Parquet file


def scan_table(
    path: Path,
    schema: dict[str, Any],
    sniffed: Sniffed,
    target: Path,
    *,
    limit_errors: int,
    progress: Progress | None = None,
    package: dict[str, TableFile] | None = None,
    resource_name: str | None = None,
    max_cell_bytes: int = 0,
) -> ScanResult:
    """Validate `path` against `schema`, writing its typed rows to the Parquet file `target`.
    A cell longer than `max_cell_bytes` (0: no limit) raises CellTooLong."""
    started = time.perf_counter()
    frictionless_schema = Schema.from_descriptor(schema)
    header_row, first = read_header(path, sniffed)
    labels = helpers.stringify_label(first)
    declared = (
        frictionless_schema.fields_match
        if frictionless_schema.has_defined("fields_match")
        else None
    )
    header = Header(
        labels,
        fields=frictionless_schema.fields,
        row_numbers=[1],
        ignore_case=False,
        fields_match=fields_match_module.resolve(declared, schema_sync=False),
    )
    expected = header.get_expected_fields()
    names = [f.name for f in expected]
    lookups = read_lookups(frictionless_schema, expected, package, resource_name)
    primary = list(frictionless_schema.primary_key)
    readers = [ColumnReader(f) for f in expected]
    self_reference = any(group.self_reference for group in lookups)
    table = TableErrors(
        expected=names,
        header_errors=list(header.errors),
        limit=limit_errors,
        unique=[i for i, f in enumerate(expected) if f.constraints.get("unique")],
        primary_key=[names.index(n) for n in primary] if set(primary) <= set(names) else [],
        foreign_keys=[([names.index(n) for n in lookup.target], lookup) for lookup in lookups],
        header_row=header_row,
    )
    keys = Keys(table)
    writer = TableWriter(target, arrow_schema(schema), background=True)
    try:
        rows = _named(
            labels,
            _stream,
            path,
            sniffed,
            (header_row, len(first)),
            readers,
            table,
            keys,
            writer,
            progress,
            stop=not self_reference,
            max_cell_bytes=max_cell_bytes,
        )
    finally:
        writer.close()
    check_integrity(target, expected, lookups, table, keys, first_row=header_row + 1)
    unread = {row.number for row in table.rows.values() if row.cells is None}
    if unread:  # rows with only cross-row errors: fetch their raw cells for the report
        for number, cells in raw_rows(path, sniffed, (header_row, len(first)), unread).items():
            table.rows[number].cells = cells
    repeated = [row for row in table.rows.values() if row.unique and row.cells is not None]
    for row in repeated:  # frictionless shows the value as Python reads it ("1", not "1.0")
        assert row.cells is not None
        for index, (match, _) in row.unique.items():
            cell = row.cells[index] if index < len(row.cells) else None
            row.unique[index] = (match, readers[index].python_value(cell))
    errors, read, limited = table.finish(rows)
    return ScanResult(
        labels=labels,
        errors=errors,
        rows=read,
        limited=limited,
        seconds=time.perf_counter() - started,
        fields=len(frictionless_schema.fields),
        written=writer.rows,
    )


def _named(labels: list[str], stream: Any, *args: Any, **options: Any) -> int:
    """`stream(*args, **options)`, its CellTooLong naming the column by its label."""
    try:
        return int(stream(*args, **options))
    except CellTooLong as error:
        if 0 <= error.index < len(labels):
            raise CellTooLong(error.row, labels[error.index], error.size, error.limit) from None
        raise


def _stream(
    path: Path,
    sniffed: Sniffed,
    header: tuple[int, int],
    readers: list[ColumnReader],
    table: TableErrors,
    keys: Keys,
    writer: TableWriter,
    progress: Progress | None,
    *,
    stop: bool,
    max_cell_bytes: int = 0,
) -> int:
    """Read every block; returns the number of data rows read."""
    header_row, width = header
    size = path.stat().st_size
    scanner = Blocks(readers, table, keys, writer, width, sniffed, max_cell_bytes)
    last = header_row
    for batch, numbers, odd, done in numbered_batches(path, sniffed, header):
        scanner.block(batch, numbers, odd)
        last = max([last, *numbers[-1:].tolist(), *(n for n, _ in odd)])
        if progress:
            progress("reading", min(done, size), size)
        if stop and table.full():
            break
    if progress:
        progress("reading", size, size)
    return last - header_row
