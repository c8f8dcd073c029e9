"""A recipe: the fixes a volunteer accepted, as data, replayed on the untouched original.

A recipe is a JSON list of steps, applied in order. Data steps change the table as it is
read (the original file is never changed): they produce a prepared UTF-8 CSV, which is
what gets validated and stored. Schema steps change the Table Schema the table is checked
against. After it has run, each step says what it changed (`changed`: how many rows,
columns or cells), so the dataset page can say "published after these fixes" and the
next upload of the same kind of file can be offered the same recipe.

    [{"step": "skip-lines", "lines": 3},
     {"step": "drop-empty-columns"},
     {"step": "drop-empty-rows"},
     {"step": "rename-columns", "names": {"Amount £": "Amount"}},
     {"step": "missing-values", "values": ["NA", "-"]},
     {"step": "field-format", "field": "Date", "type": "date", "format": "%d-%b-%y"}]

Row numbers in a step (`edit-cell`) count as the validation report does, in the table as
the steps before it left it: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import WorkbookError
from ingest.workbook import sheet_to_csv

Row = list[str]
Rows = Iterator[Row]

# The steps, in words for the report and the dataset page ({...} from the step's values).
DATA_STEPS = {
    "read-sheet": "Read the sheet {sheet!r} of the workbook",
    "read-encoding": "Read the file as {encoding}",
    "skip-lines": "Skipped the {lines} line(s) above the header",
    "join-header-rows": "Joined the {rows} header rows into one",
    "drop-empty-rows": "Dropped the empty rows",
    "drop-empty-columns": "Dropped the empty columns that had no name",
    "rename-columns": "Renamed columns: {names}",
    "drop-columns": "Dropped columns the dataset does not keep",
    "order-columns": "Put the columns in the schema's order",
    "rewrite-dates": "Rewrote the dates in {column!r} written like {example} as {to}",
    "edit-cell": "Changed row {row}, column {column!r} to {value!r}",
}
SCHEMA_STEPS = {
    "missing-values": "Treated {values} as empty",
    "field-format": "Read {field!r} as {type}s written like {format}",
    "field-type": "Read {field!r} as {type}",
    "field-optional": "Allowed empty cells in {field!r}",
    "number-format": "Read {field!r} as numbers with the £ sign and thousands separators",
    "drop-fields": "Left out the schema's optional columns the file does not have: {fields}",
    "keep-columns": "Kept the file's own columns beside the schema's: {names}",
    # Set on the column review page (ingest/column_review.py).
    "field-kind": "Read {field!r} as {label}",
    "field-required": "Required a value in every cell of {field!r}",
    "field-unique": "Required every value of {field!r} to differ",
    "field-repeats": "Allowed repeated values in {field!r}",
    "field-description": "Described {field!r}: {description}",
}
MAX_STEPS = 1000
CSV_FIELD_LIMIT = 10_000_000  # characters in one cell: csv's own default is 128 kB


class RecipeError(ValueError):
    """A recipe that cannot be applied: `step` is its index, the message says why."""

    def __init__(self, step: int, message: str) -> None:
        super().__init__(f"Step {step + 1} of the recipe: {message}")
        self.step = step


@dataclass(frozen=True)
class Prepared:
    """The table as the data steps left it, and what each step did."""

    path: Path  # a UTF-8, comma-separated CSV
    steps: list[dict[str, Any]]  # the recipe, each step with its `changed` counts
    header: list[str]
    rows: int  # data rows written


def check_recipe(recipe: Any) -> list[dict[str, Any]]:
    """The recipe as a list of known steps, or RecipeError naming the first bad one."""
    if not isinstance(recipe, list):
        raise RecipeError(-1, "a recipe is a JSON list of steps")
    if len(recipe) > MAX_STEPS:
        raise RecipeError(MAX_STEPS, f"a recipe has at most {MAX_STEPS} steps")
    for index, step in enumerate(recipe):
        if not isinstance(step, dict) or step.get("step") not in {**DATA_STEPS, **SCHEMA_STEPS}:
            known = ", ".join([*DATA_STEPS, *SCHEMA_STEPS])
            raise RecipeError(index, f"each step is an object whose 'step' is one of {known}")
    return [dict(step) for step in recipe]


def describe_step(step: dict[str, Any]) -> str:
    """One step in words, with what it changed."""
    template = {**DATA_STEPS, **SCHEMA_STEPS}[step["step"]]
    shown = {key: _shown(value) for key, value in step.items()}
    for key in ("format", "to"):  # a date form as a date, never as strptime codes
        if isinstance(shown.get(key), str) and "%" in shown[key]:
            shown[key] = _example_date(shown[key])
    try:
        text = template.format(**shown)
    except (KeyError, IndexError, ValueError):
        text = template.split(" {")[0]
    changed = step.get("changed") or {}
    counts = ", ".join(f"{n:,} {what}" for what, n in changed.items() if n)
    return f"{text} ({counts})" if counts else text


def _shown(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):  # renames: "Dept → Department family"
        return ", ".join(f"{old} → {new}" for old, new in value.items())
    return value


def _example_date(form: str) -> str:
    try:
        return dt.datetime(2024, 1, 31, 13, 45).strftime(form)
    except ValueError:
        return form


def reading_encoding(recipe: list[dict[str, Any]], default: str) -> str:
    """The encoding the recipe chose, or `default` (the sniffed one)."""
    for step in recipe:
        if step["step"] == "read-encoding":
            return str(step["encoding"])
    return default


def apply_recipe(
    source: Path,
    recipe: list[dict[str, Any]],
    *,
    encoding: str,
    delimiter: str,
    dest: Path,
    limit: int | None = None,
) -> Prepared:
    """Apply the data steps to `source` (read as `encoding`, `delimiter`), writing `dest`.
    A workbook is read through its sheet (a `read-sheet` step) as UTF-8 CSV."""
    steps = check_recipe(recipe)
    sheet = next((s for s in steps if s["step"] == "read-sheet"), None)
    if sheet is not None:
        sheet["changed"] = {}
        table = dest.with_name(dest.stem + ".sheet.csv")
        try:
            sheet_to_csv(source, str(sheet.get("sheet", "")), table)
        except WorkbookError as error:
            raise RecipeError(steps.index(sheet), str(error)) from None
        try:
            return _apply(table, steps, encoding="utf-8", delimiter=",", dest=dest, limit=limit)
        finally:
            table.unlink(missing_ok=True)
    return _apply(source, steps, encoding=encoding, delimiter=delimiter, dest=dest, limit=limit)


def _apply(
    source: Path,
    steps: list[dict[str, Any]],
    *,
    encoding: str,
    delimiter: str,
    dest: Path,
    limit: int | None,
) -> Prepared:
    encoding = reading_encoding(steps, encoding)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise RecipeError(0, f"{encoding!r} is not an encoding we know") from None
    csv.field_size_limit(CSV_FIELD_LIMIT)
    with source.open(encoding=encoding, errors="strict", newline="") as text:
        rows: Rows = csv.reader(text, delimiter=delimiter)
        for index, step in enumerate(steps):
            apply = _DATA.get(step["step"])
            if apply is not None:
                step["changed"] = {}
                rows = apply(rows, step, index)
        header: Row = []
        written = 0
        with dest.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            try:
                for number, row in enumerate(rows):
                    if number == 0:
                        header = row
                    elif limit is not None and written >= limit:
                        break  # a sample: the first `limit` rows
                    else:
                        written += 1
                    writer.writerow(row)
            except UnicodeDecodeError as error:
                raise RecipeError(0, f"the file is not {encoding} text ({error.reason})") from None
    return Prepared(dest, steps, header, written)


# The data steps ------------------------------------------------------------------------


def _skip_lines(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    lines = _count(step, "lines", index)
    for number, row in enumerate(rows):
        if number < lines:
            step["changed"]["lines"] = number + 1
            continue
        yield row


def _join_header_rows(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    count = _count(step, "rows", index)
    parts: list[Row] = []
    for row in rows:
        if len(parts) < count:
            parts.append(row)
            if len(parts) == count:
                width = max(len(p) for p in parts)
                yield [
                    " ".join(c.strip() for p in parts if (c := _cell(p, i)).strip())
                    for i in range(width)
                ]
                step["changed"]["rows"] = count
            continue
        yield row


def _drop_empty_rows(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    dropped = 0
    for number, row in enumerate(rows):
        if number > 0 and not any(cell.strip() for cell in row):
            dropped += 1
            step["changed"]["rows"] = dropped
            continue
        yield row


def _drop_empty_columns(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    """Columns with no name and no value are dropped. Which ones is known only at the end,
    so the rows are spooled to a temporary file (memory stays flat) and read back."""
    filled: set[int] = set()
    width = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        writer = csv.writer(spool, lineterminator="\n")
        for row in rows:
            width = max(width, len(row))
            filled.update(i for i, cell in enumerate(row) if cell.strip())
            writer.writerow(row)
        spool.seek(0)
        keep = [i for i in range(width) if i in filled]
        step["changed"]["columns"] = width - len(keep)
        for row in csv.reader(spool):
            yield [_cell(row, i) for i in keep] if len(keep) < width else row


def _rename_columns(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    names = step.get("names")
    if not isinstance(names, dict):
        raise RecipeError(index, "rename-columns needs names: {old name: new name}")
    for number, row in enumerate(rows):
        if number == 0:
            renamed = [str(names.get(c, names.get(c.strip(), c))) for c in row]
            step["changed"]["columns"] = sum(a != b for a, b in zip(row, renamed, strict=True))
            row = renamed
        yield row


def _drop_columns(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    wanted = {str(c) for c in step.get("columns", [])}
    drop: set[int] = set()
    for number, row in enumerate(rows):
        if number == 0:
            drop = {i for i, name in enumerate(row) if name in wanted or name.strip() in wanted}
            step["changed"]["columns"] = len(drop)
        yield [c for i, c in enumerate(row) if i not in drop] if drop else row


def _order_columns(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    wanted = [str(n).strip() for n in step.get("names", [])]
    order: list[int] = []
    for number, row in enumerate(rows):
        if number == 0:
            names = [c.strip() for c in row]
            first = [names.index(n) for n in wanted if n in names]
            order = first + [i for i in range(len(row)) if i not in set(first)]
            step["changed"]["columns"] = sum(
                a != b for a, b in zip(order, range(len(row)), strict=True)
            )
        yield [_cell(row, i) for i in order] + row[len(order) :]


def _rewrite_dates(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    """Dates written in form `from` (strptime codes) rewritten in form `to`; other values
    are left as they are."""
    column, source, target = str(step.get("column", "")).strip(), step.get("from"), step.get("to")
    if not isinstance(source, str) or not isinstance(target, str):
        raise RecipeError(index, "rewrite-dates needs from and to: two date forms")
    position, changed = -1, 0
    for number, row in enumerate(rows):
        if number == 0:
            names = [c.strip() for c in row]
            if column not in names:
                raise RecipeError(index, f"there is no column {column!r}")
            position = names.index(column)
        elif position < len(row) and row[position].strip():
            try:
                moment = dt.datetime.strptime(row[position].strip(), source)
            except ValueError:
                pass
            else:
                row = [*row]
                row[position] = moment.strftime(target)
                changed += 1
                step["changed"]["cells"] = changed
        yield row


def _edit_cell(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    target, column, value = _count(step, "row", index), step.get("column"), step.get("value")
    position = -1
    for number, row in enumerate(rows, start=1):
        if number == 1:
            names = [c.strip() for c in row]
            if str(column).strip() not in names:
                raise RecipeError(index, f"there is no column {column!r}")
            position = names.index(str(column).strip())
        elif number == target:
            row = [*row, *[""] * (position + 1 - len(row))]
            row[position] = "" if value is None else str(value)
            step["changed"]["cells"] = 1
        yield row


def _read_encoding(rows: Rows, step: dict[str, Any], index: int) -> Rows:
    return rows  # chosen before the file is opened (reading_encoding, or the sheet)


def _count(step: dict[str, Any], name: str, index: int) -> int:
    value = step.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecipeError(index, f"{step['step']} needs {name}: a whole number")
    return value


def _cell(row: Row, index: int) -> str:
    return row[index] if index < len(row) else ""


_DATA: dict[str, Callable[[Rows, dict[str, Any], int], Rows]] = {
    "read-sheet": _read_encoding,
    "read-encoding": _read_encoding,
    "skip-lines": _skip_lines,
    "join-header-rows": _join_header_rows,
    "drop-empty-rows": _drop_empty_rows,
    "drop-empty-columns": _drop_empty_columns,
    "rename-columns": _rename_columns,
    "drop-columns": _drop_columns,
    "order-columns": _order_columns,
    "rewrite-dates": _rewrite_dates,
    "edit-cell": _edit_cell,
}
