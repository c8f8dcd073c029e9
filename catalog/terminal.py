"""What the `datastore` command says on the terminal: schemas named on the command line,
reports, errors, recipes read from a file, and the progress bar that follows an
ingest, a backup or a restore."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from catalog.config import Settings
from catalog.errors import CatalogError
from ingest.recipe import RecipeError, check_recipe, describe_step
from schemas import SchemaError, library_entries, library_schema, load_schema


def suggested_recipe(
    file: Path,
    schema: dict[str, Any] | None,
    options: dict[str, Any],
    legacy_encodings: tuple[str, ...],
    *,
    quiet: bool = False,
) -> list[dict[str, Any]] | None:
    """The fixes for --fix (and the answers given as --encoding, --header-row, --sheet).
    Without --fix, a question the file raises stops the command, naming the option that
    answers it; with --fix the page's preselected answer is taken, and said."""
    from ingest.suggest import suggest_for_file  # lazy: start-up time
    from ingest.workbook import is_workbook  # lazy: start-up time

    fix = options.pop("fix", False)
    answers = {
        key: str(value)
        for key, value in (
            ("encoding", options.pop("encoding", None)),
            ("sheet", options.pop("sheet", None)),
            ("header", options.pop("header_row", None)),
        )
        if value is not None
    }
    workbook = is_workbook(file)
    if not fix and not answers and not workbook:
        return None
    if "header" in answers:
        answers["header"] = f"{answers['header']}:1"
    try:
        found = suggest_for_file(
            file, schema=schema, answers=answers, legacy_encodings=legacy_encodings
        )
    except (RecipeError, ValueError) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    option = {"encoding": "--encoding", "header": "--header-row", "sheet": "--sheet"}
    for question in found.questions:
        shown = {c.value: c.label for c in question.choices}
        if question.key in answers:
            continue
        if not fix and (question.key in option and (not workbook or question.key == "sheet")):
            click.echo(f"{question.text}", err=True)
            for choice in question.choices:
                click.echo(
                    f"  {option[question.key]} {choice.value.split(':')[0]}: {choice.label}",
                    err=True,
                )
            click.echo(
                f"Choose with {option[question.key]}, or take the suggestion with --fix.", err=True
            )
            sys.exit(1)
        taken = shown.get(question.chosen, question.chosen)
        if not quiet:
            click.echo(f"Chose: {question.text} {taken} (what the page preselects)")
    if workbook and not fix:  # read through its sheet, and nothing more without --fix
        return [step for step in found.steps if step["step"] == "read-sheet"]
    for note in [] if quiet else found.notes:
        click.echo(f"Found: {note}")
    return found.steps or None


def unpacked_or_none(file: Path, scratch: Path, settings: Settings) -> Path | None:
    """The table `file` holds, unpacked into `scratch` when it is compressed (the file
    itself when not); None when it cannot be (the ingest's report says why)."""
    from ingest.compressed import CompressedError, unpack_table  # lazy: start-up time

    try:
        return unpack_table(file, scratch, max_unpacked_bytes=settings.max_unpacked_bytes).path
    except CompressedError:
        return None


def counted(count: int, word: str) -> str:
    """'1 dataset', '2 datasets', '1,024 versions'."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def print_steps(steps: list[dict[str, Any]], prefix: str = "Fix") -> None:
    for step in steps:
        click.echo(f"{prefix}: {describe_step(step)}")


def resolve_schema(spec: str, data: Path, settings: Settings) -> dict[str, Any] | None:
    """A schema file's path, a ready schema's name, or 'infer' (returns None); a file within
    the settings' schema limits (the upload page's)."""
    if spec == "infer":
        return None
    try:
        if Path(spec).is_file():
            return load_schema(
                Path(spec),
                data_name=data.name,
                max_fields=settings.max_schema_fields,
                max_bytes=settings.max_schema_bytes,
            )
        names = [e.name for e in library_entries()]
        if spec in names:
            return library_schema(spec)
    except SchemaError as error:
        click.echo(f"The schema {spec} cannot be used:", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)
    raise click.BadParameter(
        f"{spec!r} is neither a schema file nor a ready schema. Ready schemas: {', '.join(names)}; "
        "or use 'infer'.",
        param_hint="--schema",
    )


def print_report(report: dict[str, Any], name: str, limit: int) -> None:
    errors = list(report.get("errors", []))
    for task in report.get("tasks", []):
        errors += task.get("errors", [])
        for warning in task.get("warnings", []):
            click.echo(f"Warning: {warning}")
    more = " or more (validation stopped at the error limit)" if len(errors) >= limit else ""
    click.echo(
        f"{name} is not valid: {len(errors)} problem{'s' if len(errors) != 1 else ''}{more}."
    )
    for error in errors:
        click.echo(f"  {_where(error)}: [{error.get('type')}] {error.get('message')}")
        click.echo(f"      How to fix: {error.get('fix')}")


def _where(error: dict[str, Any]) -> str:
    if error.get("rowNumber"):
        row = f"row {error['rowNumber']}"
    elif error.get("rowNumbers"):
        row = "header row"
    else:
        row = "file"
    if error.get("fieldNumber"):
        name = f' "{error["fieldName"]}"' if error.get("fieldName") else ""
        return f"{row}, column {error['fieldNumber']}{name}"
    return row


def fail(error: CatalogError | RecipeError) -> None:
    if isinstance(error, RecipeError):
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Error: {error.message}", err=True)
    for field, problem in error.fields.items():
        click.echo(f"  {field}: {problem}", err=True)
    sys.exit(2)


def read_recipe(path: Path | None) -> list[dict[str, Any]] | None:
    """A recipe file's steps; a file that is not one is a usage error naming it."""
    if path is None:
        return None
    try:
        return check_recipe(json.loads(path.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise click.BadParameter(f"{path} is not a JSON recipe: {error}") from None
    except RecipeError as error:
        raise click.BadParameter(f"{path}: {error}") from None


class ProgressBar:
    """A progress bar on standard error that follows the stages of an ingest, a backup or
    a restore."""

    LABELS = {
        "unpacking": "Unpacking",
        "reading": "Checking and converting",
        "validating": "Checking",
        "converting": "Converting",
        "profiling": "Describing the columns",
        "snapshot": "Reading the database",
        "copying": "Copying files",
        "checking": "Checking the backup",
        "loading": "Restoring the database",
    }
    BYTES = frozenset({"unpacking", "reading", "copying", "checking"})  # counted in bytes

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.stage = ""

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._close()

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            self._close()
            self.stage = stage
            self.bar = click.progressbar(
                length=max(total, 1),
                label=self.LABELS.get(stage, stage),
                file=sys.stderr,
                show_percent=True,
                item_show_func=lambda _: self._megabytes(),
            )
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(max(0, min(done, self.bar.length) - self.bar.pos))

    def _megabytes(self) -> str:
        if self.bar is None or self.stage not in self.BYTES:
            return ""
        return f"{self.bar.pos / 1e6:,.1f} of {self.bar.length / 1e6:,.1f} MB"

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
