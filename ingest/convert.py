"""Convert a valid CSV file to typed Parquet with frictionless reading the rows.

Only for the rare file our own engine declines (ingest/engine.py raises Unsupported):
everything else is converted by that engine in the same pass that validates it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from frictionless import Schema

from datastore import TableWriter
from ingest.columns import ColumnReader
from ingest.engine import Progress
from ingest.sniff import Sniffed, count_lines
from ingest.validate import open_resource
from schemas import arrow_schema

BATCH_ROWS = 20_000


def convert_to_parquet(
    path: Path,
    schema: dict[str, Any],
    sniffed: Sniffed,
    target: Path,
    progress: Progress | None = None,
) -> int:
    """Write the file's typed rows to `target`; returns the number of rows written."""
    stores = [ColumnReader(f).store for f in Schema.from_descriptor(schema).fields]
    total = count_lines(path) if progress else 0
    writer = TableWriter(target, arrow_schema(schema))
    columns: list[list[Any]] = [[] for _ in stores]
    try:
        with open_resource(path, schema, sniffed) as resource:
            for row in resource.row_stream:
                for column, store, value in zip(columns, stores, row.to_list(), strict=True):
                    column.append(None if value is None else store(value))
                if len(columns[0]) >= BATCH_ROWS:
                    writer.write_columns(columns)
                    columns = [[] for _ in stores]
                    if progress:
                        progress("converting", writer.rows, total)
        writer.write_columns(columns)
    finally:
        writer.close()
    if progress:
        progress("converting", total, total)
    return writer.rows
