"""Convert a validated CSV file to a typed Parquet table, batch by batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from frictionless import Schema

from datastore import TableWriter
from ingest.sniff import Sniffed, count_lines
from ingest.validate import Progress, open_resource
from schemas import arrow_schema
from schemas.arrow import arrow_type

BATCH_ROWS = 20_000


def convert_to_parquet(
    path: Path,
    schema: dict[str, Any],
    sniffed: Sniffed,
    target: Path,
    progress: Progress | None = None,
) -> int:
    """Write the file's typed rows to `target`; returns the number of rows written."""
    converters = _converters(schema)
    total = count_lines(path) if progress else 0
    writer = TableWriter(target, arrow_schema(schema))
    columns: list[list[Any]] = [[] for _ in converters]
    try:
        with open_resource(path, schema, sniffed) as resource:
            for row in resource.row_stream:
                for column, convert, value in zip(columns, converters, row.to_list(), strict=True):
                    column.append(None if value is None else convert(value))
                if len(columns[0]) >= BATCH_ROWS:
                    writer.write_columns(columns)
                    columns = [[] for _ in converters]
                    if progress:
                        progress("converting", writer.rows, total)
        writer.write_columns(columns)
    finally:
        writer.close()
    if progress:
        progress("converting", total, total)
    return writer.rows


def _converters(schema: dict[str, Any]) -> list[Callable[[Any], Any]]:
    fields = Schema.from_descriptor(schema).fields
    result: list[Callable[[Any], Any]] = []
    for descriptor, field in zip(schema["fields"], fields, strict=True):
        kind = descriptor.get("type", "string")
        if kind == "number":
            result.append(float)
        elif kind in ("integer", "year"):
            result.append(int)
        elif kind == "datetime":
            result.append(_naive_utc)
        elif kind == "time":
            result.append(_naive_time)
        elif str(arrow_type(descriptor)) == "string" and kind != "string":
            result.append(partial(_as_text, field))
        else:
            result.append(_unchanged)
    return result


def _as_text(field: Any, value: Any) -> Any:
    """A value of a type Arrow cannot hold, in its Table Schema text form."""
    return field.write_cell(value)[0]


def _unchanged(value: Any) -> Any:
    return value


def _naive_time(value: dt.time) -> dt.time:
    return value.replace(tzinfo=None)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    """Timestamps are stored without a zone: aware values are converted to UTC first."""
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value
