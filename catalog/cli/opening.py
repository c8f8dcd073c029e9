"""How a command opens the site: with the settings `main` read, closed when it ends."""

from __future__ import annotations

from typing import Any

import click

# The commands import the rooms they use when they run (the imports inside functions
# below): `datastore --help` and `datastore validate` then load no database, web or
# search code, and start quickly. None of them dodges an import circle.


def open_site(ctx: click.Context) -> Any:
    from catalog.site import Site  # lazy: start-up time
    from catalog.startup import prepare  # lazy: start-up time

    try:
        site = Site(ctx.obj)
    except ValueError as error:  # a setting that cannot work (catalog/jobs/queue.py, say)
        raise click.UsageError(str(error)) from None
    ctx.call_on_close(site.close)
    prepare(site)
    return site
