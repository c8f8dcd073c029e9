"""The fixes to offer for a file as it is: a recipe (ingest/recipe.py) the page preselects,
the questions only a person can answer, and what was found, in plain words.

What is looked at, in order, each on the file as the steps before it leave it:
1. the reading: when the encoding had rivals (a £ that could be œ), a question, with the
   likeliest reading preselected;
2. the layout (ingest/layout.py): lines above the header, a header over two rows, empty
   unnamed columns, empty rows; a question when the header could be on another row;
3. with a schema: the columns matched to its fields by name (schemas.match_columns),
   renamed and put in its order, its optional fields the file lacks left out, the file's
   other columns kept beside them; then the values: dates in another form than the
   schema's, amounts with £ and thousands separators, tokens such as NA for empty cells,
   and columns whose values say they are swapped.

`answers` gives a person's choices ({"encoding": "cp850", "header": "4:1", "extra": "drop"});
without them, each question's preselected choice is taken (as `datastore ingest --fix`).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datastore.query_types import ROW_ID
from ingest.errors import WorkbookError
from ingest.layout import Layout, find_layout
from ingest.recipe import apply_recipe
from ingest.sniff import DEFAULT_LEGACY_ENCODINGS, Sniffed, encoding_choices, sniff_file
from ingest.value_fixes import ROWS, sample_columns, sample_rows, value_steps
from ingest.workbook import is_workbook, sheet_to_csv, workbook_sheets
from schemas import (
    infer_schema,
    library_entries,
    library_schema,
    match_columns,
    suggest_schemas,
)
from schemas.shapes import shape_of
from schemas.swaps import swapped_columns


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    detail: tuple[str, ...] = ()  # lines of the file read this way, for the person to compare


@dataclass(frozen=True)
class Question:
    key: str  # "encoding", "header" or "extra"
    text: str
    choices: tuple[Choice, ...]
    chosen: str  # the preselected choice, or the person's answer


@dataclass
class Suggestion:
    steps: list[dict[str, Any]] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the header as the steps leave it
    match_summary: str = ""
    missing_required: list[str] = field(default_factory=list)
    # With a schema: each of the file's columns (its own name) to the field it was matched
    # to, or "" for none; a person may correct it (suggest_recipe's `mapping`).
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def choices_taken(self) -> dict[str, str]:
        return {q.key: q.chosen for q in self.questions}


def suggest_recipe(
    path: Path,
    sniffed: Sniffed,
    *,
    schema: dict[str, Any] | None = None,
    answers: Mapping[str, str] | None = None,
    legacy_encodings: tuple[str, ...] = DEFAULT_LEGACY_ENCODINGS,
    mapping: Mapping[str, str] | None = None,
) -> Suggestion:
    """The recipe and questions for the CSV at `path` (as sniff_file() read it). `mapping`
    corrects the match of columns to the schema's fields (schemas.match_columns' `chosen`)."""
    answers = answers or {}
    found = Suggestion()
    encoding = _reading(path, sniffed, answers, legacy_encodings, found)
    layout = find_layout(path, encoding, sniffed.delimiter)
    names = _layout_steps(layout, answers, found)
    if ROW_ID in names:  # the API's name for row numbers: the file's column renamed, said
        own = f"{ROW_ID} (from the file)"
        found.steps.append({"step": "rename-columns", "names": {ROW_ID: own}})
        found.notes.append(
            f'Your column "{ROW_ID}" is published as "{own}": the API uses '
            f'"{ROW_ID}" for row numbers.'
        )
        names = [own if n == ROW_ID else n for n in names]
    if names:
        names = _empty_named_columns(path, sniffed.delimiter, encoding, names, found)
    found.names = names
    if schema is not None and names:
        _schema_steps(path, sniffed, encoding, schema, names, answers, found, mapping or {})
    elif names:
        _inferred_steps(path, sniffed.delimiter, encoding, found)
        for like in suggest_schemas(names, library_entries())[:1]:
            found.notes.append(
                f"Your file {like.summary}. To check it against that ready schema, upload "
                "it again choosing it."
            )
    return found


def _empty_named_columns(
    path: Path, delimiter: str, encoding: str, names: list[str], found: Suggestion
) -> list[str]:
    """Columns with a name but not one value, whose name another column also has once
    spaces are ignored (a leftover "Gross " beside "Gross", which would clash with it)."""
    stripped = Counter(n.strip() for n in names)
    if all(count == 1 for count in stripped.values()):
        return names
    _, filled = sample_columns(path, delimiter, encoding, found.steps)
    empty = [n for n in names if stripped[n.strip()] > 1 and not filled.get(n)]
    if empty and len(empty) < len(names):
        found.steps.append({"step": "drop-columns", "columns": empty})
        found.notes.append(
            f"These columns have a name but no values, and are left out: {', '.join(empty)}."
        )
        names = [n for n in names if n not in empty]
    return names


def _inferred_steps(path: Path, delimiter: str, encoding: str, found: Suggestion) -> None:
    """Working the schema out from the file: dates in a second form in a column of dates
    are rewritten in its main form (inference types the column by its main form). Only
    looked into when the sample holds dates at all."""
    values, _ = sample_columns(path, delimiter, encoding, found.steps, whole=False)
    if not any(
        form.startswith(("date:", "datetime:"))
        for cells in values.values()
        for cell in cells[:200]
        for form in shape_of(cell.strip())
    ):
        return
    if not found.steps:  # the file as it is
        schema = infer_schema(path, encoding=encoding, delimiter=delimiter)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            prepared = apply_recipe(
                path,
                [dict(s) for s in found.steps],
                encoding=encoding,
                delimiter=delimiter,
                dest=Path(scratch) / "prepared.csv",
            )
            schema = infer_schema(prepared.path, encoding="utf-8", delimiter=",")
    value_steps(schema, values, found)


def suggest_for_file(
    path: Path,
    *,
    schema: dict[str, Any] | None = None,
    answers: Mapping[str, str] | None = None,
    legacy_encodings: tuple[str, ...] = DEFAULT_LEGACY_ENCODINGS,
    mapping: Mapping[str, str] | None = None,
) -> Suggestion:
    """suggest_recipe() for an upload as it came: a workbook is read through one of its
    sheets (a question when it has several), a CSV as it is."""
    answers = answers or {}
    if not is_workbook(path):
        sniffed = sniff_file(path, legacy_encodings)
        return suggest_recipe(
            path,
            sniffed,
            schema=schema,
            answers=answers,
            legacy_encodings=legacy_encodings,
            mapping=mapping,
        )
    sheets = [s for s in workbook_sheets(path) if s.refused is None and s.rows]
    if not sheets:
        raise WorkbookError("The workbook has no sheet with a table we can read.")
    chosen = answers.get("sheet") or sheets[0].name
    with tempfile.TemporaryDirectory() as scratch:
        table = sheet_to_csv(path, chosen, Path(scratch) / "sheet.csv")
        found = suggest_recipe(
            table,
            sniff_file(table),
            schema=schema,
            answers=answers,
            legacy_encodings=(),
            mapping=mapping,
        )
    found.steps.insert(0, {"step": "read-sheet", "sheet": chosen})
    if len(sheets) > 1:
        found.questions.insert(
            0,
            Question(
                "sheet",
                "The workbook has several sheets. Which one holds the table?",
                tuple(Choice(s.name, f"{s.name} ({s.rows:,} rows)") for s in sheets),
                chosen,
            ),
        )
    return found


def _synonyms(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Each field's other names: its own x-synonyms, and those of the ready schemas' fields
    of the same name (a dataset first published with a ready schema's names keeps them)."""
    known: dict[str, list[str]] = {}
    for entry in library_entries():
        for spec in library_schema(entry.name).get("fields", []):
            known.setdefault(spec["name"].casefold(), []).extend(spec.get("x-synonyms", []))
    return {
        spec["name"]: [*spec.get("x-synonyms", []), *known.get(spec["name"].casefold(), [])]
        for spec in schema.get("fields", [])
    }


