"""The catalogue database as portable rows: read as of one moment, loaded into an empty
database of either kind.

One moment, on each database:

- SQLite: sqlite3's online backup API copies the live file, page by page in one step, into
  a scratch file, and the rows are read from that still copy. (Reading the live file
  table by table would not do: Python's sqlite3 driver begins no transaction for a
  SELECT, so each table would be read at a moment of its own.) The copy takes a moment
  even for a large catalogue and, in WAL mode, never blocks the site's writers.
- PostgreSQL: every table is read inside one REPEATABLE READ, READ ONLY transaction, the
  snapshot pg_dump itself reads in; the site's writers go on meanwhile. The tables are
  those of the connection's schema (its search_path), so a site kept in a schema of a
  shared database is backed up alone.

Each table is written to database/<table>.jsonl: its column names on the first line, then
one JSON array per row, in primary key order; dates and times as ISO 8601 text. The
tables are read as the database has them (reflected), not as the models say, so a site
whose database is at an older migration than this code is backed up as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    func,
    inspect,
    select,
    text,
)

from catalog.backup.manifest import BackupError
from catalog.db.models import Base

BATCH = 1000
# Filled from a seed on an empty site (catalog/foi/authorities.py): with no users and no
# requests it can hold nothing else, and a restore replaces it with the backup's own.
SEEDED = {"authorities"}

Tables = Callable[[int, int], None]  # told how many tables of how many are done


@contextmanager
def database_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that sees the catalogue as it was at one moment, while it is open."""
    if engine.dialect.name == "sqlite":
        live = engine.url.database
        if not live or live == ":memory:" or not Path(live).is_file():
            raise BackupError(f"There is no catalogue database at {live}: nothing to back up.")
        with tempfile.TemporaryDirectory(prefix="datastore-backup-") as scratch:
            copy = Path(scratch) / "snapshot.db"
            source, target = sqlite3.connect(live, timeout=30), sqlite3.connect(copy)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
            still = create_engine(f"sqlite:///{copy}")
            try:
                with still.connect() as connection:
                    yield connection
            finally:
                still.dispose()
        return
    with engine.connect() as connection:
        # The level is put back when the connection returns to the pool; READ ONLY is set
        # for this transaction alone, so the site's pooled connection is left as it was.
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection


def revision_of(connection: Connection) -> str:
    """The migration the database is at; refuses a database that holds no catalogue."""
    names = set(inspect(connection).get_table_names())
    if "alembic_version" not in names or not names & set(Base.metadata.tables):
        where = connection.engine.url.render_as_string(hide_password=True)
        raise BackupError(f"There is no catalogue in the database at {where}: nothing to back up.")
    return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def dump_tables(connection: Connection, folder: Path, progress: Tables) -> dict[str, int]:
    """Write every catalogue table's rows into `folder`; {table: rows}."""
    folder.mkdir(mode=0o700)
    metadata = _reflect(connection)
    counts: dict[str, int] = {}
    for done, table in enumerate(metadata.sorted_tables):
        progress(done, len(metadata.sorted_tables))
        rows = connection.execution_options(yield_per=BATCH).execute(
            select(table).order_by(*table.primary_key.columns)
        )
        counts[table.name] = 0
        fd = os.open(folder / f"{table.name}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps([column.name for column in table.columns]) + "\n")
            for row in rows:
                out.write(json.dumps([_plain(value) for value in row], ensure_ascii=False))
                out.write("\n")
                counts[table.name] += 1
            out.flush()
            os.fsync(out.fileno())
    progress(len(counts), len(counts))
    return counts


def catalogue_rows(connection: Connection) -> dict[str, int]:
    """The catalogue tables the database already has that hold rows: {table: rows}."""
    names = set(inspect(connection).get_table_names()) & set(Base.metadata.tables)
    counts = {
        name: connection.scalar(select(func.count()).select_from(Table(name, MetaData()))) or 0
        for name in sorted(names)
    }
    return {name: count for name, count in counts.items() if count}


def drop_catalogue(connection: Connection) -> None:
    """Drop the tables of an empty catalogue (checked by the caller: catalogue_rows), so
    that the migrations can make them again at the backup's revision."""
    names = set(inspect(connection).get_table_names())
    ours = names & {*Base.metadata.tables, "alembic_version"}
    metadata = MetaData()
    metadata.reflect(connection, only=sorted(ours))
    metadata.drop_all(connection)


def load_tables(
    connection: Connection, folder: Path, tables: dict[str, int], progress: Tables
) -> None:
    """Insert the rows of the backup's tables into the database's empty tables, parents
    before children, then (on PostgreSQL) move each id sequence past the largest id."""
    strange = set(tables) - set(Base.metadata.tables)
    if strange:
        raise BackupError(f"The backup names tables that are not the catalogue's: {strange}.")
    missing = set(tables) - set(inspect(connection).get_table_names())
    if missing:
        raise BackupError(f"The database has no table {', '.join(sorted(missing))} to restore.")
    metadata = MetaData()
    metadata.reflect(connection, only=sorted(tables))
    ordered = [table for table in metadata.sorted_tables if table.name in tables]
    for done, table in enumerate(ordered):
        progress(done, len(ordered))
        with open(folder / f"{table.name}.jsonl", encoding="utf-8") as lines:
            columns = json.loads(next(lines))
            unknown = [name for name in columns if name not in table.columns]
            if unknown:
                raise BackupError(f"The table {table.name} has no column {', '.join(unknown)}.")
            readers = [_reader(table.columns[name].type) for name in columns]
            batch: list[dict[str, Any]] = []
            for line in lines:
                values = zip(columns, readers, json.loads(line), strict=True)
                batch.append({name: read(value) for name, read, value in values})
                if len(batch) == BATCH:
                    connection.execute(table.insert(), batch)
                    batch = []
            if batch:
                connection.execute(table.insert(), batch)
    progress(len(ordered), len(ordered))
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection, ordered)


def _reflect(connection: Connection) -> MetaData:
    names = set(inspect(connection).get_table_names()) & set(Base.metadata.tables)
    metadata = MetaData()
    metadata.reflect(connection, only=sorted(names))
    return metadata


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Rows were inserted with their ids, which moves no sequence: move each to the
    largest id + 1, or the next row made would take an id that is already there."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": keys[0].name},
        )
        if sequence:
            largest = connection.scalar(select(func.max(keys[0]))) or 0
            connection.execute(
                text("SELECT setval(:sequence, :next, false)"),
                {"sequence": sequence, "next": largest + 1},
            )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise BackupError(f"A value of type {type(value).__name__} cannot be backed up: {value!r}")


def _reader(kind: Any) -> Callable[[Any], Any]:
    """How a column's JSON value becomes what the database takes."""
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    return lambda v: v
