"""What a volunteer is shown before an upload is published, when there is anything to show:
the fixes offered for the file as it is (ingest/suggest.py), the questions only they can
answer, and the columns that look like personal data (ingest/personal.py). Plain data, kept
with the upload job's result until they answer."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ingest.personal import find_personal_data
from ingest.recipe import CSV_FIELD_LIMIT, apply_recipe, describe_step
from ingest.sniff import sniff_file
from ingest.suggest import Suggestion, suggest_for_file
from ingest.workbook import is_workbook

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
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The recipe to publish with (the fixes offered, less the kinds `declined`, plus the
    columns the volunteer chose to leave out) and what to show them about it."""
    found = suggest_for_file(
        path, schema=schema, answers=answers, legacy_encodings=legacy_encodings
    )
    steps = [s for s in found.steps if s["step"] not in declined]
    if drop_columns:
        steps.append({"step": "drop-columns", "columns": list(drop_columns)})
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
        "personal": personal,
    }


def needs_review(review: dict[str, Any]) -> bool:
    """Whether to stop and ask before publishing: a fix to accept, a question with a
    choice, or columns that look like personal data."""
    return bool(review["fixes"] or review["questions"] or review["personal"])


def personal_data(
    path: Path, steps: list[dict[str, Any]], legacy_encodings: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The columns that look like personal data, once the steps are applied."""
    workbook = is_workbook(path)
    sniffed = None if workbook else sniff_file(path, legacy_encodings)
    with tempfile.TemporaryDirectory() as scratch:
        prepared = apply_recipe(
            path,
            [dict(s) for s in steps],
            encoding=sniffed.encoding if sniffed else "utf-8",
            delimiter=sniffed.delimiter if sniffed else ",",
            dest=Path(scratch) / "prepared.csv",
            limit=PERSONAL_SAMPLE,
        )
        csv.field_size_limit(CSV_FIELD_LIMIT)
        with prepared.path.open(encoding="utf-8", newline="") as text:
            reader = csv.reader(text)
            names = next(reader, [])
            columns: list[list[str]] = [[] for _ in names]
            for number, row in enumerate(reader):
                if number >= PERSONAL_SAMPLE:
                    break
                for index, cell in enumerate(row[: len(names)]):
                    columns[index].append(cell)
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
