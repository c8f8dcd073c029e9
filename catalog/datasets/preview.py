"""The dataset page's table preview: paged, sorted and filtered on the server, from plain
query-string parameters, so it works without JavaScript.

    ?q=words            rows containing every word in some text field
    ?field=&op=&value=  one filter (op: one of OPERATOR_LABELS)
    ?sort=name | -name  sort by a field, "-" for descending
    ?columns=a&columns=b  the columns shown (all when none is given)
    ?offset=N           the first row shown

The view it answers with carries `download`: the same view as datastore_search's
parameters (filters, q, sort, fields), which the table downloads take, so every download
link of a view gives exactly the rows and columns the preview counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from catalog.datasets.cells import cell_texts, numeric_columns
from catalog.errors import BadParameter
from catalog.params import parse_int, parse_words
from datastore.query import (
    ROW_ID,
    Filter,
    Query,
    QueryError,
    QueryLimits,
    output_schema,
    run_query,
    types_of,
)

OPERATOR_LABELS = {
    "eq": "is",
    "ieq": "is, ignoring case",
    "ne": "is not",
    "contains": "contains",
    "starts": "starts with",
    "gt": "is more than",
    "ge": "is at least",
    "lt": "is less than",
    "le": "is at most",
    "null": "is empty",
    "notnull": "is not empty",
}
PARAMETERS = ("q", "field", "op", "value", "sort")
MAX_COLUMNS = 1000  # columns named in one view; a table has no more than this is worth


def preview_table(
    parquet: Path,
    args: Mapping[str, Any],
    limit: int,
    limits: QueryLimits,
    field_types: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One page of the table as the page shows it, with the view's parameters echoed back.

    A view the table cannot answer (a value that does not fit its field, say) shows the
    first page unfiltered with the problem said in words, rather than an error page; the
    view is still echoed, so the form keeps what was typed. `field_types` are the Table
    Schema types of the fields, which say how each cell is written (catalog/datasets/cells.py).
    """
    view: dict[str, Any] = {name: str(args.get(name, "") or "")[:1000] for name in PARAMETERS}
    view["columns"] = _chosen(args)
    offset = parse_int(args, "offset", 0)
    error = ""
    names = output_schema(parquet).names
    if set(view["columns"]) >= set(names):
        view["columns"] = []  # every column chosen is the whole table
    try:
        query = _query(view, limit, offset, names)
        result = run_query(parquet, query, limits)
    except QueryError as problem:
        error = problem.message
        query = Query(limit=limit)
        result = run_query(parquet, query, limits)
        offset = 0
    records = result.records()
    ignoring_case = 0  # rows "is, ignoring case" would find when "is" found none
    text = view["field"] and types_of(parquet).get(view["field"]) == "VARCHAR"
    if not error and not result.total and text and view["op"] in ("", "eq"):
        loose = Query(filters=(Filter(view["field"], "ieq", view["value"]),), limit=0)
        ignoring_case = run_query(parquet, loose, limits).total or 0
    columns = [name for name, _ in result.fields if name != ROW_ID]
    rows = [[row[c] for c in columns] for row in records]
    types = dict(result.fields)
    return {
        "columns": columns,
        "all_columns": names,
        "types": types,
        "rows": rows,
        "cells": cell_texts(columns, rows, types, field_types or {}),
        "numeric": numeric_columns(columns, types),
        "row_ids": [row.get(ROW_ID) for row in records],
        "offset": offset,
        "total": result.total or 0,
        "limit": limit,
        "view": view,
        "filtered": bool(not error and (view["q"] or view["field"])),
        "ignoring_case": ignoring_case,
        "shaped": bool(not error and (query.filters or query.q or query.sort or query.fields)),
        "download": {} if error else download_parameters(query),
        "error": error,
        "operators": OPERATOR_LABELS,
    }


def download_parameters(query: Query) -> dict[str, str]:
    """The view as datastore_search's parameters, as the table downloads take them."""
    found: dict[str, str] = {}
    if query.filters:
        filters: dict[str, dict[str, Any]] = {}
        for item in query.filters:
            filters.setdefault(item.field, {})[item.op] = item.value
        found["filters"] = json.dumps(filters, ensure_ascii=False)
    if query.q:
        found["q"] = query.q if isinstance(query.q, str) else json.dumps(query.q)
    if query.sort:
        found["sort"] = _listed([f"{name} {'desc' if d else 'asc'}" for name, d in query.sort])
    fields = [name for name in query.fields if name != ROW_ID]
    if fields:
        found["fields"] = _listed(fields)
    return found


def _listed(names: list[str]) -> str:
    """Names joined by commas, or a JSON list when a name holds a comma (or looks like JSON)."""
    if any("," in name for name in names) or names[0].lstrip()[:1] in ("[", "{"):
        return json.dumps(names, ensure_ascii=False)
    return ",".join(names)


def _chosen(args: Mapping[str, Any]) -> list[str]:
    getlist = getattr(args, "getlist", None)
    values = getlist("columns") if getlist else [args.get("columns", "")]
    return [str(v) for v in values if v][:MAX_COLUMNS]


def _query(view: dict[str, Any], limit: int, offset: int, names: list[str]) -> Query:
    filters: tuple[Filter, ...] = ()
    if view["field"]:
        op = view["op"] or "eq"
        if op not in OPERATOR_LABELS:
            choices = ", ".join(OPERATOR_LABELS)
            raise QueryError("op", f'"{op}" is not a way to filter here: use one of {choices}.')
        if op not in ("null", "notnull") and not view["value"]:
            raise QueryError("value", f'Give a value for "{view["field"]}" to be compared with.')
        filters = (Filter(view["field"], op, view["value"]),)
    sort: tuple[tuple[str, bool], ...] = ()
    if view["sort"]:
        name = view["sort"].removeprefix("-")
        sort = ((name, view["sort"].startswith("-")),)
    fields: tuple[str, ...] = ()
    if view["columns"]:
        chosen = set(view["columns"])
        for name in chosen - set(names):
            raise QueryError("columns", f'There is no column "{name}" in this table.')
        chosen |= {name for name, _ in sort}  # the column sorted by is shown too
        fields = (*[name for name in names if name in chosen], ROW_ID)  # with the row "#"
    try:
        q = parse_words(view["q"])
    except BadParameter as problem:
        raise QueryError("q", problem.message) from None
    return Query(filters=filters, q=q, sort=sort, fields=fields, limit=limit, offset=offset)


def view_query(args: Mapping[str, str]) -> Query:
    """The rows the preview's view asks for (its filters and words), unsorted and unpaged:
    what the dataset page's charts draw. A view it cannot read raises QueryError, as the
    preview's own reading of it does."""
    view: dict[str, Any] = {name: str(args.get(name, "") or "") for name in PARAMETERS}
    view["columns"] = []  # a chart draws its own columns
    query = _query(view, 0, 0, [])
    return Query(filters=query.filters, q=query.q)
