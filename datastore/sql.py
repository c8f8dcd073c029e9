"""Read-only SQL over named Parquet tables: a page of the answer, or all of it streamed.

The query is checked first (datastore/sql_check.py: one SELECT, reaching only tables by
name), each table it names is asked of `resolve` (the caller's rule of who may see what:
a name it does not give is "no such table", whatever the reason), and the query runs in
a DuckDB of its own holding a view of each of those tables and nothing else: no other
file readable, no extensions, the configuration locked (datastore/duck.py), within
`limits` (memory, and spilling) and a time limit, after which it is interrupted
(DuckDB has no statement timeout; a timer thread calls `interrupt()`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from datastore.duck import QueryLimits, locked_duckdb
from datastore.errors import QueryTooLarge
from datastore.json_values import json_value
from datastore.sql_check import (
    LIST_HINT,
    SqlError,
    SqlTimeLimit,
    TableRef,
    char_offset,
    check_sql,
)

__all__ = [
    "SqlError", "SqlLimits", "SqlResult", "SqlTimeLimit", "char_offset", "csv_ready", "run_sql",
    "stream_sql",
]  # fmt: skip

Resolver = Callable[[str], Path | None]
_LINE = re.compile(r"\n\nLINE (\d+): (.*)\n( *)\^")
_PREFIXES = (
    "Parser Error: ",
    "Binder Error: ",
    "Catalog Error: ",
    "Conversion Error: ",
    "Out of Range Error: ",
    "Invalid Input Error: ",
)


@dataclass(frozen=True)
class SqlLimits:
    """What one query may take: `seconds` of time, `memory` (and spill) as QueryLimits
    has it, `max_chars` of text, and at most `max_tables` tables named."""

    seconds: float = 10
    memory: QueryLimits = QueryLimits()
    max_chars: int = 10_000
    max_tables: int = 20


@dataclass
class SqlResult:
    fields: list[tuple[str, str]]  # (name, Arrow type), names made unique
    table: pa.Table
    truncated: bool  # more rows than max_rows: only max_rows are here

    def records(self) -> list[dict[str, Any]]:
        names = [name for name, _ in self.fields]
        return [dict(zip(names, row, strict=True)) for row in self.lists()]

    def lists(self) -> list[list[Any]]:
        columns = [_plain_column(column) for column in self.table.columns]
        return [list(row) for row in zip(*columns, strict=True)] if columns else []


def run_sql(sql: str, resolve: Resolver, limits: SqlLimits, max_rows: int) -> SqlResult:
    """The first `max_rows` rows of the answer (and whether there were more)."""
    batches = stream_sql(sql, resolve, limits, batch_rows=min(65_536, max_rows + 1))
    schema = next(batches)
    if not isinstance(schema, pa.Schema):
        raise TypeError("stream_sql gives its schema first")
    taken: list[pa.RecordBatch] = []
    count = 0
    try:
        for batch in batches:
            if not isinstance(batch, pa.RecordBatch):
                raise TypeError("stream_sql gives batches after its schema")
            taken.append(batch)
            count += batch.num_rows
            if count > max_rows:
                break
    finally:
        batches.close()
    table = pa.Table.from_batches(taken, schema=schema)
    names = _unique(schema.names)
    table = table.rename_columns(names).slice(0, max_rows)
    fields = [(name, str(kind)) for name, kind in zip(names, schema.types, strict=True)]
    return SqlResult(fields, table, count > max_rows)


def stream_sql(
    sql: str, resolve: Resolver, limits: SqlLimits, batch_rows: int = 65_536
) -> Generator[pa.Schema | pa.RecordBatch, None, None]:
    """The answer's schema first (the query checked and started), then its rows batch by
    batch; close the iterator to stop the query early. A failure at any point is a
    SqlError (QueryTooLarge for memory)."""
    views = _views(sql, resolve, limits)
    con = locked_duckdb(
        f"{limits.memory.memory_mb}MB",
        spill=limits.memory.spill(),
        spill_limit=f"{limits.memory.spill_mb}MB",
        views=views,
    )
    timer = threading.Timer(limits.seconds, _interrupt, [con])
    timer.daemon = True
    timer.start()
    paths = {os.fspath(path): name for name, path in views.items()}
    try:
        try:
            relation = con.sql(sql)
            if relation is None:  # a statement with no answer: never a SELECT
                raise SqlError("That statement answers no rows; write a SELECT.")
            reader = relation.to_arrow_reader(batch_rows)
        except duckdb.Error as error:
            raise _error(error, sql, limits, paths) from None
        yield reader.schema
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (duckdb.Error, OSError) as error:  # OSError: pyarrow's wrapping of DuckDB's
                raise _error(error, sql, limits, paths) from None
            yield batch
    finally:
        timer.cancel()
        con.close()


def _interrupt(con: duckdb.DuckDBPyConnection) -> None:
    """Stop the connection's query; one that ended (and closed) meanwhile needs nothing."""
    with contextlib.suppress(duckdb.Error):
        con.interrupt()


