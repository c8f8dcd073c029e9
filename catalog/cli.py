"""The `datastore` command: run the site, publish and check files, manage the catalogue."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from catalog.config import Settings, setting_help
from catalog.datasets.licences import DEFAULT_LICENCE
from catalog.errors import CatalogError
from catalog.terminal import (
    ProgressBar,
    counted,
    fail,
    print_report,
    read_recipe,
    resolve_schema,
    suggested_recipe,
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


# The commands import the rooms they use when they run (the imports inside functions
# below): `datastore --help` and `datastore validate` then load no database, web or
# search code, and start quickly. None of them dodges an import circle.


def _site(ctx: click.Context) -> Any:
    from catalog.site import Site  # lazy: start-up time
    from catalog.startup import prepare  # lazy: start-up time

    site = Site(ctx.obj)
    ctx.call_on_close(site.close)
    prepare(site)
    return site


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the data folder, the database tables and the search index."""
    site = _site(ctx)
    click.echo(f"Catalogue ready in {site.settings.data_dir}")


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: DATASTORE_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: DATASTORE_PORT).")
@click.pass_context
def run(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the site (with the sample datasets on first start)."""
    from waitress import serve  # lazy: start-up time

    from catalog.app import create_app  # lazy: start-up time
    from catalog.datasets.samples import load_samples  # lazy: start-up time

    site = _site(ctx)
    if site.settings.load_samples:
        count = load_samples(site)
        if count:
            click.echo(f"Published {count} sample datasets.")
    app = create_app(site=site)
    host = host or site.settings.host
    port = port or site.settings.port
    click.echo(
        f"Serving the open datastore on http://{host}:{port} (data in {site.settings.data_dir})"
    )
    serve(app, host=host, port=port, threads=site.settings.threads)


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

    schema = resolve_schema(schema_spec, file)
    recipe = read_recipe(options.pop("recipe_file"))
    settings: Settings = ctx.obj
    recipe = recipe or suggested_recipe(file, schema, options, settings.legacy_encoding_list)
    site = _site(ctx)
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
    import tempfile

    from ingest import sniff_file, validate_file  # lazy: start-up time
    from ingest.pipeline import prepare_table  # lazy: start-up time

    settings: Settings = ctx.obj
    schema = resolve_schema(schema_spec, file)
    recipe = read_recipe(recipe_file)
    if fix and not recipe:
        recipe = suggested_recipe(
            file, schema, {"fix": True}, settings.legacy_encoding_list, quiet=as_json
        )
    sniffed = sniff_file(file, settings.legacy_encoding_list)
    limit = limit_errors or settings.error_limit
    steps: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch, ProgressBar(enabled=not as_json) as bar:
        table = file
        if recipe:
            try:
                table, sniffed, schema, steps = prepare_table(
                    file, recipe, schema, sniffed, Path(scratch) / "prepared.csv"
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

    count = rebuild(_site(ctx))
    click.echo(f"Search index rebuilt: {count} datasets.")


@main.command()
@click.argument("destination", type=click.Path(path_type=Path))
@click.pass_context
def backup(ctx: click.Context, destination: Path) -> None:
    """Write a consistent backup of the catalogue into DESTINATION, a new folder: the
    database, every published version's files and the secret key. Safe while the site
    runs; docs/operations.md says how to schedule it."""
    from catalog.backup.writing import take_backup  # lazy: start-up time
    from catalog.site import Site  # lazy: start-up time

    site = Site(ctx.obj)  # not prepared: a backup changes nothing in the site
    ctx.call_on_close(site.close)
    with ProgressBar() as bar:
        try:
            done = take_backup(site, destination, progress=bar.update)
        except CatalogError as error:
            fail(error)
    click.echo(
        f"Backed up {counted(done.datasets, 'dataset')} and {counted(done.versions, 'version')} "
        f"into {done.path}: {counted(done.files, 'file')}, {done.bytes / 1e6:,.1f} MB "
        f"(database migration {done.revision})."
    )


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Only check the backup's files; change nothing.")
@click.pass_context
def restore(ctx: click.Context, source: Path, check: bool) -> None:
    """Bring a new site (an empty database and data folder) back to the backup in SOURCE,
    after checking every file of it against its manifest."""
    from catalog.backup.restoring import check_backup, restore_backup  # lazy: start-up time
    from catalog.site import Site  # lazy: start-up time

    with ProgressBar() as bar:
        try:
            if check:
                manifest = check_backup(source, progress=bar.update)
            else:
                site = Site(ctx.obj)  # not prepared: the restore makes its database
                ctx.call_on_close(site.close)
                done = restore_backup(site, source, progress=bar.update)
        except CatalogError as error:
            fail(error)
    if check:
        tables = manifest["tables"]
        click.echo(
            f"The backup in {source} is whole: {counted(tables.get('datasets', 0), 'dataset')} "
            f"and {counted(tables.get('versions', 0), 'version')}, taken {manifest['created']}."
        )
        return
    click.echo(
        f"Restored {counted(done.datasets, 'dataset')} and {counted(done.versions, 'version')} "
        f"from {done.path} (taken {done.created}): {counted(done.files, 'file')}, "
        f"{done.bytes / 1e6:,.1f} MB; search index rebuilt."
    )
    if done.secret_key:
        click.echo(f"The site's secret key was restored into {done.secret_key}.")


@main.group()
def user() -> None:
    """Manage user accounts."""


@user.command("create")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Make this user an administrator.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def user_create(ctx: click.Context, username: str, admin: bool, password_stdin: bool) -> None:
    """Create a user who can sign in and publish."""
    from catalog.accounts.users import create_user  # lazy: start-up time

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    site = _site(ctx)
    with site.session() as session:
        try:
            create_user(session, username, password, is_admin=admin)
            session.commit()
        except CatalogError as error:
            fail(error)
    click.echo(f"Created user {username}{' (administrator)' if admin else ''}.")


@user.command("token")
@click.argument("username")
@click.option("--name", default="command line", help="What the token is for.")
@click.pass_context
def user_token(ctx: click.Context, username: str, name: str) -> None:
    """Make an API token for a user and print it (it is shown only this once)."""
    from sqlalchemy import select

    from catalog.accounts.tokens import create_token  # lazy: start-up time
    from catalog.db.models import User  # lazy: start-up time

    site = _site(ctx)
    with site.session() as session:
        found = session.scalar(select(User).where(User.username == username))
        if found is None:
            raise click.ClickException(f"There is no user called {username!r}.")
        _, secret = create_token(session, found.id, name)
        session.commit()
    click.echo(secret)
