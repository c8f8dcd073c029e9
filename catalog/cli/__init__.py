"""The `datastore` command: run the site, publish and check files, manage the catalogue."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from catalog.cli.admin import backup, restore, user
from catalog.cli.opening import open_site, prepare_site
from catalog.cli.worker import worker
from catalog.config import Settings, setting_help
from catalog.datasets.licences import DEFAULT_LICENCE
from catalog.errors import CatalogError
from catalog.terminal import (
    ProgressBar,
    fail,
    print_report,
    read_recipe,
    resolve_schema,
    suggested_recipe,
    unpacked_or_none,
)
from catalog.viewer import Viewer
from ingest.recipe import RecipeError, describe_step


def _settings_epilog() -> str:
    lines = ["Settings (environment variables):"]
    lines += [f"  {name} (default {default!r})" for name, default, _ in setting_help()]
    return "\n".join(lines)


@click.group(epilog=_settings_epilog())
@click.pass_context
def main(ctx: click.Context) -> None:
    """Open datastore: a community data catalogue."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if ctx.obj is None:
        try:
            ctx.obj = Settings.from_env()
        except ValueError as error:
            raise click.UsageError(str(error)) from None


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the data folder, the database tables and the search index."""
    site = open_site(ctx)
    click.echo(f"Catalogue ready in {site.settings.data_dir}")


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: DATASTORE_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: DATASTORE_PORT).")
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=None,
    help="App processes (default: DATASTORE_PROCESSES). Above 1: gunicorn's pre-forked "
    "workers, for a PostgreSQL catalogue only.",
)
@click.pass_context
def run(ctx: click.Context, host: str | None, port: int | None, processes: int | None) -> None:
    """Serve the site (with the sample datasets on first start)."""
    from catalog.app import create_app  # lazy: start-up time
    from catalog.cli.serving import refusal, serve_processes  # lazy: start-up time
    from catalog.datasets.samples import load_samples  # lazy: start-up time
    from catalog.site import Site  # lazy: start-up time

    settings: Settings = ctx.obj
    processes = processes or settings.processes
    reason = refusal(settings, processes)
    if reason:
        raise click.UsageError(reason)
    site = Site(settings)
    try:
        prepare_site(site)
        if site.settings.load_samples:
            count = load_samples(site)
            if count:
                click.echo(f"Published {count} sample datasets.")
    except BaseException:
        site.close()
        raise
    host = host or site.settings.host
    port = port or site.settings.port
    address = f"http://{host}:{port} (data in {site.settings.data_dir})"
    if processes > 1:
        # Start-up work is done; nothing this process opened may cross the fork.
        site.close()
        click.echo(f"Serving the open datastore on {address} with {processes} processes")
        serve_processes(site.settings, host, port, processes)
        return
    ctx.call_on_close(site.close)
    from waitress import serve  # lazy: start-up time

    click.echo(f"Serving the open datastore on {address}")
    serve(create_app(site=site), host=host, port=port, threads=site.settings.threads)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--schema",
    "schema_spec",
    required=True,
    help="A schema file, a ready schema's name, or 'infer'.",
)
@click.option("--title", help="Title of a new dataset (default: the file name).")
@click.option("--description", default="", help="What the data is.")
@click.option("--org", "organisation", default="", help="The organisation that publishes it.")
@click.option(
    "--licence", "licence_id", default=DEFAULT_LICENCE, help="Licence id (see the README)."
)
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for more.")
@click.option("--source-url", default="", help="Where the data came from.")
@click.option("--name", default="", help="URL name of a new dataset (default: from the title).")
@click.option(
    "--dataset", "dataset_name", default=None, help="Add a new version to this dataset instead."
)
@click.option(
    "--recipe",
    "recipe_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Apply the fixes in this recipe (JSON, as a dataset page's recipe.json) first.",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Apply every fix the upload page would offer (never a guess at a cell's value), "
    "taking the page's preselected answer to any question.",
)
@click.option("--encoding", default=None, help="Read the file in this encoding (a question).")
@click.option("--header-row", type=int, default=None, help="The row that holds the column names.")
@click.option("--sheet", default=None, help="The sheet of a workbook that holds the table.")
@click.pass_context
def ingest(ctx: click.Context, file: Path, schema_spec: str, **options: Any) -> None:
    """Validate FILE and publish it if it is valid; otherwise print every problem."""
    from catalog.datasets.publishing import (  # lazy: start-up time
        DatasetMetadata,
        check_publish_request,
        publish_file,
    )

    schema = resolve_schema(schema_spec, file, ctx.obj)
    recipe = read_recipe(options.pop("recipe_file"))
    settings: Settings = ctx.obj
    if not recipe:  # a compressed file's fixes are those of the table it holds
        with tempfile.TemporaryDirectory() as scratch:
            table = unpacked_or_none(file, Path(scratch), settings)
            if table is not None:
                recipe = suggested_recipe(table, schema, options, settings.legacy_encoding_list)
    site = open_site(ctx)
    dataset_name = options.pop("dataset_name")
    metadata = None
    if not dataset_name:
        metadata = DatasetMetadata(
            title=options["title"] or file.stem.replace("_", " ").replace("-", " "),
            description=options["description"],
            organisation=options["organisation"],
            licence_id=options["licence_id"],
            tags=list(options["tags"]),
            source_url=options["source_url"],
            name=options["name"],
        )
    try:
        with site.session() as session:  # the command line runs as the site itself
            check_publish_request(session, metadata, dataset_name, Viewer.system())
    except CatalogError as error:
        fail(error)
    with ProgressBar() as bar:
        try:
            outcome = publish_file(
                site,
                file,
                original_name=file.name,
                schema=schema,
                metadata=metadata,
                dataset_name=dataset_name,
                progress=bar.update,
                recipe=recipe,
            )
        except (CatalogError, RecipeError) as error:
            fail(error)
    result = outcome.result
    if outcome.published:
        for step in (result.version.recipe() if result.version else None) or []:
            click.echo(f"Fix: {describe_step(step)}")
        click.echo(
            f"Published {file.name} as {outcome.dataset_name}, version {outcome.version_number}: "
            f"{result.facts['rows']:,} rows (read as {result.sniffed.encoding_label}, "
            f"{result.sniffed.delimiter_label}-separated)."
        )
        return
    print_report(result.report, file.name, site.settings.error_limit)
    click.echo(
        f"Nothing was published. The original file and its report are kept in {result.kept_at}"
    )
    sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--schema",
    "schema_spec",
    default="infer",
    help="A schema file, a ready schema's name, or 'infer' (default).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the report as JSON (frictionless's shape)."
)
@click.option("--limit-errors", type=int, default=None, help="Stop after this many errors.")
@click.option(
    "--recipe",
    "recipe_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Check the file as this recipe of fixes leaves it (nothing is written).",
)
@click.option("--fix", is_flag=True, help="Check the file as the fixes offered would leave it.")
@click.pass_context
def validate(
    ctx: click.Context,
    file: Path,
    schema_spec: str,
    as_json: bool,
    limit_errors: int | None,
    recipe_file: Path | None,
    fix: bool,
) -> None:
    """Check FILE against a schema without publishing anything (with --fix: as the fixes
    the upload page would offer leave it; --json then also gives them, as "recipe")."""
    from ingest import Sniffed, sniff_file, validate_file  # lazy: start-up time
    from ingest.compressed import CompressedError, unpack_table  # lazy: start-up time
    from ingest.limits import problem_report  # lazy: start-up time
    from ingest.pipeline import prepare_table  # lazy: start-up time

    settings: Settings = ctx.obj
    schema = resolve_schema(schema_spec, file, ctx.obj)
    recipe = read_recipe(recipe_file)
    limit = limit_errors or settings.error_limit
    steps: list[dict[str, Any]] = []
    sniffed = Sniffed("utf-8", ",", "\n")
    with tempfile.TemporaryDirectory() as scratch, ProgressBar(enabled=not as_json) as bar:
        try:  # a compressed file is checked as the table it holds
            table = unpack_table(
                file,
                Path(scratch),
                max_unpacked_bytes=settings.max_unpacked_bytes,
                progress=bar.update,
            ).path
        except CompressedError as error:
            report = problem_report(file, error.problem)
        else:
            if fix and not recipe:
                recipe = suggested_recipe(
                    table, schema, {"fix": True}, settings.legacy_encoding_list, quiet=as_json
                )
            sniffed = sniff_file(table, settings.legacy_encoding_list)
            if recipe:
                try:
                    table, sniffed, schema, steps = prepare_table(
                        table, recipe, schema, sniffed, Path(scratch) / "prepared.csv"
                    )
                except RecipeError as error:
                    fail(error)
                if not as_json:
                    for step in steps:
                        click.echo(f"Fix: {describe_step(step)}")
            report = validate_file(table, schema, sniffed, limit_errors=limit, progress=bar.update)
    if as_json:
        if recipe:
            report = {**report, "recipe": steps}
        click.echo(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    elif report["valid"]:
        rows = report["tasks"][0]["stats"].get("rows", 0)
        click.echo(
            f"{file.name} is valid: {rows:,} rows "
            f"(read as {sniffed.encoding_label}, {sniffed.delimiter_label}-separated)."
        )
    else:
        print_report(report, file.name, limit)
    sys.exit(0 if report["valid"] else 1)


@main.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from the database."""
    from catalog.datasets.indexing import reindex as rebuild  # lazy: start-up time

    count = rebuild(open_site(ctx))
    click.echo(f"Search index rebuilt: {count} datasets.")


main.add_command(backup)
main.add_command(restore)
main.add_command(user)
main.add_command(worker)
