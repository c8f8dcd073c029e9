"""The one way we open DuckDB: in memory, no extensions, no file access beyond what the
caller names, a memory limit, and the configuration locked so no SQL can change it."""

from __future__ import annotations

import os

import duckdb

THREADS = 2


def locked_duckdb(
    memory_limit: str, *, readable: str | None = None, spill: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection that may read only the folder `readable` (None: no file at all) and
    spills to the folder `spill` when a query needs more than `memory_limit`."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit,
        "threads": THREADS,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if spill is not None:
        config["temp_directory"] = spill
    con = duckdb.connect(config=config)
    if readable is not None:
        con.execute("SET allowed_directories = ?", [[os.fspath(readable).rstrip(os.sep) + os.sep]])
    con.execute("SET enable_external_access = false")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET lock_configuration = true")
    return con
