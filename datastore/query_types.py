"""What a query asks of one table (Query, its Filters, the ROW_ID it may name, the filter
OPERATORS) and what it answers (Result), as plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from datastore.json_values import json_value

ROW_ID = "_id"  # 1-based position of a row in its file: CKAN's _id, and the keyset tiebreak
OPERATORS = (
    "eq",
    "ieq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "in",
    "contains",
    "starts",
    "null",
    "notnull",
)


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
