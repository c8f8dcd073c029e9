"""Queries over one version's Parquet file: filters, full-text q, sort, fields, distinct,
limit and offset, keyset pagination and an exact total.

DuckDB runs them. It reads the Parquet file itself, so row-group statistics prune what a
filter rules out, a sorted page is a top-N (it never sorts the whole table), and only the
columns asked for are read. Each query gets its own in-memory DuckDB with file access
limited to the one file it reads, no extensions, and a memory limit; the configuration is
then locked. The SQL is ours: column names come from the file's own schema (a name the
file lacks is a QueryError, never SQL), and every value is a bound parameter.

A plain page (no filter, no q, no sort, no distinct) skips DuckDB: pyarrow reads just the
row groups the page falls in, so a page at offset 5,000,000 costs one row group.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import functools
import json
import math
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from datastore.duck import locked_duckdb
from datastore.errors import DatastoreError, NotFound
from datastore.lookup import find_rows
from datastore.table import open_parquet, read_rows

ROW_ID = "_id"  # 1-based position of a row in its file: CKAN's _id, and the keyset tiebreak
OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "contains", "starts", "null", "notnull")
_COMPARE = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
MEMORY_LIMIT = "256MB"


class QueryError(DatastoreError):
    """A query the table cannot answer; `parameter` names the part that is wrong."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Filter:
    field: str
    op: str = "eq"
    value: Any = None  # a list for "in"; unused for "null" and "notnull"


@dataclass(frozen=True)
class Query:
    filters: tuple[Filter, ...] = ()
    q: str | dict[str, str] = ""  # words every row must contain, in any text field or named ones
    sort: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    fields: tuple[str, ...] = ()  # () is every field
    distinct: bool = False
    limit: int = 100
    offset: int = 0
    after: str = ""  # keyset cursor: Result.next_cursor of the previous page
    include_total: bool = True

    @property
    def plain(self) -> bool:
        return not (self.filters or self.q or self.sort or self.distinct or self.after)

    @property
    def whole_table(self) -> bool:
        """Every row and column, as stored (limit 0 means no limit)."""
        return self.plain and not self.fields and not self.offset and self.limit <= 0


@dataclass
class Result:
    fields: list[tuple[str, str]]  # (name, Arrow type), in output order
    table: pa.Table
    total: int | None
    next_cursor: str = ""  # give as Query.after for the page after this one
    extra: dict[str, Any] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return [{k: json_value(v) for k, v in row.items()} for row in self.table.to_pylist()]

    def lists(self) -> list[list[Any]]:
        return [[json_value(v) for v in row.values()] for row in self.table.to_pylist()]


def run_query(parquet: Path, query: Query) -> Result:
    """One page of a table."""
    schema = _schema(parquet)
    columns = _columns(schema, query)
    if query.plain:
        return _plain_page(parquet, columns, query)
    plan = _Plan(parquet, schema, query, columns)
    if plan.rows is not None and not query.after:
        return _rows_page(parquet, query, columns, plan.rows)
    part = "after" if query.after else "filters"  # what a value that does not fit came from
    with _connect(parquet) as con:
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


def iter_query(parquet: Path, query: Query, batch_rows: int = 65_536) -> Iterator[pa.RecordBatch]:
    """Every row a query matches (limit and offset apply only if given), batch by batch."""
    schema = _schema(parquet)
    columns = _columns(schema, query)
    if query.plain and not query.offset and query.limit <= 0:  # every row, chosen columns
        yield from _row_groups(parquet, columns)
        return
    plan = _Plan(parquet, schema, query, columns, with_row_id=False)
    with _connect(parquet) as con:
        sql, params = plan.select(limit=query.limit if query.limit > 0 else None)
        try:
            reader = con.sql(sql, params=params).to_arrow_reader(batch_rows)
        except duckdb.Error as error:
            raise _query_error(error, "filters") from None
        for batch in reader:
            yield plan.named_batch(batch)


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


# Plans -----------------------------------------------------------------------------------


