"""The fixes a file's values call for (ingest/suggest.py): dates in another form than the
schema's, amounts with £ and thousands separators, tokens that stand for empty cells; and
the sample of each column they are judged on."""

from __future__ import annotations

import csv
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from ingest.recipe import CSV_FIELD_LIMIT, apply_recipe
from schemas.shapes import MISSING_TOKENS, shape_of

SAMPLE_ROWS = 2000  # values read per column to judge its dates and amounts
ROWS = "\0rows"  # in sample_columns' counts: the rows below the header


def is_missing_token(text: str) -> bool:
    return text.strip().lower() in MISSING_TOKENS


def value_steps(schema: dict[str, Any], values: dict[str, list[str]], found: Any) -> None:
    tokens: Counter[str] = Counter()
    for spec in schema.get("fields", []):
        cells = [v.strip() for v in values.get(spec["name"], []) if v.strip()]
        typed = spec.get("type")
        if typed not in ("date", "datetime", "number", "integer"):
            continue
        tokens.update(v for v in cells if is_missing_token(v))
        cells = [v for v in cells if not is_missing_token(v)]
        if not cells:
            continue
        if typed in ("date", "datetime"):
            prefix = f"{typed}:"
            forms = Counter(
                form.removeprefix(prefix)
                for v in cells
                for form in shape_of(v)
                if form.startswith(prefix)
            )
            wanted = spec.get("format", "default")
            if wanted in ("default", "any"):  # ISO dates, as frictionless reads by default
                wanted = "%Y-%m-%d" if typed == "date" else wanted
            stray = Counter(
                form.removeprefix(prefix)
                for v in cells
                if f"{prefix}{wanted}" not in (shapes := shape_of(v))
                for form in sorted(shapes)
                if form.startswith(prefix)
            )
            if forms and wanted in forms and stray:
                for form, count in stray.most_common():
                    example = next(v for v in cells if f"{prefix}{form}" in shape_of(v))
                    found.steps.append(
                        {"step": "rewrite-dates", "column": spec["name"], "from": form,
                         "to": wanted, "example": example}
                    )  # fmt: skip
                    found.notes.append(
                        f"{count} date(s) in {spec['name']} are written like {example}: "
                        "they are rewritten in the column's form."
                    )
            elif forms and wanted not in forms:
                best, count = forms.most_common(1)[0]
                found.steps.append(
                    {"step": "field-format", "field": spec["name"], "type": typed, "format": best}
                )
                found.notes.append(
                    f"The dates in {spec['name']} are written like {cells[0]}: they are read "
                    f"that way ({count} of {len(cells)} sampled values)."
                )
        elif (
            any(c.startswith(("£", "-£")) for c in cells) and spec.get("bareNumber") is not False
        ) or (any("," in c for c in cells) and not spec.get("groupChar")):  # not read yet
            found.steps.append({"step": "number-format", "field": spec["name"]})
            found.notes.append(
                f"The amounts in {spec['name']} have £ signs or thousands separators: they "
                "are read as numbers."
            )
    if tokens:
        found.steps.append({"step": "missing-values", "values": sorted(tokens)})
        listed = ", ".join(f"{t!r} ({n})" for t, n in tokens.most_common())
        found.notes.append(f"These stand for empty cells and are read as such: {listed}.")


def sample_columns(
    path: Path,
    delimiter: str,
    encoding: str,
    steps: list[dict[str, Any]],
    *,
    whole: bool = True,
) -> tuple[dict[str, list[str]], Counter[str]]:
    """The first SAMPLE_ROWS values of each column, as the data steps so far leave them,
    and how many cells of each column hold something: over the whole file, or (not
    `whole`) over the sample only, which reads no further."""
    data_steps = [dict(s) for s in steps]
    filled: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as scratch:
        prepared = apply_recipe(
            path,
            data_steps,
            encoding=encoding,
            delimiter=delimiter,
            dest=Path(scratch) / "sample.csv",
            limit=None if whole else SAMPLE_ROWS,
        )
        csv.field_size_limit(CSV_FIELD_LIMIT)
        with prepared.path.open(encoding="utf-8", newline="") as text:
            reader = csv.reader(text)
            header = next(reader, [])
            columns: dict[str, list[str]] = {name: [] for name in header}
            for number, row in enumerate(reader):
                for name, cell in zip(header, row, strict=False):
                    if number < SAMPLE_ROWS:
                        columns[name].append(cell)
                    if cell.strip():
                        filled[name] += 1
                filled[ROWS] += 1
    return columns, filled


def sample_rows(values: dict[str, list[str]]) -> list[list[str]]:
    names = list(values)
    length = max((len(v) for v in values.values()), default=0)
    return [[values[n][i] if i < len(values[n]) else "" for n in names] for i in range(length)]
