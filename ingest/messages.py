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
_TYPE_NOTE = re.compile(r'type is "(\w+)/(.*)"', re.S)


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    """Every error code with its title, what-is-wrong template and how-to-fix template, and
    for a group of such errors a summary (one, several) and how to fix them all."""
    text = (resources.files("ingest") / "messages.json").read_text(encoding="utf-8")
    value: dict[str, dict[str, Any]] = json.loads(text)
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
        key = schema.get("primaryKey") or []
        names = [key] if isinstance(key, str) else key  # a one-field key may be a string
        values["keyFields"] = ", ".join(f'"{n}"' for n in names)
    formatter = _Lenient()
    return {
        "title": entry["title"],
        "message": formatter.format(entry["what"], **values),
        "fix": formatter.format(entry["fix"], **values),
    }


# What a value of each type (or string format) is, in words: one, and several.
_NOUNS = {
    "date": ("a date", "dates"),
    "datetime": ("a date and time", "dates and times"),
    "time": ("a time", "times"),
    "integer": ("a whole number", "whole numbers"),
    "number": ("a number", "numbers"),
    "boolean": ("yes or no", "yes or no"),
    "year": ("a year", "years"),
    "yearmonth": ("a year and month", "years and months"),
    "duration": ("a duration", "durations"),
    "geopoint": ("a point", "points"),
    "object": ("a JSON object", "JSON objects"),
    "array": ("a JSON list", "JSON lists"),
    "email": ("an email address", "email addresses"),
    "uri": ("a web address", "web addresses"),
    "uuid": ("a UUID", "UUIDs"),
}
_EXAMPLES = {
    "integer": " (for example 42)",
    "year": " (for example 2024)",
    "yearmonth": " (for example 2024-01)",
    "duration": " (for example P1Y2M for one year and two months)",
    "geopoint": ' (for example "-0.12,51.50" for longitude,latitude)',
    "object": ' (for example {"a": 1})',
    "array": " (for example [1, 2])",
    "email": " (for example name@example.org)",
    "uri": " (for example https://example.org/page)",
}


def describe_group(error: dict[str, Any], count: int) -> dict[str, str]:
    """A summary of `count` errors of one kind (and column) like `error`, and how to fix them
    all: "87 values are not dates like 31/01/2024". The field's type and format come from
    the error's own note, which says what was checked."""
    code = error.get("type", "other")
    entry = catalogue().get(code) or catalogue()["other"]
    many = count != 1
    values = dict(error)
    values["count"] = f"{count:,}"
    templates = entry.get("group") or [entry["title"], entry["title"] + " ({count} times)"]
    note = str(error.get("note") or "")
    if code == "type-error":
        match = _TYPE_NOTE.fullmatch(note)
        field = {"type": match[1], "format": match[2]} if match else None
        values["expected"], _ = expected_value(field, plural=many)
        fix_values = {**values, "expected": "", "example": ""}
        fix_values["expected"], fix_values["example"] = expected_value(field)
    else:
        if code == "constraint-error":
            name, values["limit"] = broken_constraint(note)
            templates = entry.get("groupRules", {}).get(name) or templates
        fix_values = values
    formatter = _Lenient()
    return {
        "summary": formatter.format(templates[many], **values),
        "fix": formatter.format(entry.get("groupFix") or entry["fix"], **fix_values),
    }


def expected_value(field: dict[str, Any] | None, plural: bool = False) -> tuple[str, str]:
    """What a field's values look like, in words, and an example (", like ..."): "a date
    like 31/01/2024", never the format's codes (%d/%m/%Y). `plural`: "dates like ..."."""
    field = field or {}
    kind = field.get("type", "string")
    fmt = field.get("format", "default")
    if kind in ("date", "datetime", "time"):
        noun = _NOUNS[kind][plural]
        if fmt == "any":
            return noun, ""
        if fmt == "default" or not isinstance(fmt, str):
            iso = {"date": "2024-01-31", "datetime": "2024-01-31T14:30:00", "time": "14:30:00"}
            return f"{noun} written as {iso[kind]}", ""
        if "%" not in fmt:  # not a pattern at all (the schema's warnings say so)
            return f"{noun} in the form {fmt}", ""
        try:
            example = dt.datetime(2024, 1, 31, 14, 30, 0).strftime(fmt)
        except ValueError:
            return noun, ""
        return f"{noun} like {example}", ""
    if kind == "number":
        group, decimal = field.get("groupChar", ""), field.get("decimalChar", ".")
        return _NOUNS[kind][plural], f" (for example 1{group}234{decimal}56)"
    if kind == "boolean":
        values = field.get("trueValues", ["true", "True", "TRUE", "1"]) + field.get(
            "falseValues", ["false", "False", "FALSE", "0"]
        )
        return "yes or no", f", one of: {', '.join(values)}"
    if kind in _NOUNS:
        return _NOUNS[kind][plural], _EXAMPLES.get(kind, "")
    if fmt in _NOUNS:
        return _NOUNS[fmt][plural], _EXAMPLES.get(fmt, "")
    return (f"valid {kind} values" if plural else f"a valid {kind}"), ""


def constraint_rule(note: str, cell: Any) -> str:
    """The broken rule, from frictionless's note 'constraint "X" is "Y"'."""
    name, limit = broken_constraint(note)
    if not name:
        return note
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


def broken_constraint(note: str) -> tuple[str, str]:
    """The constraint an error broke and its limit ("maximum", "100"), from frictionless's
    note 'constraint "maximum" is "100"'; ("", "") if the note says none."""
    match = _CONSTRAINT_NOTE.search(note)
    return (match[1], match[2]) if match else ("", "")


def _field(schema: dict[str, Any] | None, name: Any) -> dict[str, Any] | None:
    if not schema or name is None:
        return None
    for field in schema.get("fields", []):
        if field.get("name") == name:
            return dict(field)
    return None
