"""Put a table's errors in the order frictionless reports them, and cut them at the limit.

frictionless reads a row's cells lazily: the unique fields are read first (to check them),
then the primary key's fields, then each foreign key's, and an integrity error makes it
read the rest of the row before the error is appended; a blank row replaces whatever was
found before it. The order of a row's errors follows from that, so we replay it here for
every row that has an error, instead of reading every row in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frictionless import errors as ferrors
from frictionless import helpers

CellErrors = list[tuple[str, str]]


def error_descriptor(kind: type[ferrors.Error], **values: Any) -> dict[str, Any]:
    """What `kind(**values).to_descriptor()` gives, without building frictionless's object.

    Building one costs about 0.1 ms (attrs, metadata export, name conversions); a file with
    tens of thousands of errors would spend seconds on that alone.
    """
    descriptor: dict[str, Any] = {
        "type": kind.type,
        "title": kind.title,
        "description": kind.description,
        "message": "",
        "tags": list(kind.tags),
    }
    for name, value in values.items():
        descriptor[_CAMEL.get(name, name)] = list(value) if isinstance(value, list) else value
    descriptor["message"] = helpers.safe_format(kind.template, descriptor)
    return descriptor


_CAMEL = {
    "row_number": "rowNumber",
    "field_name": "fieldName",
    "field_number": "fieldNumber",
    "field_names": "fieldNames",
    "field_cells": "fieldCells",
    "reference_name": "referenceName",
    "reference_field_names": "referenceFieldNames",
}


@dataclass
class RowErrors:
    """Everything wrong with one row, before it is put in frictionless's order."""

    number: int  # frictionless's row number (the header is row 1)
    cells: list[Any] | None  # the row's raw cells; None if only a cross-row check failed
    fields: dict[int, CellErrors] = field(default_factory=dict)  # field index -> errors
    extra: list[int] = field(default_factory=list)  # field numbers of extra cells
    missing: list[int] = field(default_factory=list)  # field numbers of missing cells
    blank: bool = False
    unique: dict[int, tuple[int, Any]] = field(default_factory=dict)  # index -> (match, value)
    primary_key: int | None | bool = False  # False: fine; None: all empty; int: match row
    foreign_keys: dict[int, tuple[str, tuple[Any, ...]]] = field(default_factory=dict)

    def streaming_count(self) -> int:
        if self.blank:
            return 1
        return sum(map(len, self.fields.values())) + len(self.extra) + len(self.missing)


