"""A query's view in words fit for a file name: `price-all-gt-200000`, `q-wales`,
`sorted-by-date-desc`, `columns-date-price-all`.

Each part is lower case, its runs of other characters made "-"; thousands separators and
pound signs go from values first, so "£200,000" is `200000`. Empty for a whole table.
A download's file name is then `<dataset>-v<n>-<view>.<extension>`, cut to a length a
file system takes (datastore/downloads.py's safe_filename).
"""

from __future__ import annotations

import re
from typing import Any

from datastore.query_types import Query

_OPS = {
    "eq": "is",
    "ieq": "is-any-case",
    "ne": "not",
    "lt": "lt",
    "le": "le",
    "gt": "gt",
    "ge": "ge",
    "in": "in",
    "contains": "contains",
    "starts": "starts",
    "null": "empty",
    "notnull": "not-empty",
}
_OTHER = re.compile(r"[^a-z0-9]+")
_LENGTH = 80  # of the view's part; the name keeps the dataset, version and extension


def view_name(query: Query) -> str:
    """The view `query` asks for, as a short slug ("" for every row and column)."""
    parts: list[str] = []
    for item in query.filters:
        parts += [item.field, _OPS.get(item.op, item.op)]
        if item.op not in ("null", "notnull"):
            values = item.value if isinstance(item.value, list | tuple) else [item.value]
            parts += [_value(v) for v in values]
    if isinstance(query.q, str) and query.q:
        parts += ["q", query.q]
    elif isinstance(query.q, dict):
        for name, words in query.q.items():
            parts += ["q", name, words]
    for position, (name, descending) in enumerate(query.sort):
        parts += ["sorted-by" if position == 0 else "then", name, "desc" if descending else ""]
    if query.fields:
        parts += ["columns", *query.fields]
    if query.distinct:
        parts.append("distinct")
    if query.offset:
        parts += ["from", str(query.offset + 1)]
    if query.limit > 0:
        parts += [str(query.limit), "rows"]
    slug = "-".join(p for p in (_OTHER.sub("-", part.lower()).strip("-") for part in parts) if p)
    return slug[:_LENGTH].rstrip("-")


def _value(value: Any) -> str:
    text = str(value)
    if re.fullmatch(r"\s*[-+]?\s*£?\s*[\d,]+(\.\d+)?\s*", text):
        text = text.replace(",", "").replace("£", "")
    return text
