"""The one way we open DuckDB: in memory, no extensions, no file access beyond what the
caller names, a memory limit, and the configuration locked so no SQL can change it.

Left to itself, an in-memory DuckDB spills to `.tmp` in the working directory, up to 90% of
the free disk; here it spills only where the caller says (`spill`), up to `spill_limit`,
and with no `spill` it does not spill at all: a query over its memory limit fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

THREADS = 2


@dataclass(frozen=True)
class QueryLimits:
    """What one query's DuckDB may use: `memory_mb` of memory and, beyond it, up to
    `spill_mb` of disk in a folder of its own inside `spill_folder` (created when a
    connection opens, removed by DuckDB when it closes). No `spill_folder`: no spilling,
    so a sort or distinct bigger than `memory_mb` fails."""

    memory_mb: int = 256
    spill_folder: Path | None = None
    spill_mb: int = 1024

    def spill(self) -> str | None:
        """A fresh folder for one connection to spill to (DuckDB creates it when it first
        spills); None when spilling is off."""
        if self.spill_folder is None:
            return None
        self.spill_folder.mkdir(parents=True, exist_ok=True)
        return os.fspath(self.spill_folder / uuid.uuid4().hex)


def locked_duckdb(
    memory_limit: str,
    *,
    readable: str | None = None,
    spill: str | None = None,
    spill_limit: str | None = None,
    keep_order: bool = True,
    views: Mapping[str, Path] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection that may read only the folder `readable` (None: no file at all) and
    spills to the folder `spill` (None: never) when a query needs more than `memory_limit`,
    up to `spill_limit` (None: DuckDB's default, 90% of the free disk). `keep_order=False`
    lets results without an ORDER BY come in any order, which a big sort or distinct needs
    less memory for (with an ORDER BY the order is the ORDER BY's either way).

    `views` names Parquet files to be read as views of those names: each file (those
    files exactly, no folder) is made readable, and the views are made before access is
    locked, so SQL may read them by name and no other file (datastore/sql.py)."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit,
        "threads": THREADS,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "temp_directory": spill if spill is not None else "",
        "preserve_insertion_order": keep_order,
    }
    if spill is not None and spill_limit is not None:
        config["max_temp_directory_size"] = spill_limit
    con = duckdb.connect(config=config)
    # Names in SQL never reach the caller's Python variables (DuckDB's replacement scans);
    # a table a caller means to query is registered by name.
    con.execute("SET python_enable_replacements = false")
    if readable is not None:
        con.execute("SET allowed_directories = ?", [[os.fspath(readable).rstrip(os.sep) + os.sep]])
    if views:
        files = [os.fspath(path) for path in views.values()]
        con.execute("SET allowed_paths = ?", [files])
        for name, path in views.items():
            quoted = '"' + name.replace('"', '""') + '"'
            literal = "'" + os.fspath(path).replace("'", "''") + "'"  # views take no parameters
            con.execute(f"CREATE VIEW {quoted} AS SELECT * FROM read_parquet({literal})")  # noqa: S608 (quoted)
    con.execute("SET enable_external_access = false")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET lock_configuration = true")
    return con