def _views(sql: str, resolve: Resolver, limits: SqlLimits) -> dict[str, Path]:
    parser = locked_duckdb("64MB")
    try:
        refs = check_sql(parser, sql, limits.max_chars)
    finally:
        parser.close()
    names: dict[str, TableRef] = {}
    for ref in refs:
        names.setdefault(ref.name, ref)
    if len(names) > limits.max_tables:
        raise SqlError(
            f"A query may name at most {limits.max_tables} tables; this names {len(names)}."
        )
    views: dict[str, Path] = {}
    for name, ref in names.items():
        path = resolve(name)
        if path is None:
            raise SqlError(
                f'There is no table "{name}" you may query; {LIST_HINT}. Write a name with '
                'dashes in double quotes: FROM "house-prices".',
                ref.position,
                sql,
            )
        views[name] = path
    return views


def _error(
    error: Exception, sql: str, limits: SqlLimits, paths: dict[str, str]
) -> SqlError | QueryTooLarge:
    text = str(error)
    if isinstance(error, duckdb.InterruptException) or "INTERRUPT Error" in text:
        return SqlTimeLimit(
            f"The query was stopped after {limits.seconds:g} "
            f"second{'' if limits.seconds == 1 else 's'}, the most one query may "
            "take here. Ask for less: filter with WHERE, group, or join on fewer rows."
        )
    if isinstance(error, duckdb.OutOfMemoryException) or "Out of Memory Error" in text:
        return QueryTooLarge(
            f"The query needs more than the {limits.memory.memory_mb} MB of memory one query "
            "may use here: ask for fewer rows or columns, or group them."
        )
    if isinstance(error, duckdb.PermissionException) or "Permission Error" in text:
        return SqlError(f"The query tried to reach past the tables it names; {LIST_HINT}.")
    for path, name in paths.items():  # never the data folder's layout
        text = text.replace(path, name)
    position = None
    found = _LINE.search(text)
    if found:
        position = _position(
            sql, int(found[1]), found[2], len(found[3]) - len(f"LINE {found[1]}: ")
        )
        text = text[: found.start()]
    text = text.strip()
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    if position is None:
        position = _named_position(sql, text)
    text = text.removeprefix("Invalid Input Error: ")
    text = text if len(text) <= 1000 else text[:1000] + "..."
    return SqlError(text[:1].upper() + text[1:], position, sql)


def _position(sql: str, line: int, shown: str, column: int) -> int | None:
    """A character offset from DuckDB's "LINE n:" excerpt, which may be cut ("...")."""
    lines = sql.split("\n")
    if not 1 <= line <= len(lines):
        return None
    start = sum(len(text) + 1 for text in lines[: line - 1])
    if shown.startswith("..."):
        window = shown[3:].removesuffix("...")
        at = lines[line - 1].find(window)
        if at < 0:
            return start
        return start + at + max(0, column - 3)
    return start + min(column, len(lines[line - 1]))


def _named_position(sql: str, text: str) -> int | None:
    """Where the first name a message quotes ("pricee") stands in the query, if it does."""
    quoted = re.search(r'"([^"\n]{1,200})"', text)
    if not quoted:
        return None
    lowered, name = sql.lower(), quoted[1].lower()
    for written in (f'"{name}"', name):  # the name as quoted in the query, else bare
        at = lowered.find(written)
        if at >= 0:
            return at
    return None


def _unique(names: list[str]) -> list[str]:
    """Names made unique, as records (one key a column) need: id, id_2, id_3."""
    seen: set[str] = set()
    unique = []
    for name in names:
        candidate, number = name, 2
        while candidate in seen:
            candidate, number = f"{name}_{number}", number + 1
        seen.add(candidate)
        unique.append(candidate)
    return unique


def _plain_column(column: pa.ChunkedArray) -> list[Any]:
    return [_plain(value) for value in column.to_pylist()]


def _plain(value: Any) -> Any:
    """A value as JSON (and a page) can carry it."""
    value = json_value(value)
    if isinstance(value, pa.MonthDayNano):
        return _duration(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # intervals, UUIDs


def _duration(value: pa.MonthDayNano) -> str:
    """An interval in ISO 8601: P1M2DT3.5S."""
    months, days, nanoseconds = value
    date = (f"{months}M" if months else "") + (f"{days}D" if days else "")
    time = f"T{nanoseconds / 1e9:g}S" if nanoseconds or not date else ""
    return f"P{date}{time}"


def csv_ready(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch the CSV writer can write: values of other types (lists, structs, maps,
    bytes, intervals) as JSON text, and unique column names."""
    columns = []
    for column in batch.columns:
        if _writable(column.type):
            columns.append(column)
        else:
            texts = [None if v is None else json.dumps(_plain(v)) for v in column.to_pylist()]
            columns.append(pa.array(texts, pa.string()))
    return pa.RecordBatch.from_arrays(columns, names=_unique(batch.schema.names))


def _writable(kind: pa.DataType) -> bool:
    t = pa.types
    return bool(
        t.is_integer(kind) or t.is_floating(kind) or t.is_decimal(kind) or t.is_boolean(kind)
        or t.is_string(kind) or t.is_large_string(kind) or t.is_date(kind) or t.is_time(kind)
        or t.is_timestamp(kind) or t.is_null(kind)
    )  # fmt: skip
