"""Queries over one version's Parquet file: filters, full-text q, sort, fields, distinct,
limit and offset, keyset pagination and an exact total.

DuckDB runs them. It reads the Parquet file itself, so row-group statistics prune what a
filter rules out, a sorted page is a top-N (it never sorts the whole table), and only the
columns asked for are read. Each query gets its own in-memory DuckDB with file access
limited to the one file it reads, no extensions, and the caller's QueryLimits: a memory
limit and, beyond it, a folder to spill to up to a cap (datastore/duck.py); the
configuration is then locked. A sort or distinct bigger than both fails with DuckDB's
OutOfMemoryException (when it happens while rows are being read, as pyarrow's OSError).
The SQL it runs is made in datastore/query_plan.py; what a query asks and answers (Query,
Filter, Result) is in datastore/query_types.py, and importable from here.

A plain page (no filter, no q, no sort, no distinct) skips DuckDB: pyarrow reads just the
row groups the page falls in, so a page at offset 5,000,000 costs one row group.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from datastore.duck import QueryLimits, locked_duckdb
from datastore.errors import NotFound, QueryError, QueryTooLarge
from datastore.query_plan import Plan, duck_types
from datastore.query_types import OPERATORS, ROW_ID, Filter, Query, Result
from datastore.query_values import UNREADABLE_VALUE
from datastore.table import open_parquet, read_rows

__all__ = [
    "OPERATORS",
    "ROW_ID",
    "Filter",
    "Query",
    "QueryError",
    "QueryLimits",
    "QueryTooLarge",
    "Result",
    "iter_query",
    "output_schema",
    "run_query",
    "types_of",
]

NO_LIMITS = QueryLimits()  # 256 MB and no spilling


def run_query(parquet: Path, query: Query, limits: QueryLimits = NO_LIMITS) -> Result:
    """One page of a table."""
    schema = _schema(parquet)
    columns = _columns(schema, query)
    if query.plain:
        return _plain_page(parquet, columns, query)
    plan = Plan(parquet, schema, query, columns)
    if plan.rows is not None and not query.after:
        return _rows_page(parquet, query, columns, plan.rows)
    part = "after" if query.after else "filters"  # what a value that does not fit came from
    with _connect(parquet, limits) as con:  # every page query has an ORDER BY
        total = None
        if query.include_total:
            total = plan.total if plan.total is not None else _fetch_count(con, plan)
        if plan.order and not query.distinct and not query.after:
            sql, params = plan.threshold(query.offset + query.limit + 1)
            found = _fetch(con, sql, params, part)
            if found.num_rows:
                plan.bound(found.column(0)[0].as_py())
        sql, params = plan.select(limit=query.limit + 1 if not query.distinct else query.limit)
        table = plan.named(_fetch(con, sql, params, part))
    more = not query.distinct and table.num_rows > query.limit
    table = table.slice(0, query.limit)
    cursor = plan.cursor(table) if more and table.num_rows else ""
    if query.fields and ROW_ID not in query.fields and ROW_ID in table.column_names:
        table = table.drop_columns([ROW_ID])
    return Result(_described(table), table, total, cursor)


def iter_query(
    parquet: Path, query: Query, batch_rows: int = 65_536, limits: QueryLimits = NO_LIMITS
) -> Iterator[pa.RecordBatch]:
    """Every row a query matches (limit and offset apply only if given), batch by batch.

    Rows come in the file's order unless sorted (or distinct); a sort or distinct over
    more than `limits` allows fails, at the first batch or later."""
    schema = _schema(parquet)
    columns = _columns(schema, query)
    if query.plain and not query.offset and query.limit <= 0:  # every row, chosen columns
        yield from _row_groups(parquet, columns)
        return
    plan = Plan(parquet, schema, query, columns, with_row_id=False)
    with _connect(parquet, limits, keep_order=not plan.ordered) as con:
        sql, params = plan.select(limit=query.limit if query.limit > 0 else None)
        try:
            reader = con.sql(sql, params=params).to_arrow_reader(batch_rows)
        except duckdb.Error as error:
            raise _query_error(error, "filters") from None
        try:
            for batch in reader:
                yield plan.named_batch(batch)
        except OSError as error:  # pyarrow's wrapping of DuckDB's error while reading
            if _OUT_OF_MEMORY in str(error):
                raise QueryTooLarge(_TOO_LARGE) from error
            raise


def _row_groups(parquet: Path, columns: list[str]) -> Iterator[pa.RecordBatch]:
    """The whole table, a row group at a time, handing freed memory back as it goes.

    pyarrow's iter_batches reads ahead and its allocator keeps what it freed; on a
    server streaming a 10M-row table that cost 200 MB more than one row group at a time.
    """
    pool = pa.default_memory_pool()
    with open_parquet(parquet, pre_buffer=False) as file:
        for group in range(file.num_row_groups):
            # A column at a time: decompressing a whole row group at once needs about ten
            # times the row group's size in passing.
            parts = []
            for name in columns:
                parts.append(file.read_row_group(group, columns=[name], use_threads=False))
                pool.release_unused()
            table = pa.Table.from_arrays([part.column(0) for part in parts], names=columns)
            yield from table.to_batches()
            pool.release_unused()


def output_schema(parquet: Path, fields: tuple[str, ...] = ()) -> pa.Schema:
    """The Arrow schema of a query's rows (without _id)."""
    schema = _schema(parquet)
    return pa.schema([schema.field(name) for name in _columns(schema, Query(fields=fields))])


