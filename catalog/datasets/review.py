"""What a volunteer is shown before an upload is published, when there is anything to show:
the fixes offered for the file as it is (ingest/suggest.py), the questions only they can
answer, and the columns that look like personal data (ingest/personal.py). Plain data, kept
with the upload job's result until they answer."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.column_review import check_columns, column_table
from ingest.personal import find_personal_data
from ingest.recipe import CSV_FIELD_LIMIT, Prepared, apply_recipe, describe_step
from ingest.schema_steps import apply_schema_steps
from ingest.sniff import sniff_file
from ingest.suggest import Suggestion, suggest_for_file
from ingest.workbook import is_workbook
from schemas import infer_schema

PERSONAL_SAMPLE = 1000  # values per column looked at for personal data


def review_upload(
    path: Path,
    *,
    schema: dict[str, Any] | None,
    legacy_encodings: tuple[str, ...],
    answers: Mapping[str, str] | None = None,
    declined: frozenset[str] = frozenset(),
    drop_columns: tuple[str, ...] = (),
    edits: list[dict[str, Any]] | None = None,
    mapping: Mapping[str, str] | None = None,
    columns: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The recipe to publish with (the fixes offered, less the kinds `declined`, plus the
    columns the volunteer chose to leave out, their corrections of the `mapping` of columns
    to the schema's fields, and the changes they made to the `columns`) and what to show
    them about it."""
    found = suggest_for_file(
        path, schema=schema, answers=answers, legacy_encodings=legacy_encodings, mapping=mapping
    )
    steps = [s for s in found.steps if s["step"] not in declined]
    if drop_columns:
        steps = [_without(s, drop_columns) for s in steps]
        steps = [s for s in steps if s["step"] != "keep-columns" or s["names"]]
        steps.append({"step": "drop-columns", "columns": list(drop_columns)})
    steps += [dict(step) for step in columns or []]
    # Cells a person edited on the report page, last: their rows count as the report did.
    steps += [
        {
            "step": "edit-cell",
            "row": int(e["row"]),
            "column": str(e["column"]),
            "value": str(e["value"]),
        }
        for e in edits or []
    ]
    personal = personal_data(path, steps, legacy_encodings)
    return steps, shown(found, steps, personal)


def _without(step: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    """A keep-columns step without the columns a volunteer left out."""
    if step["step"] != "keep-columns":
        return step
    return {**step, "names": [n for n in step["names"] if n not in columns]}


def shown(
    found: Suggestion, steps: list[dict[str, Any]], personal: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "fixes": [{"step": s["step"], "text": describe_step(s)} for s in found.steps],
        "taken": sorted({s["step"] for s in steps}),
        "questions": [
            {
                "key": q.key,
                "text": q.text,
                "chosen": q.chosen,
                "choices": [
                    {"value": c.value, "label": c.label, "detail": list(c.detail)}
                    for c in q.choices
                ],
            }
            for q in found.questions
        ],
        "notes": list(found.notes),
        "match": found.match_summary,
        "mapping": found.mapping,
        "personal": personal,
    }


def needs_review(review: dict[str, Any]) -> bool:
    """Whether to stop and ask before publishing: a fix to accept, a question with a
    choice, or columns that look like personal data."""
    return bool(review["fixes"] or review["questions"] or review["personal"])


def describe_columns(
    path: Path,
    steps: list[dict[str, Any]],
    schema: dict[str, Any] | None,
    mapping: dict[str, str],
    legacy_encodings: tuple[str, ...],
    *,
    dropped: tuple[str, ...] = (),
    check: bool = False,
) -> list[dict[str, Any]]:
    """The columns as they would be published with these steps (ingest/column_review.py),
    from the whole file, then the `dropped` ones a volunteer left out; with `check`, what
    does not fit each column."""
    with _prepared(path, steps, legacy_encodings) as prepared:
        published = schema or infer_schema(prepared.path, encoding="utf-8", delimiter=",")
        published = apply_schema_steps(published, prepared.steps)
        names, values = _first_rows(prepared.path)
        table = column_table(
            published, dict(zip(names, values, strict=True)), mapping or None, dropped
        )
        return check_columns(prepared.path, published, table) if check else table


@contextmanager
def _prepared(
    path: Path,
    steps: list[dict[str, Any]],
    legacy_encodings: tuple[str, ...],
    limit: int | None = None,
) -> Iterator[Prepared]:
    """The upload as the steps leave it (its first `limit` rows), in a scratch folder."""
    sniffed = None if is_workbook(path) else sniff_file(path, legacy_encodings)
    with tempfile.TemporaryDirectory() as scratch:
        yield apply_recipe(
            path,
            [dict(s) for s in steps],
            encoding=sniffed.encoding if sniffed else "utf-8",
            delimiter=sniffed.delimiter if sniffed else ",",
            dest=Path(scratch) / "prepared.csv",
            limit=limit,
        )


def _first_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header of a prepared CSV and the first PERSONAL_SAMPLE values of each column."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    with path.open(encoding="utf-8", newline="") as text:
        reader = csv.reader(text)
        names = next(reader, [])
        columns: list[list[str]] = [[] for _ in names]
        for number, row in enumerate(reader):
            if number >= PERSONAL_SAMPLE:
                break
            for index, cell in enumerate(row[: len(names)]):
                columns[index].append(cell)
    return names, columns


def personal_data(
    path: Path, steps: list[dict[str, Any]], legacy_encodings: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The columns that look like personal data, once the steps are applied."""
    with _prepared(path, steps, legacy_encodings, limit=PERSONAL_SAMPLE) as prepared:
        names, columns = _first_rows(prepared.path)
    return [
        {
            "column": f.column,
            "label": f.label,
            "count": f.count,
            "examples": list(f.examples),
            "message": f.message,
        }
        for f in find_personal_data(names, columns)
    ]
