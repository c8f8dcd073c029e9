"""Plain-English messages for validation errors, from the catalogue in messages.json.

The web page, the API and the CLI all show these, so a volunteer reads the same words
wherever the error reaches them: a title, what is wrong here, and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from functools import cache
from importlib import resources
from typing import Any

_CONSTRAINT_NOTE = re.compile(r'constraint "(\w+)" is "(.*)"', re.S)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every error code with its title, what-is-wrong template and how-to-fix template."""
    text = (resources.files("ingest") / "messages.json").read_text(encoding="utf-8")
    value: dict[str, dict[str, str]] = json.loads(text)
    return value


class _Lenient(string.Formatter):
    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        value = kwargs.get(key)
        return "" if value is None else value


def describe(
    error: dict[str, Any], schema: dict[str, Any] | None = None, encoding: str = ""
) -> dict[str, str]:
    """Title, message and fix for one error in frictionless's report shape."""
    code = error.get("type", "other")
    entry = catalogue().get(code) or catalogue()["other"]
    values = dict(error)
    values["note"] = (error.get("note") or error.get("message") or "").rstrip(".")
    if "foreign keys to other resources" in values["note"]:
        # frictionless's note here carries an unfilled "{fk}" placeholder
        values["note"] = (
            "The schema has a foreign key to another table, and this site checks one "
            "table at a time: remove the foreignKeys entry that names another resource "
            "from the schema, and upload the file again"
        )
    values["encoding"] = encoding or "text"
    field = _field(schema, error.get("fieldName"))
    if code == "type-error":
        values["expected"], values["example"] = expected_value(field)
    elif code == "constraint-error":
        values["rule"] = constraint_rule(values["note"], error.get("cell"))
    elif code == "primary-key" and schema:
        values["keyFields"] = ", ".join(f'"{n}"' for n in schema.get("primaryKey", []))
    formatter = _Lenient()
    return {
        "title": entry["title"],
        "message": formatter.format(entry["what"], **values),
        "fix": formatter.format(entry["fix"], **values),
    }


def expected_value(field: dict[str, Any] | None) -> tuple[str, str]:
    """What a field's values look like, in words, and an example (", like ...")."""
    field = field or {}
    kind = field.get("type", "string")
    fmt = field.get("format", "default")
    sample_date = dt.datetime(2024, 1, 31, 14, 30, 0)
    if kind in ("date", "datetime", "time"):
        noun = {"date": "a date", "datetime": "a date and time", "time": "a time"}[kind]
        if fmt == "any":
            return noun, ""
        if fmt == "default" or not isinstance(fmt, str):
            iso = {"date": "2024-01-31", "datetime": "2024-01-31T14:30:00", "time": "14:30:00"}
            return f"{noun} written as {iso[kind]}", ""
        try:
            example = sample_date.strftime(fmt)
        except ValueError:
            example = fmt
        return f"{noun} in the form {fmt}", f" (for example {example})"
    if kind == "integer":
        return "a whole number", " (for example 42)"
    if kind == "number":
        group, decimal = field.get("groupChar", ""), field.get("decimalChar", ".")
        example = f"1{group}234{decimal}56"
        return "a number", f" (for example {example})"
    if kind == "boolean":
        values = field.get("trueValues", ["true", "True", "TRUE", "1"]) + field.get(
            "falseValues", ["false", "False", "FALSE", "0"]
        )
        return "yes or no", f", one of: {', '.join(values)}"
    words = {
        "year": ("a year", " (for example 2024)"),
        "yearmonth": ("a year and month", " (for example 2024-01)"),
        "duration": ("a duration", " (for example P1Y2M for one year and two months)"),
        "geopoint": ("a point", ' (for example "-0.12,51.50" for longitude,latitude)'),
        "object": ("a JSON object", ' (for example {"a": 1})'),
        "array": ("a JSON list", " (for example [1, 2])"),
    }
    if kind in words:
        return words[kind]
    formats = {
        "email": ("an email address", " (for example name@example.org)"),
        "uri": ("a web address", " (for example https://example.org/page)"),
        "uuid": ("a UUID", ""),
    }
    return formats.get(fmt, (f"a valid {kind}", ""))


def constraint_rule(note: str, cell: Any) -> str:
    """The broken rule, from frictionless's note 'constraint "X" is "Y"'."""
    match = _CONSTRAINT_NOTE.search(note)
    if not match:
        return note
    name, limit = match.groups()
    value = f'"{cell}"'
    rules = {
        "required": "this column must have a value, but the cell is empty.",
        "unique": f"{value} appears more than once, but each value must be different.",
        "enum": f"{value} is not one of the allowed values: {limit}.",
        "minimum": f"{value} is less than the minimum, {limit}.",
        "maximum": f"{value} is more than the maximum, {limit}.",
        "exclusiveMinimum": f"{value} must be more than {limit}.",
        "exclusiveMaximum": f"{value} must be less than {limit}.",
        "minLength": f"{value} is shorter than {limit} characters.",
        "maxLength": f"{value} is longer than {limit} characters.",
        "pattern": f"{value} does not have the expected form (the pattern {limit}).",
    }
    return rules.get(name, note)


def _field(schema: dict[str, Any] | None, name: Any) -> dict[str, Any] | None:
    if not schema or name is None:
        return None
    for field in schema.get("fields", []):
        if field.get("name") == name:
            return dict(field)
    return None