def types_of(parquet: Path) -> dict[str, str]:
    """Each column's DuckDB type name ("VARCHAR", "DOUBLE", "DATE", ...), as filters see it."""
    return duck_types(_schema(parquet))


# Reading ---------------------------------------------------------------------------------


def _schema(parquet: Path) -> pa.Schema:
    if not parquet.is_file():
        raise NotFound(f"no table at {parquet.name}")
    return open_parquet(parquet).schema_arrow


def _columns(schema: pa.Schema, query: Query) -> list[str]:
    """The columns a query returns, once the parts that cannot go together are refused."""
    fields, names = query.fields, schema.names
    for name in fields:
        if name not in names and name != ROW_ID:
            raise QueryError("fields", f'There is no field "{name}" in this table.')
    for name, _descending in query.sort:
        if fields and name not in fields and name != ROW_ID:
            raise QueryError(
                "sort", f'Sort by a field the answer holds: add "{name}" to fields, or drop it.'
            )
    if query.after and query.distinct:
        raise QueryError(
            "after", "A page cursor (after) cannot page distinct rows: use offset instead."
        )
    return [n for n in fields if n != ROW_ID] if fields else list(names)


def _plain_page(parquet: Path, columns: list[str], query: Query) -> Result:
    """A page by position: only the row groups it falls in are read."""
    table, offset, total = read_rows(parquet, query.offset, query.limit, columns)
    ids = pa.array(range(offset + 1, offset + 1 + table.num_rows), type=pa.int64())
    table = table.append_column(ROW_ID, ids)
    if query.fields and ROW_ID not in query.fields:
        table = table.drop_columns([ROW_ID])
    return Result(_described(table), table, total)


def _rows_page(parquet: Path, query: Query, columns: list[str], rows: np.ndarray) -> Result:
    """A page made of known rows (a value index found them): read only their row groups."""
    parts: list[pa.Table] = []
    with open_parquet(parquet, pre_buffer=False) as file:
        start = 0
        for group in range(file.num_row_groups):
            size = file.metadata.row_group(group).num_rows
            inside = rows[(rows >= start) & (rows < start + size)]
            if len(inside):
                table = file.read_row_group(group, columns=columns, use_threads=False)
                part = table.take(pa.array(inside - start))
                parts.append(part.append_column(ROW_ID, pa.array(inside + 1, pa.int64())))
            start += size
    if parts:
        table = pa.concat_tables(parts)
    else:
        empty = pa.Table.from_batches([], schema=_schema(parquet)).select(columns)
        table = empty.append_column(ROW_ID, pa.array([], type=pa.int64()))
    order = [(name, "descending" if desc else "ascending") for name, desc in query.sort]
    table = table.sort_by([*order, (ROW_ID, "ascending")])
    table = table.slice(query.offset, query.limit)
    if query.fields and ROW_ID not in query.fields:
        table = table.drop_columns([ROW_ID])
    return Result(_described(table), table, len(rows))


class _connect:
    """An in-memory DuckDB that may read the files of one folder and nothing else.

    Starting DuckDB costs about 10 ms, so each thread keeps one per folder (and limits,
    and order) it has read lately (a version's folder never changes once published). Each
    has its own spill folder, which holds files only while a query spills.
    """

    def __init__(self, parquet: Path, limits: QueryLimits, *, keep_order: bool = False) -> None:
        self.folder = os.fspath(parquet.parent) + os.sep
        self.limits = limits
        self.key = (self.folder, limits, keep_order)

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        cache: dict[Any, duckdb.DuckDBPyConnection] = _local.__dict__.setdefault("cache", {})
        con = cache.pop(self.key, None)
        if con is None:
            limits = self.limits
            con = locked_duckdb(
                f"{limits.memory_mb}MB",
                readable=self.folder,
                spill=limits.spill(),
                spill_limit=f"{limits.spill_mb}MB",
                keep_order=self.key[2],
            )
        cache[self.key] = con  # most recently used last
        while len(cache) > CACHED_CONNECTIONS:
            cache.pop(next(iter(cache))).close()
        # A cursor of its own for each query, so that a result left unread (a download the
        # client gave up on) never blocks the next query.
        self.cursor = con.cursor()
        return self.cursor

    def __exit__(self, *exc: object) -> None:
        self.cursor.close()


_local = threading.local()
CACHED_CONNECTIONS = 4


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any], part: str) -> pa.Table:
    try:
        return con.sql(sql, params=params).to_arrow_table()
    except duckdb.Error as error:
        raise _query_error(error, part) from None


def _fetch_count(con: duckdb.DuckDBPyConnection, plan: Plan) -> int:
    sql, params = plan.count()
    try:
        rows = con.execute(sql, params).fetchall()
        row = rows[0] if rows else None
    except duckdb.Error as error:
        raise _query_error(error, "filters") from None
    return int(row[0]) if row else 0


_OUT_OF_MEMORY = "Out of Memory Error"
_TOO_LARGE = (
    "This query needs more memory and disk than one query may use here: ask for fewer rows "
    "or columns, or without sort or distinct."
)


def _query_error(error: duckdb.Error, part: str) -> QueryError:
    if isinstance(error, duckdb.OutOfMemoryException):
        raise QueryTooLarge(_TOO_LARGE) from error
    if isinstance(error, duckdb.ConversionException | duckdb.InvalidInputException):
        return QueryError(part, UNREADABLE_VALUE)
    raise error


def _described(table: pa.Table) -> list[tuple[str, str]]:
    return [(f.name, str(f.type)) for f in table.schema]
