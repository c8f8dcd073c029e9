"""What a column holds, in plain words, and the Table Schema field parts that read it: the
choices a volunteer has on the column review page ("whole numbers", "money in £", "dates
like 31/01/2024", ...), never a type name or a strftime code.

kind_of() names the kind a field already is; reading_of() gives the field parts for a
kind. A field whose kind is not one of these (a geopoint, a date in an unusual form) is
shown as what it is and kept as it is unless the volunteer picks another kind.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

# The parts of a field that say how its cells are read; changing the kind replaces them.
READING_KEYS = ("type", "format", "groupChar", "decimalChar", "bareNumber")
_YES = ["true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y"]
_NO = ["false", "False", "FALSE", "no", "No", "NO", "n", "N"]
# Letters, then the first digit: written [0-9A-Za-z]*[0-9], the first run could end at any
# digit, so a long run of digits with a stray mark after it took quadratic time (100 kB: >20 s).
_CODE = re.compile(r"^[A-Za-z]*[0-9][0-9A-Za-z-]*$")


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    reading: dict[str, Any]  # the field parts, without the name


_DATE_FORMS = ("%d/%m/%Y", "%d/%m/%y", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y", "%m/%d/%Y")


def _example(form: str) -> str:
    return dt.date(2024, 1, 31).strftime(form)


KINDS: tuple[Kind, ...] = (
    Kind("text", "text", {"type": "string"}),
    Kind("codes", "codes (kept as text, leading zeros kept)", {"type": "string"}),
    Kind("whole", "whole numbers", {"type": "integer"}),
    Kind("decimal", "numbers with decimals", {"type": "number"}),
    Kind(
        "grouped",
        "numbers with thousands separators (1,234.5)",
        {"type": "number", "groupChar": ","},
    ),
    Kind(
        "money", "money in £ (£1,234.50)", {"type": "number", "groupChar": ",", "bareNumber": False}
    ),
    Kind("percent", "percentages (12.5%)", {"type": "number", "bareNumber": False}),
    Kind("date-iso", "dates like 2024-01-31", {"type": "date"}),
    *(
        Kind(f"date:{form}", f"dates like {_example(form)}", {"type": "date", "format": form})
        for form in _DATE_FORMS
    ),
    Kind("datetime", "dates and times like 2024-01-31T13:45:00", {"type": "datetime"}),
    Kind("time", "times of day like 13:45:00", {"type": "time"}),
    Kind("boolean", "yes or no", {"type": "boolean", "trueValues": _YES, "falseValues": _NO}),
    Kind("year", "years like 2024", {"type": "year"}),
)
BY_KEY = {kind.key: kind for kind in KINDS}


def kind_of(field: dict[str, Any], examples: list[str] | tuple[str, ...] = ()) -> Kind:
    """The kind a field is, in plain words (its own, when it is none of KINDS)."""
    kind = field.get("type", "string")
    form = field.get("format")
    if kind == "string":
        codes = examples and all(_CODE.match(value) for value in examples)
        return BY_KEY["codes" if codes else "text"]
    if kind == "integer":
        return BY_KEY["whole"]
    if kind == "number":
        if field.get("bareNumber") is False:
            return BY_KEY["money" if field.get("groupChar") else "percent"]
        return BY_KEY["grouped" if field.get("groupChar") else "decimal"]
    if kind == "date":
        if not form or form in ("default", "%Y-%m-%d"):
            return BY_KEY["date-iso"]
        if f"date:{form}" in BY_KEY:
            return BY_KEY[f"date:{form}"]
        if "%" in str(form):
            return Kind(
                f"date:{form}",
                f"dates like {_example(str(form))}",
                {"type": "date", "format": form},
            )
    if kind in ("datetime", "time", "year", "boolean") and not form:
        return BY_KEY[kind]
    reading = {key: field[key] for key in READING_KEYS if key in field}
    return Kind("as-is", f"as it is now ({kind}{', ' + str(form) if form else ''})", reading)


def choices_for(field: dict[str, Any], examples: list[str] | tuple[str, ...] = ()) -> list[Kind]:
    """The kinds to offer for a field: its own first when it is none of KINDS."""
    own = kind_of(field, examples)
    return list(KINDS) if own.key in BY_KEY else [own, *KINDS]


def with_kind(field: dict[str, Any], reading: dict[str, Any]) -> dict[str, Any]:
    """The field read as `reading` (a copy): its old reading parts replaced."""
    kept = {k: v for k, v in field.items() if k not in (*READING_KEYS, "trueValues", "falseValues")}
    return {**kept, **reading}
