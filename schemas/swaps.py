"""Columns whose values say they are swapped: the names line up, the contents do not.

A column matched to a number field in which no value is a number, beside a column matched
to a text field in which every value is one, usually means the two columns were pasted in
each other's place (an Amount of "Facilities management services", a Description of
"26,605.43"). Text fields named like identifiers ("Transaction number", "Project code")
hold numbers of their own, so one is named as the partner only when no other text field fits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from schemas.matching import Match, name_words

NUMBER_TYPES = ("number", "integer")
# Words of a text field's name that say its values may well be numbers anyway.
_IDENTIFIER_WORDS = frozenset(
    {"code", "id", "identifier", "no", "number", "num", "postcode", "ref", "reference", "uprn"}
)
_NUMBER = re.compile(r"[-+]?\(?[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d*)?\)?|[-+]?\.\d+")
_SIGNS = str.maketrans("", "", "£$€¥\ufffd ")


@dataclass(frozen=True)
class Swap:
    """Two matched columns that look as if each holds the other's values."""

    number_column: tuple[int, str]  # (index, name) of the column matched to a number field
    number_field: str
    text_column: tuple[int, str]  # (index, name) of the column matched to a text field
    text_field: str
    message: str


def read_number(text: str) -> bool:
    """Whether `text` reads as a number, allowing £ signs, thousands commas and brackets."""
    return bool(_NUMBER.fullmatch(text.translate(_SIGNS)))


def swapped_columns(
    match: Match, sample_rows: list[list[str]], schema: dict[str, Any]
) -> list[Swap]:
    """The pairs of matched columns whose sample values say they are swapped.

    `sample_rows` are data rows as read (lists of cells, in the file's column order).
    A column with no values in the sample says nothing.
    """
    kinds = {f["name"]: f.get("type", "string") for f in schema["fields"]}
    numbers, texts = [], []
    for pair in match.pairs:
        values = _column_values(sample_rows, pair.column_index)
        if not values:
            continue
        kind = kinds.get(pair.field_name)
        if kind in NUMBER_TYPES and not any(map(read_number, values)):
            numbers.append(pair)
        elif kind == "string" and all(map(read_number, values)):
            texts.append(pair)
    swaps = []
    for pair in numbers:
        plain = [t for t in texts if not _IDENTIFIER_WORDS & set(name_words(t.field_name))]
        partners = plain or texts
        if len(partners) != 1:
            continue  # none, or more than one that could be the other half: say nothing
        (partner,) = partners
        texts.remove(partner)
        message = (
            f"“{pair.column_name}” and “{partner.column_name}” look swapped: no value under "
            f"“{pair.column_name}” is a number, yet {pair.field_name} holds numbers, and every "
            f"value under “{partner.column_name}” is one. Check the two columns are in the "
            "right order."
        )
        swaps.append(
            Swap(
                number_column=(pair.column_index, pair.column_name),
                number_field=pair.field_name,
                text_column=(partner.column_index, partner.column_name),
                text_field=partner.field_name,
                message=message,
            )
        )
    return swaps


def _column_values(rows: list[list[str]], index: int) -> list[str]:
    return [row[index].strip() for row in rows if index < len(row) and row[index].strip()]