def _reading(
    path: Path,
    sniffed: Sniffed,
    answers: Mapping[str, str],
    legacy_encodings: tuple[str, ...],
    found: Suggestion,
) -> str:
    readings = encoding_choices(path, legacy_encodings)
    chosen = readings.preselected
    if not readings.certain and len(readings.choices) > 1:
        chosen = answers.get("encoding") or readings.preselected
        found.questions.append(
            Question(
                "encoding",
                "Some characters of the file can be read more than one way. Which reading "
                "is right?",
                tuple(
                    Choice(c.encoding, c.label, tuple(text for _, text in c.lines))
                    for c in readings.choices
                ),
                chosen,
            )
        )
    if chosen != sniffed.encoding:
        found.steps.append({"step": "read-encoding", "encoding": chosen})
    return chosen


def _layout_steps(layout: Layout, answers: Mapping[str, str], found: Suggestion) -> list[str]:
    header_row, header_rows, names = layout.header_row, layout.header_rows, list(layout.names)
    if layout.alternatives:
        options = [(layout.header_row, layout.header_rows, layout.names)] + [
            (a.header_row, a.header_rows, a.names) for a in layout.alternatives
        ]
        choices = tuple(
            Choice(
                f"{row}:{rows}",
                f"Row {row}" + (f" and {row + 1}, joined" if rows == 2 else ""),
                (", ".join(n for n in option_names if n),),
            )
            for row, rows, option_names in options
        )
        chosen = answers.get("header") or choices[0].value
        found.questions.append(
            Question("header", "Which row holds the column names?", choices, chosen)
        )
        for row, rows, option_names in options:
            if f"{row}:{rows}" == chosen:
                header_row, header_rows, names = row, rows, list(option_names)
    if header_row > 1:
        found.steps.append({"step": "skip-lines", "lines": header_row - 1})
        found.notes.append(
            f"Your header is on row {header_row}: the {header_row - 1} line(s) above it "
            "(a title, notes or blank lines) are left out."
        )
    if header_rows == 2:
        found.steps.append({"step": "join-header-rows", "rows": 2})
        found.notes.append("Your header is over two rows: their names are joined.")
    if layout.empty_columns:
        found.steps.append({"step": "drop-empty-columns"})
        names = [n for i, n in enumerate(names) if i not in set(layout.empty_columns)]
        found.notes.append(
            f"{len(layout.empty_columns)} empty column(s) with no name are left out."
        )
    if layout.empty_rows:
        found.steps.append({"step": "drop-empty-rows"})
        found.notes.append(f"{len(layout.empty_rows)} empty row(s) are left out.")
    return names