class _Plan:
    """The SQL of one query, with its parameters."""

    def __init__(
        self,
        parquet: Path,
        schema: pa.Schema,
        query: Query,
        columns: list[str],
        *,
        with_row_id: bool = True,
    ) -> None:
        self.query, self.schema, self.columns = query, schema, columns
        self.params: list[Any] = [str(parquet)]
        # The SQL never holds a field's name (a CSV header, so the uploader's words): the
        # file's columns are renamed c0, c1, ... in the FROM clause, and back afterwards.
        self.alias = {name: f"c{i}" for i, name in enumerate(schema.names)}
        self.alias[ROW_ID] = "row_id"
        self.source = (
            "read_parquet(?, file_row_number = true) AS t("
            + ", ".join(self.alias[n] for n in schema.names)
            + ")"
        )
        self.types = _duck_types(schema)
        self.where = self._where()
        self.total: int | None = None  # known without counting
        self.rows: np.ndarray | None = None  # every row the query matches, when known
        self._use_lookup(parquet)
        self.order = [(name, desc) for name, desc in query.sort]
        for name, _ in self.order:
            self._known(name, "sort")
        self.with_row_id = with_row_id and not query.distinct

    def threshold(self, rows: int) -> tuple[str, list[Any]]:
        """The first sort key's value at position `rows` of the sorted result.

        A top-N over one column is cheap; the page query then keeps only the rows on the
        near side of that value, so DuckDB fetches whole rows for few of them (a sorted
        page of a 10M-row table read 10M rows without this).
        """
        name, descending = self.order[0]
        column = self._id(name)
        where, where_params = self.where
        clause = " AND ".join([*where, f"{column} IS NOT NULL"])
        direction = "DESC" if descending else "ASC"
        sql = (
            f"SELECT {column} FROM {self.source} WHERE {clause} "  # noqa: S608 (our aliases only)
            f"ORDER BY {column} {direction} LIMIT 1 OFFSET ?"
        )
        return sql, [*self.params, *where_params, rows - 1]

    def bound(self, value: Any) -> None:
        """Keep only rows sorted no later than `value` in the first sort key."""
        name, descending = self.order[0]
        sign = ">=" if descending else "<="
        clause = f"{self._id(name)} {sign} CAST(? AS {self.types[name]})"
        clauses, params = self.where
        self.where = ([*clauses, clause], [*params, value])

    def select(self, limit: int | None) -> tuple[str, list[Any]]:
        query = self.query
        listed = ", ".join(self._id(c) for c in self.columns)
        if self.with_row_id:
            listed += f", file_row_number + 1 AS {self._id(ROW_ID)}"
        sql = f"SELECT {'DISTINCT ' if query.distinct else ''}{listed} FROM {self.source}"  # noqa: S608 (our aliases only)
        params = list(self.params)
        where, where_params = self.where
        if query.after:
            keyset, keyset_params = self._keyset(query.after)
            where = [*where, keyset]
            where_params = [*where_params, *keyset_params]
        if where:
            sql += " WHERE " + " AND ".join(where)
            params += where_params
        order = [f"{self._id(n)} {'DESC' if d else 'ASC'} NULLS LAST" for n, d in self.order]
        if self.with_row_id:
            order.append(self._id(ROW_ID))
        elif query.distinct and not order:
            order = [f"{self._id(c)} NULLS LAST" for c in self.columns]
        if order:
            sql += " ORDER BY " + ", ".join(order)
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        if query.offset and not query.after:
            sql += " OFFSET ?"
            params.append(query.offset)
        return sql, params

    def count(self) -> tuple[str, list[Any]]:
        where, where_params = self.where
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        if self.query.distinct:
            listed = ", ".join(self._id(c) for c in self.columns)
            inner = f"SELECT DISTINCT {listed} FROM {self.source}{clause}"  # noqa: S608 (our aliases only)
            sql = f"SELECT count(*) FROM ({inner})"  # noqa: S608 (our aliases only)
        else:
            sql = f"SELECT count(*) FROM {self.source}{clause}"  # noqa: S608 (our aliases only)
        return sql, [*self.params, *where_params]

    def named(self, table: pa.Table) -> pa.Table:
        """A result with the fields' own names back."""
        names = {alias: name for name, alias in self.alias.items()}
        return table.rename_columns([names[c] for c in table.column_names])

    def named_batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """A batch with the fields' own names and their Parquet types (DuckDB may hand
        back its own Arrow types, such as string views)."""
        names = {alias: name for name, alias in self.alias.items()}
        columns = []
        for alias, column in zip(batch.schema.names, batch.columns, strict=True):
            name = names[alias]
            if name in self.schema.names:
                column = column.cast(self.schema.field(name).type)
            columns.append(column)
        return pa.RecordBatch.from_arrays(columns, names=[names[c] for c in batch.schema.names])

    def cursor(self, page: pa.Table) -> str:
        last = page.slice(page.num_rows - 1).to_pylist()[0]
        values = [json_value(last[name]) for name, _ in self.order] + [last[ROW_ID]]
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    # Parts ----------------------------------------------------------------------------

    def _use_lookup(self, parquet: Path) -> None:
        """Narrow the scan to the rows a value index names (datastore/lookup.py), when a
        filter asks for given values of an indexed field."""
        for item in self.query.filters:
            if item.op not in ("eq", "in") or item.field not in self.schema.names:
                continue
            values = item.value if isinstance(item.value, list | tuple) else [item.value]
            rows = find_rows(parquet, self.schema.names.index(item.field), list(values))
            if rows is None:
                continue
            # The positions are ours (read from the index), never the user's text.
            listed = ", ".join(str(int(row)) for row in rows)
            clause = f"file_row_number IN ({listed})" if listed else "FALSE"
            clauses, params = self.where
            self.where = ([clause, *clauses], params)
            if len(self.query.filters) == 1 and not self.query.q and not self.query.distinct:
                self.total = len(rows)  # the index already counted them
                self.rows = rows
            return

    def _id(self, name: str) -> str:
        return self.alias[name]

    def _known(self, name: str, parameter: str) -> str:
        if name not in self.types:
            raise QueryError(parameter, f'There is no field "{name}" in this table.')
        return name

    def _where(self) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for item in self.query.filters:
            clause, values = self._filter(item)
            clauses.append(clause)
            params += values
        words = self.query.q
        if isinstance(words, str):
            texts = [n for n in self.types if self.types[n] == "VARCHAR"]
            for word in words.split():
                if not texts:
                    raise QueryError("q", "This table has no text fields to search.")
                clauses.append("(" + " OR ".join(_contains(self._id(n)) for n in texts) + ")")
                params += [word] * len(texts)
        else:
            for name, text in words.items():
                self._known(name, "q")
                for word in str(text).split():
                    clauses.append(_contains(self._id(name)))
                    params.append(word)
        return clauses, params

    def _filter(self, item: Filter) -> tuple[str, list[Any]]:
        name = self._known(item.field, "filters")
        column, kind = self._id(name), self.types[name]
        if item.op not in OPERATORS:
            raise QueryError("filters", f'"{item.op}" is not a filter; use one of {OPERATORS}.')
        if item.op == "null":
            return f"{column} IS NULL", []
        if item.op == "notnull":
            return f"{column} IS NOT NULL", []
        if item.op in ("contains", "starts"):
            function = "contains" if item.op == "contains" else "starts_with"
            return f"{function}(lower(CAST({column} AS VARCHAR)), lower(?))", [str(item.value)]
        if item.op == "in":
            values = item.value if isinstance(item.value, list | tuple) else [item.value]
            if not values:
                return "FALSE", []
            marks = ", ".join(f"CAST(? AS {kind})" for _ in values)
            return f"{column} IN ({marks})", [_param(v) for v in values]
        return f"{column} {_COMPARE[item.op]} CAST(? AS {kind})", [_param(item.value)]

    def _keyset(self, cursor: str) -> tuple[str, list[Any]]:
        try:
            values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (ValueError, TypeError):
            raise QueryError("after", "This page cursor is not one we gave out.") from None
        keys = [(n, d, self.types[n]) for n, d in self.order] + [(ROW_ID, False, "BIGINT")]
        if not isinstance(values, list) or len(values) != len(keys):
            raise QueryError("after", "This page cursor was made for another sort order.")
        # Rows after the cursor, with nulls last whichever the direction.
        options: list[str] = []
        params: list[Any] = []
        for position, (name, descending, kind) in enumerate(keys):
            earlier = keys[:position]
            same = [f"{self._id(n)} IS NOT DISTINCT FROM CAST(? AS {k})" for n, _, k in earlier]
            same_params = [_param(v) for v in values[:position]]
            value = values[position]
            if value is None:
                continue  # nothing sorts after a null in this key but later keys decide
            sign = "<" if descending else ">"
            column = self._id(name)
            after = f"({column} {sign} CAST(? AS {kind}) OR {column} IS NULL)"
            options.append("(" + " AND ".join([*same, after]) + ")")
            params += [*same_params, _param(value)]
        return ("(" + " OR ".join(options) + ")" if options else "FALSE"), params


