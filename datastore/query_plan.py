"""The SQL of one query over one version's Parquet file, as DuckDB runs it.

The SQL is ours: column names come from the file's own schema (a name the file lacks is a
QueryError, never SQL) and are aliased c0, c1, ...; every value is a bound parameter. A
plan also narrows the scan to the rows a value index names (datastore/lookup.py), finds a
sorted page's bound with a cheap top-N first, and makes and reads keyset page cursors.
"""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from datastore.errors import QueryError
from datastore.json_values import json_value
from datastore.lookup import find_rows
from datastore.query_types import OPERATORS, ROW_ID, Filter, Query
from datastore.query_values import read_value

# "ieq" is "eq" ignoring case: on text; other columns have no case to ignore.
_COMPARE = {"ieq": "=", "eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class Plan:
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
        self.types = duck_types(schema)
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

    @property
    def ordered(self) -> bool:
        """Whether select() has an ORDER BY (so its rows need no insertion order kept)."""
        return bool(self.order or self.with_row_id or self.query.distinct)

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
            kind = self.types[item.field]
            values = [read_value(item.field, kind, item.op, v) for v in values]  # as typed
            rows = find_rows(parquet, self.schema.names.index(item.field), values)
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
                column = self._id(name)
                if self.types[name] != "VARCHAR":  # a number or a date: its written form
                    column = f"CAST({column} AS VARCHAR)"
                for word in str(text).split():
                    clauses.append(_contains(column))
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
        if item.op == "ieq" and kind == "VARCHAR":
            return f"lower({column}) = lower(?)", [str(item.value)]
        if item.op == "in":
            values = item.value if isinstance(item.value, list | tuple) else [item.value]
            if not values:
                return "FALSE", []
            marks = ", ".join(f"CAST(? AS {kind})" for _ in values)
            return f"{column} IN ({marks})", [read_value(name, kind, "in", v) for v in values]
        value = read_value(name, kind, item.op, item.value)
        return f"{column} {_COMPARE[item.op]} CAST(? AS {kind})", [value]

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


def duck_types(schema: pa.Schema) -> dict[str, str]:
    """Each column's DuckDB type name, as DuckDB reads it from this Arrow schema."""
    return dict(_described_types(schema.serialize().to_pybytes()))


@functools.lru_cache(maxsize=256)
def _described_types(serialized: bytes) -> tuple[tuple[str, str], ...]:
    schema = pa.ipc.read_schema(pa.py_buffer(serialized))
    with duckdb.connect() as con:
        con.register("empty_table", pa.Table.from_batches([], schema=schema))
        described = con.execute("DESCRIBE SELECT * FROM empty_table").fetchall()
    return tuple((row[0], row[1]) for row in described)