class TableErrors:
    """Collects row errors as blocks are read and gives them back in frictionless's order."""

    def __init__(
        self,
        expected: list[str],
        header_errors: list[Any],
        limit: int,
        unique: list[int] | None = None,
        primary_key: list[int] | None = None,
        foreign_keys: list[tuple[list[int], Any]] | None = None,
        header_row: int = 1,
    ) -> None:
        self.expected = expected
        self.header_row = header_row  # row numbers count the lines above the header too
        self.header_errors = header_errors
        self.limit = limit
        self.unique = unique or []
        self.primary_key = primary_key or []
        self.foreign_keys = foreign_keys or []  # (target field indices, lookup)
        self.rows: dict[int, RowErrors] = {}
        self.counted = len(header_errors)

    def add(self, row: RowErrors) -> None:
        self.rows[row.number] = row
        self.counted += row.streaming_count()

    def full(self) -> bool:
        """True once frictionless would surely have stopped reading."""
        return bool(self.limit) and self.counted >= self.limit

    def _row(self, number: int) -> RowErrors:
        if number not in self.rows:
            self.rows[number] = RowErrors(number=number, cells=None)
        return self.rows[number]

    def add_unique(self, number: int, index: int, match: int, value: Any) -> None:
        self._row(number).unique[index] = (match, value)

    def add_primary_key(self, number: int, match: int | None) -> None:
        self._row(number).primary_key = match

    def add_foreign_key(self, number: int, group: int, note: str, key: tuple[Any, ...]) -> None:
        self._row(number).foreign_keys[group] = (note, key)

    def finish(self, rows: int) -> tuple[list[dict[str, Any]], int, bool]:
        """(error descriptors in order, cut at the limit; rows frictionless read; limit reached)."""
        errors = [error.to_descriptor() for error in self.header_errors]
        first = self.header_row + 1
        numbers = sorted(set(self.rows) | ({first} if rows > 0 else set()))
        for number in numbers:
            if number - self.header_row > rows:
                break
            row = self.rows.get(number)
            if row is not None:
                errors.extend(self._ordered(row))
            if self.limit and len(errors) >= self.limit:
                return errors[: self.limit], number - self.header_row, True
        return errors, rows, False

    # The replay ---------------------------------------------------------------------------

    def _ordered(self, row: RowErrors) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        processed: set[int] = set()
        done = False
        cells = [("" if c is None else str(c)) for c in (row.cells or [])]

        def process(index: int) -> None:
            if index not in processed:
                processed.add(index)
                events.extend(self._cell_errors(row, index, cells))

        def process_all() -> None:
            nonlocal events, done
            if done:
                return
            for index in range(len(self.expected)):
                process(index)
            events.extend(self._count_errors(row, cells))
            if row.blank:
                events = [
                    error_descriptor(
                        ferrors.BlankRowError, note="", cells=cells, row_number=row.number
                    )
                ]
            done = True

        for index in self.unique:
            process(index)
            if index in row.unique:
                match, value = row.unique[index]
                process_all()
                events.append(
                    error_descriptor(
                        ferrors.UniqueError,
                        note=f"the same as in the row at position {match}",
                        cells=cells,
                        row_number=row.number,
                        cell=str(value),
                        field_name=self.expected[index],
                        field_number=index + 1,
                    )
                )
        if self.primary_key:
            for index in self.primary_key:
                process(index)
            if row.primary_key is not False:
                process_all()
                note = (
                    'cells composing the primary keys are all "None"'
                    if row.primary_key is None
                    else f"the same as in the row at position {row.primary_key}"
                )
                events.append(
                    error_descriptor(
                        ferrors.PrimaryKeyError, note=note, cells=cells, row_number=row.number
                    )
                )
        for group, (indices, lookup) in enumerate(self.foreign_keys):
            for index in indices:
                process(index)
            if group in row.foreign_keys:
                note, key = row.foreign_keys[group]
                process_all()
                events.append(
                    error_descriptor(
                        ferrors.ForeignKeyError,
                        note=note,
                        cells=cells,
                        row_number=row.number,
                        field_names=list(lookup.target),
                        field_cells=["" if v is None else str(v) for v in key],
                        reference_name=lookup.reference,
                        reference_field_names=list(lookup.reference_fields),
                    )
                )
        process_all()
        return events

    def _cell_errors(self, row: RowErrors, index: int, cells: list[str]) -> list[dict[str, Any]]:
        found = []
        source = str(row.cells[index]) if row.cells and index < len(row.cells) else "None"
        for kind, note in row.fields.get(index, []):
            error_class = ferrors.TypeError if kind == "type-error" else ferrors.ConstraintError
            found.append(
                error_descriptor(
                    error_class,
                    note=note,
                    cells=cells,
                    row_number=row.number,
                    cell=source,
                    field_name=self.expected[index],
                    field_number=index + 1,
                )
            )
        return found

    def _count_errors(self, row: RowErrors, cells: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for number in row.extra:
            found.append(
                error_descriptor(
                    ferrors.ExtraCellError,
                    note="",
                    cells=cells,
                    row_number=row.number,
                    cell=cells[number - 1] if number - 1 < len(cells) else "",
                    field_name="",
                    field_number=number,
                )
            )
        for number in row.missing:
            found.append(
                error_descriptor(
                    ferrors.MissingCellError,
                    note="",
                    cells=cells,
                    row_number=row.number,
                    cell="",
                    field_name=self.expected[number - 1],
                    field_number=number,
                )
            )
        return found
