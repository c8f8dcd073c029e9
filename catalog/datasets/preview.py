"""The dataset page's table preview: paged, sorted and filtered on the server, from plain
query-string parameters, so it works without JavaScript.

    ?q=words            rows containing every word in some text field
    ?field=&op=&value=  one filter (op: one of OPERATOR_LABELS)
    ?sort=name | -name  sort by a field, "-" for descending
    ?offset=N           the first row shown
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from catalog.params import parse_int
from datastore.query import ROW_ID, Filter, Query, QueryError, QueryLimits, run_query

OPERATOR_LABELS = {
    "eq": "is",
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


def preview_table(
    parquet: Path, args: Mapping[str, str], limit: int, limits: QueryLimits
) -> dict[str, Any]:
    """One page of the table as the page shows it, with the view's parameters echoed back.

    A view the table cannot answer (a value that does not fit its field, say) shows the
    first page unfiltered with the problem said in words, rather than an error page.
    """
    view = {name: str(args.get(name, "") or "") for name in PARAMETERS}
    offset = parse_int(args, "offset", 0)
    error = ""
    try:
        result = run_query(parquet, _query(view, limit, offset), limits)
    except QueryError as problem:
        error = problem.message
        result = run_query(parquet, Query(limit=limit), limits)
        offset = 0
    records = result.records()
    columns = [name for name, _ in result.fields if name != ROW_ID]
    return {
        "columns": columns,
        "types": {name: kind for name, kind in result.fields},
        "rows": [[row[c] for c in columns] for row in records],
        "row_ids": [row.get(ROW_ID) for row in records],
        "offset": offset,
        "total": result.total or 0,
        "limit": limit,
        "view": view,
        "filtered": bool(view["q"] or view["field"]),
        "error": error,
        "operators": OPERATOR_LABELS,
    }


def _query(view: dict[str, str], limit: int, offset: int) -> Query:
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
    return Query(filters=filters, q=view["q"], sort=sort, limit=limit, offset=offset)


def view_query(args: Mapping[str, str]) -> Query:
    """The rows the preview's view asks for (its filters and words), unsorted and unpaged:
    what the dataset page's charts draw. A view it cannot read raises QueryError, as the
    preview's own reading of it does."""
    view = {name: str(args.get(name, "") or "") for name in PARAMETERS}
    query = _query(view, 0, 0)
    return Query(filters=query.filters, q=query.q)
