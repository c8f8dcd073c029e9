"""Infer a Table Schema from every value of a CSV file, and say what each column holds in
plain words.

One pass counts each column's values (schemas/tally.py); each column is then typed by
the kind most of its values have (schemas/guesses.py, from the shapes in
schemas/shapes.py): whole numbers, numbers with "," thousands, money in £, percentages,
UK dates, yes/no, codes with leading zeros kept as text. Words standing for "no value"
("NA", "-", "n/a") in a typed column become the schema's missingValues; values that do not
fit their column's type are listed with their row numbers (a second pass finds them), so
a later step can offer to empty or edit them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.guesses import ColumnGuess, guess_column
from schemas.tally import find_rows, tally_file

ODD_ROWS = 100  # odd values listed per column, with their rows (all are counted)


@dataclass
class Inference:
    """A schema inferred from a whole file, and a plain-words guess for each column."""

    schema: dict[str, Any]  # a Table Schema descriptor
    columns: list[ColumnGuess]
    header_row: int  # the header's row number (the file's first row is row 1)
    rows: int  # data rows read

    @property
    def odd_values(self) -> list[tuple[int, str, str]]:
        """(row, field name, value) of every listed value that does not fit its column."""
        found = [(row, c.name, value) for c in self.columns for row, value in c.odd_values]
        return sorted(found)


def infer_table(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    header_row: int | None = None,
) -> Inference:
    """Read every value of a CSV file and infer its schema, column by column.

    The header is the row `header_row` (the file's first row is 1), or, when None, the row
    frictionless would take: the first whose width is near the average, past any title
    lines. Raises UnicodeDecodeError where the file has bytes its encoding does not have.
    """
    path = Path(path)
    tally = tally_file(path, encoding, delimiter, header_row)
    guesses, odd = [], {}
    for index, (name, counts) in enumerate(zip(tally.names, tally.counts, strict=True)):
        guess, odd_values = guess_column(name, counts)
        guesses.append(guess)
        if odd_values:
            odd[index] = odd_values
    if odd:
        rows = find_rows(path, encoding, delimiter, tally.header_row, odd, ODD_ROWS)
        for index, found in rows.items():
            guesses[index].odd_values = found
    return Inference(_schema(guesses), guesses, tally.header_row, tally.rows)


def infer_schema(
    path: str | Path, *, encoding: str = "utf-8", delimiter: str = ","
) -> dict[str, Any]:
    """Infer a Table Schema (names, types, formats, missing values) from a whole CSV file."""
    return infer_table(path, encoding=encoding, delimiter=delimiter).schema


def _schema(guesses: list[ColumnGuess]) -> dict[str, Any]:
    """The descriptor: the guessed fields, and the missing tokens of the typed columns.

    missingValues applies to every field, so a text field keeps its own [""] and none of
    its words ("none", "NA") is taken for a blank.
    """
    tokens: Counter[str] = Counter()
    for guess in guesses:
        tokens.update(dict(guess.missing_tokens))
    missing = ["", *sorted(tokens, key=lambda t: (-tokens[t], t))]
    fields = []
    for guess in guesses:
        field = dict(guess.field)
        if len(missing) > 1 and field["type"] == "string":
            field["missingValues"] = [""]
        fields.append(field)
    return {"fields": fields, "missingValues": missing}
