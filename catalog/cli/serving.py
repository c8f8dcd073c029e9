"""How `datastore run` serves: one waitress process, or several gunicorn processes.

With `--processes N` (N > 1) the command's own process becomes gunicorn's master: it
brings the site up to date once (migrations, the sample datasets, sweeping up after a
crash: catalog/startup.py), lets go of everything it opened (the database engine, the
data folder's lock), and only then forks N workers. Nothing opened before the fork is
shared: each worker builds a Site of its own, with its own engine and its own lock in
processes/ (so that it is known alive, and its uploads are swept up by the next process
to start if it dies), and joins the site as any starting process does. gunicorn replaces
a worker that dies; the one that replaces it sweeps up after it (catalog/jobs/recovery.py).

Several processes need a PostgreSQL catalogue: SQLite has one writer at a time, and
several processes waiting on its file lock would answer slower than one.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from catalog.config import Settings

log = logging.getLogger(__name__)

BOOT_WAIT = 40  # seconds; less than gunicorn's `timeout` below, which would kill it first

SQLITE_REFUSAL = (
    "--processes {processes} needs a PostgreSQL catalogue, and this one is a SQLite file. "
    "SQLite lets one process write at a time (the others wait on its file lock), so "
    "several app processes would be slower, not faster. Serve with one process "
    "(--processes 1, the default), or set DATASTORE_DATABASE_URL to a PostgreSQL database "
    "(postgresql+psycopg://user@host/db) to use several."
)


def refusal(settings: Settings, processes: int) -> str | None:
    """Why this site cannot be served with `processes` processes, or None if it can."""
    url = settings.database_url
    if processes > 1 and (not url or url.startswith("sqlite")):
        return SQLITE_REFUSAL.format(processes=processes)
    return None


def gunicorn_options(settings: Settings, host: str, port: int, processes: int) -> dict[str, Any]:
    """gunicorn's settings for the catalogue (gunicorn's own names)."""
    return {
        "bind": [f"{host}:{port}"],
        "workers": processes,
        "worker_class": "gthread",
        "threads": settings.threads,
        "preload_app": False,  # each worker builds its own app and Site, after the fork
        # A worker that stops answering its master for this long is replaced. gthread
        # workers answer from their main loop, so a long download never counts.
        "timeout": 60,
        "graceful_timeout": 30,
        "keepalive": 5,
        # Addresses and https come from the proxy_hops setting alone (ProxyFix in
        # catalog/app.py), as under waitress: gunicorn trusts no forwarded header itself.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        "limit_request_line": 8190,  # long filtered preview addresses
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "datastore",
        "control_socket_disable": True,  # one per user's home: two sites would clash
        "worker_exit": _close_worker_site,
    }


def serve_processes(settings: Settings, host: str, port: int, processes: int) -> None:
    """Serve with `processes` gunicorn workers until the master is stopped."""
    from gunicorn.app.base import BaseApplication  # lazy: start-up time

    options = gunicorn_options(settings, host, port, processes)

    class CatalogueServer(BaseApplication):
        def load_config(self) -> None:
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Any:  # in each worker, after the fork
            return worker_app(settings)

    CatalogueServer().run()


def worker_app(settings: Settings) -> Any:
    """The app of one gunicorn worker: a Site of its own, joined as any process joins
    (create_app prepares it: migrations are at head already, so that only registers this
    worker and sweeps up after dead processes).

    A worker that starts while PostgreSQL is not answering (one replacing a worker that
    died during a restart of PostgreSQL) waits for it, up to BOOT_WAIT seconds, then exits
    for gunicorn to start another: a worker that raised while booting would make gunicorn
    stop the whole server."""
    from catalog.app import create_app  # lazy: start-up time
    from catalog.errors import database_down  # lazy: start-up time
    from catalog.site import Site  # lazy: start-up time

    deadline = time.monotonic() + BOOT_WAIT
    for attempt in range(1000):
        site = Site(settings)
        try:
            return create_app(site=site)
        except Exception as error:
            site.close()
            if not database_down(error):
                raise
            if time.monotonic() > deadline:
                log.warning("the database is still not answering; this worker makes way")
                sys.exit(1)  # not a boot error: gunicorn starts another worker
            if attempt == 0:
                log.warning("the database is not answering; this worker waits for it")
            time.sleep(1)
        except BaseException:
            site.close()
            raise
    raise RuntimeError("unreachable")  # the deadline ends the loop long before


def _close_worker_site(_server: Any, worker: Any) -> None:
    """gunicorn's worker_exit hook: finish the worker's uploads and let go of its lock."""
    app = getattr(worker, "wsgi", None)
    site = getattr(app, "extensions", {}).get("site") if app is not None else None
    if site is not None:
        site.close()