def _schema_steps(
    path: Path,
    sniffed: Sniffed,
    encoding: str,
    schema: dict[str, Any],
    names: list[str],
    answers: Mapping[str, str],
    found: Suggestion,
    mapping: Mapping[str, str],
) -> None:
    synonyms = _synonyms(schema)
    match = match_columns(names, schema, synonyms, chosen=dict(mapping))
    found.mapping = {n: "" for n in names} | {p.column_name: p.field_name for p in match.pairs}
    values, filled = sample_columns(path, sniffed.delimiter, encoding, found.steps)  # file's names
    found.match_summary = match.summary
    found.missing_required = list(match.missing_required)
    renames = {p.column_name: p.field_name for p in match.pairs if p.column_name != p.field_name}
    if renames:
        found.steps.append({"step": "rename-columns", "names": renames})
    matched = [p.field_name for p in match.pairs]
    order = [f["name"] for f in schema.get("fields", []) if f["name"] in matched]
    current = [renames.get(n, n) for n in names]
    extras = [name for _, name in match.extra_columns]
    # A new version of a dataset keeps to its schema unless asked; a ready schema's file
    # keeps its own columns beside it unless asked.
    extra = answers.get("extra") or ("drop" if answers.get("extra-default") == "drop" else "keep")
    if extras:
        found.questions.append(
            Question(
                "extra",
                f"The file has columns the schema does not name: {', '.join(extras)}.",
                (Choice("keep", "Keep them beside the schema's"), Choice("drop", "Leave them out")),
                extra,
            )
        )
    if extra == "drop" and extras:
        found.steps.append({"step": "drop-columns", "columns": extras})
        current = [n for n in current if n not in extras]
        extras = []
    if [n for n in current if n in order] != order or current[: len(order)] != order:
        found.steps.append({"step": "order-columns", "names": order})
    missing = list(match.missing_optional)
    if match.missing_required:
        listed = ", ".join(match.missing_required)
        chosen = answers.get("required") or "leave-out"
        found.questions.append(
            Question(
                "required",
                f"The schema needs columns your file does not have: {listed}.",
                (
                    Choice("leave-out", "Publish without them (this dataset's schema says so)"),
                    Choice("stop", "Do not publish: I will add them to the file"),
                ),
                chosen,
            )
        )
        if chosen == "leave-out":
            missing += list(match.missing_required)
    if missing:
        found.steps.append({"step": "drop-fields", "fields": missing})
    if extras:
        found.steps.append({"step": "keep-columns", "names": extras})
    column_of = {p.field_name: p.column_name for p in match.pairs}
    for spec in schema.get("fields", []):
        column = column_of.get(spec["name"])
        empty = filled[ROWS] - filled.get(column, 0) if column else 0
        if column and empty and (spec.get("constraints") or {}).get("required"):
            found.steps.append({"step": "field-optional", "field": spec["name"]})
            found.notes.append(
                f"{empty} cell(s) of {spec['name']} are empty, which the schema does not "
                "allow: here they are allowed (or fill them in the file)."
            )
    value_steps(schema, {f: values.get(c, []) for f, c in column_of.items()}, found)
    for swap in swapped_columns(match, sample_rows(values), schema):
        found.notes.append(swap.message)
