"""`datastore worker`: upload workers as their own process (DATASTORE_JOB_QUEUE=postgresql)."""

from __future__ import annotations

import click

from catalog.cli.opening import open_site


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Uploads this process checks and publishes at once.",
)
@click.pass_context
def worker(ctx: click.Context, concurrency: int) -> None:
    """Check and publish the site's uploads from its job queue, in PostgreSQL, until stopped
    (Ctrl+C or SIGTERM: the uploads running finish first). Run as many as the machines
    allow; an upload whose worker dies is taken up by another."""
    if ctx.obj.job_queue != "postgresql":
        raise click.UsageError(
            f"This site's uploads run in the app's own threads (DATASTORE_JOB_QUEUE="
            f"{ctx.obj.job_queue}), so it needs no worker. Workers run the uploads of a site "
            "whose DATASTORE_JOB_QUEUE is postgresql, with a PostgreSQL catalogue."
        )
    from catalog.jobs.queue import run_workers  # lazy: start-up time

    site = open_site(ctx)
    click.echo(
        f"Upload worker {site.processes.id[:8]} running {concurrency} at a time "
        f"(data in {site.settings.data_dir})"
    )
    run_workers(site.jobs, site.settings.database_url, concurrency)