def _contains(column: str) -> str:
    return f"contains(lower({column}), lower(?))"


def _param(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


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


def _duck_types(schema: pa.Schema) -> dict[str, str]:
    """Each column's DuckDB type name, as DuckDB reads it from this Arrow schema."""
    return dict(_described_types(schema.serialize().to_pybytes()))


@functools.lru_cache(maxsize=256)
def _described_types(serialized: bytes) -> tuple[tuple[str, str], ...]:
    schema = pa.ipc.read_schema(pa.py_buffer(serialized))
    with duckdb.connect() as con:
        con.register("empty_table", pa.Table.from_batches([], schema=schema))
        described = con.execute("DESCRIBE SELECT * FROM empty_table").fetchall()
    return tuple((row[0], row[1]) for row in described)


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

    Starting DuckDB costs about 10 ms, so each thread keeps one per folder it has read
    lately (a version's folder never changes once published).
    """

    def __init__(self, parquet: Path) -> None:
        self.folder = os.fspath(parquet.parent) + os.sep

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        cache: dict[str, duckdb.DuckDBPyConnection] = _local.__dict__.setdefault("cache", {})
        con = cache.pop(self.folder, None)
        if con is None:
            con = locked_duckdb(MEMORY_LIMIT, readable=self.folder)
        cache[self.folder] = con  # most recently used last
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


def _fetch_count(con: duckdb.DuckDBPyConnection, plan: _Plan) -> int:
    sql, params = plan.count()
    try:
        rows = con.execute(sql, params).fetchall()
        row = rows[0] if rows else None
    except duckdb.Error as error:
        raise _query_error(error, "filters") from None
    return int(row[0]) if row else 0


def _query_error(error: duckdb.Error, part: str) -> QueryError:
    if isinstance(error, duckdb.ConversionException | duckdb.InvalidInputException):
        text = str(error).split("\n")[0].removeprefix("Conversion Error: ")
        return QueryError(part, f"A filter value does not fit its field: {text}")
    raise error


def _described(table: pa.Table) -> list[tuple[str, str]]:
    return [(f.name, str(f.type)) for f in table.schema]


def json_value(value: Any) -> Any:
    """A value as JSON carries it: dates and times in ISO 8601, NaN and infinities as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value
