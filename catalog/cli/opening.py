"""How a command opens the site: with the settings `main` read, closed when it ends."""

from __future__ import annotations

from typing import Any

import click

# The commands import the rooms they use when they run (the imports inside functions
# below): `datastore --help` and `datastore validate` then load no database, web or
# search code, and start quickly. None of them dodges an import circle.


def open_site(ctx: click.Context) -> Any:
    from catalog.site import Site  # lazy: start-up time

    try:
        site = Site(ctx.obj)
    except ValueError as error:  # a setting that cannot work (catalog/jobs/queue.py, say)
        raise click.UsageError(str(error)) from None
    ctx.call_on_close(site.close)
    prepare_site(site)
    return site


def prepare_site(site: Any) -> None:
    """Bring the site up to date (catalog/startup.py); a database that is not answering
    is said in plain words, not a traceback."""
    from sqlalchemy.engine import make_url  # lazy: start-up time

    from catalog.errors import database_down  # lazy: start-up time
    from catalog.startup import prepare  # lazy: start-up time

    try:
        prepare(site)
    except Exception as error:
        if not database_down(error):
            raise
        where = make_url(site.settings.database_url).render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise click.ClickException(
            f"The catalogue's database ({where}) is not answering: {reason}. Start "
            "PostgreSQL, or check DATASTORE_DATABASE_URL, and try again."
        ) from None
