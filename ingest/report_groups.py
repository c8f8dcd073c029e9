"""A report's problems grouped by kind: one group per kind of error and column ("Date: 87
values are not dates like 31/01/2024"), its fix said once, and a few of its rows as examples
with the bad cell marked, instead of one line per error.

Plain data in and out, for the report page and the CLI alike: a report in frictionless's
shape with our messages (ingest/validate.py: finish_report) becomes a list of dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.messages import broken_constraint, describe_group

MAX_EXAMPLES = 5  # example rows (or messages) kept for each group
MAX_TEXT = 200  # characters of a cell or column name shown in an example
MAX_MESSAGE = 400  # characters of an example's message
MAX_COLUMNS = 9  # columns of an example table, around the marked one


def group_errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's errors in groups, in the order each kind first appears.

    A cell's errors (a row and a column) are grouped by type and column, and constraint
    errors by the rule broken too (an empty required cell and a value over the maximum are
    put right differently); every other error (the header's, a whole row's, the file's) by
    its type alone. Each group: type, field and fieldNumber (None for a group by type), count,
    title, heading, fix, unit ("row", "column" or "problem"), examples (at most
    MAX_EXAMPLES: row, message, cells), columns (the example table's; empty when the
    examples are messages instead), marked (whether a cell of the examples is marked) and
    more (errors not shown).
    """
    groups: dict[tuple[Any, ...], _Group] = {}
    for error, labels in _errors(report):
        key = group_key(error)
        if key not in groups:
            groups[key] = _Group(error, labels, by_column=len(key) > 1)
        groups[key].add(error)
    return [group.finish() for group in groups.values()]


def group_key(error: dict[str, Any]) -> tuple[Any, ...]:
    """What an error is grouped by: (type, field number, field name, rule) for a cell's
    error, (type,) for any other."""
    code = error.get("type", "other")
    if error.get("rowNumber") is None or error.get("fieldNumber") is None:
        return (code,)
    rule = broken_constraint(str(error.get("note") or ""))[0] if code == "constraint-error" else ""
    return (code, error["fieldNumber"], error.get("fieldName") or "", rule)


def _errors(report: dict[str, Any]) -> list[tuple[dict[str, Any], list[Any]]]:
    """Every error with its table's column names (the tasks' errors, then the report's)."""
    found: list[tuple[dict[str, Any], list[Any]]] = []
    for task in report.get("tasks") or []:
        labels = list(task.get("labels") or [])
        found.extend((error, labels) for error in task.get("errors") or [])
    found.extend((error, []) for error in report.get("errors") or [])
    return found


@dataclass
class _Group:
    first: dict[str, Any]
    labels: list[Any]
    by_column: bool
    count: int = 0
    fix: str = ""  # the errors' own fix, while every error of the group has the same
    same_fix: bool = True
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, error: dict[str, Any]) -> None:
        self.count += 1
        fix = str(error.get("fix") or "")
        if self.count == 1:
            self.fix = fix
        elif fix != self.fix:
            self.same_fix = False
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(self._example(error))

    def _example(self, error: dict[str, Any]) -> dict[str, Any]:
        cells: list[Any] | None = None
        if isinstance(error.get("cells"), list) and error.get("type") != "blank-row":
            cells = error["cells"]
            if error.get("type") == "missing-cell":  # the row stops before this cell
                cells = cells[: max(0, int(error.get("fieldNumber") or 1) - 1)]
        return {
            "row": error.get("rowNumber"),
            "message": _short(error.get("message"), MAX_MESSAGE),
            "cells": None if cells is None else [_short(cell) for cell in cells],
            "marked": self._marked(error),
        }

    def _marked(self, error: dict[str, Any]) -> set[int]:
        """The positions (from 0) of the cells the error is about."""
        if isinstance(error.get("fieldNumber"), int) and error["fieldNumber"] > 0:
            return {error["fieldNumber"] - 1}
        names = error.get("fieldNames") or []
        return {i for i, label in enumerate(self.labels) if label in names}

    def finish(self) -> dict[str, Any]:
        words = describe_group(self.first, self.count)
        name = self.first.get("fieldName") or f"Column {self.first.get('fieldNumber')}"
        tabled = bool(self.examples) and all(x["cells"] is not None for x in self.examples)
        columns = self._columns() if tabled else []
        examples = [self._shown(x, columns) for x in self.examples]
        return {
            "type": self.first.get("type", "other"),
            "field": self.first.get("fieldName") if self.by_column else None,
            "fieldNumber": self.first.get("fieldNumber") if self.by_column else None,
            "count": self.count,
            "title": self.first.get("title", ""),
            "heading": f"{name}: {words['summary']}" if self.by_column else words["summary"],
            "fix": self.fix if self.same_fix and self.fix else words["fix"],
            "unit": self._unit(),
            "columns": columns,
            "examples": examples,
            "marked": any(cell["bad"] for x in examples for cell in x["cells"]),
            "more": self.count - len(examples),
        }

    def _unit(self) -> str:
        if self.first.get("rowNumber") is not None:
            return "row"
        return "column" if self.first.get("rowNumbers") else "problem"

    def _columns(self) -> list[dict[str, Any]]:
        """The example table's columns: all of them, or MAX_COLUMNS around the marked one."""
        marked = [i for x in self.examples for i in x["marked"]]
        width = max([len(self.labels), *(len(x["cells"]) for x in self.examples)])
        width = max([width, *(i + 1 for i in marked)])
        centre = min(marked) if marked else 0
        start = max(0, min(centre - MAX_COLUMNS // 2, width - MAX_COLUMNS))
        return [
            {"number": i + 1, "label": _short(self.labels[i]) if i < len(self.labels) else ""}
            for i in range(start, min(width, start + MAX_COLUMNS))
        ]

    @staticmethod
    def _shown(example: dict[str, Any], columns: list[dict[str, Any]]) -> dict[str, Any]:
        """An example as the page shows it: its cells in the table's columns (None where
        the row has no cell), each marked bad or not."""
        cells = example["cells"] or []
        return {
            "row": example["row"],
            "message": example["message"],
            "cells": [
                {
                    "value": cells[c["number"] - 1] if c["number"] <= len(cells) else None,
                    "bad": c["number"] - 1 in example["marked"],
                }
                for c in columns
            ],
        }


def _short(value: Any, limit: int = MAX_TEXT) -> str:
    """A cell's text, cut to `limit` characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
