"""The `datastore` commands that look after the site: accounts, backups and restores."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from catalog.cli.opening import open_site
from catalog.errors import CatalogError
from catalog.terminal import ProgressBar, counted, fail


@click.command()
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


@click.command()
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


@click.group()
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

    password = _read_password(password_stdin, "Password")
    site = open_site(ctx)
    with site.session() as session:
        try:
            create_user(session, username, password, is_admin=admin)
            session.commit()
        except CatalogError as error:
            fail(error)
    click.echo(f"Created user {username}{' (administrator)' if admin else ''}.")


@user.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def user_password(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Set a user's password; every browser session of the account is signed out."""
    from catalog.accounts.users import set_password  # lazy: start-up time

    password = _read_password(password_stdin, "New password")
    site = open_site(ctx)
    with site.session() as session:
        try:
            set_password(session, username, password)
            session.commit()
        except CatalogError as error:
            fail(error)
    click.echo(f"Changed the password of {username}; their browser sessions are signed out.")


@user.command("token")
@click.argument("username")
@click.option("--name", default="command line", help="What the token is for.")
@click.pass_context
def user_token(ctx: click.Context, username: str, name: str) -> None:
    """Make an API token for a user and print it (it is shown only this once)."""
    from sqlalchemy import select

    from catalog.accounts.tokens import create_token  # lazy: start-up time
    from catalog.db.models import User  # lazy: start-up time

    site = open_site(ctx)
    with site.session() as session:
        found = session.scalar(select(User).where(User.username == username))
        if found is None:
            raise click.ClickException(f"There is no user called {username!r}.")
        _, secret = create_token(session, found.id, name)
        session.commit()
    click.echo(secret)


def _read_password(from_stdin: bool, prompt: str) -> str:
    """A password from standard input's first line, or asked for twice, unseen."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))
