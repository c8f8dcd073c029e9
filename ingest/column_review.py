"""The columns of an upload as they would be published, for a volunteer to review in plain
words before publishing (issue: "reviewing the columns"), and their changes as recipe steps.

Each column shows its name, a few real values, what it holds ("whole numbers", "dates like
31/01/2024": schemas/kinds.py), whether it may be empty, whether every value must differ,
and its description. With a schema (a ready one, or the dataset's own), each of the file's
columns also shows the field it was matched to, which the volunteer may correct.

A change is recorded as a schema step of the recipe (field-kind, field-required, ...),
marked "reviewed", and checked at once against the whole file: the page then says how many
values do not fit and which ("12 values in Date do not fit: 31/02/2024, ...").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ingest.sniff import Sniffed
from ingest.validate import validate_file
from schemas.kinds import BY_KEY, kind_of

EXAMPLES = 3  # values shown per column
MISFIT_EXAMPLES = 5
CHECK_ERRORS = 1000  # problems the whole-file check collects before it stops counting
OWN = ""  # a file column matched to none of the schema's fields: kept as it is
LEAVE_OUT = "__leave-out"
_COUNTED = ("type-error", "constraint-error")


def column_table(
    schema: dict[str, Any],
    values: Mapping[str, list[str]],
    mapping: Mapping[str, str] | None = None,
    dropped: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """One entry per column of the table as it would be published (the schema's fields),
    then, with a `mapping` (file column to field, or OWN), the file's columns left out."""
    source_of = {target: column for column, target in (mapping or {}).items() if target}
    rows = []
    for field in schema.get("fields", []):
        name = str(field.get("name", ""))
        examples = list(dict.fromkeys(v for v in values.get(name, []) if v.strip()))[:EXAMPLES]
        kind = kind_of(field, examples)
        constraints = field.get("constraints") or {}
        rows.append(
            {
                "name": name,
                "source": source_of.get(name, name),
                "kind": kind.key,
                "kind_label": kind.label,
                "required": bool(constraints.get("required")),
                "unique": bool(constraints.get("unique")),
                "description": str(field.get("description") or ""),
                "examples": examples,
            }
        )
    for column in dropped:
        rows.append({"name": column, "source": column, "left_out": True, "examples": []})
    return rows


def column_steps(
    shown: list[dict[str, Any]], submitted: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The schema steps for what a volunteer changed: `submitted` holds, by column name,
    the kind, required, unique and description they sent (shown holds what they saw)."""
    steps: list[dict[str, Any]] = []
    for column in shown:
        sent = submitted.get(column["name"])
        if sent is None or column.get("left_out"):
            continue
        name = column["name"]
        kind = BY_KEY.get(str(sent.get("kind")))
        if kind is not None and kind.key != column["kind"]:
            same_reading = (
                BY_KEY.get(column["kind"]) and BY_KEY[column["kind"]].reading == kind.reading
            )
            if not same_reading:  # "text" and "codes" read cells the same way
                steps.append(
                    {
                        "step": "field-kind",
                        "field": name,
                        "label": kind.label,
                        "reading": kind.reading,
                    }
                )
        if bool(sent.get("required")) != column["required"]:
            steps.append(
                {
                    "step": "field-required" if sent.get("required") else "field-optional",
                    "field": name,
                }
            )
        if bool(sent.get("unique")) != column["unique"]:
            steps.append(
                {"step": "field-unique" if sent.get("unique") else "field-repeats", "field": name}
            )
        description = str(sent.get("description") or "").strip()[:2000]
        if description != column["description"]:
            steps.append({"step": "field-description", "field": name, "description": description})
    return [{**step, "reviewed": True} for step in steps]


def mapping_changes(
    shown: list[dict[str, Any]], current: Mapping[str, str], submitted: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """A volunteer's corrections of the match of the file's columns to the schema's fields
    (file column to field, or OWN), and the file's columns they chose to leave out."""
    changed, leave_out = {}, []
    for row in shown:
        column = row["source"]
        sent = submitted.get(column)
        if sent is None:
            continue
        if sent == LEAVE_OUT:
            leave_out.append(column)
            sent = OWN
        if sent != current.get(column, OWN):
            changed[column] = sent
    return changed, sorted(set(leave_out))


def check_columns(
    prepared: Path, schema: dict[str, Any], columns: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The columns with what does not fit them in the whole prepared table: each gets
    `misfit` {count, more, examples: [(row, value)]} where any value does not fit."""
    report = validate_file(prepared, schema, Sniffed("utf-8", ",", "\n"), limit_errors=CHECK_ERRORS)
    found: dict[str, dict[str, Any]] = {}
    errors = [e for task in report.get("tasks") or [] for e in task.get("errors") or []]
    for error in errors:
        if error.get("type") not in _COUNTED or not error.get("fieldName"):
            continue
        misfit = found.setdefault(error["fieldName"], {"count": 0, "examples": []})
        misfit["count"] += 1
        value = str(error.get("cell", ""))[:200]
        seen = {v for _, v in misfit["examples"]}
        if len(misfit["examples"]) < MISFIT_EXAMPLES and value not in seen:  # different ones
            misfit["examples"].append([error.get("rowNumber"), value])
    more = len(errors) >= CHECK_ERRORS
    return [
        {**c, "misfit": {**found[c["name"]], "more": more}} if c["name"] in found else c
        for c in columns
    ]
