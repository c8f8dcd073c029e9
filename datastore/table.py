"""Typed tables in Parquet: write in batches, open them, read a page."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from datastore.errors import NotFound

BATCH_ROWS = 64 * 1024
ROW_GROUP_ROWS = 16 * 1024


def open_parquet(path: Path, **options: Any) -> pq.ParquetFile:
    """A stored Parquet file, its footer parsed once: published files never change, and a
    10M-row table's footer takes a couple of milliseconds to read, as long as a page."""
    stat = path.stat()
    return pq.ParquetFile(
        path, metadata=_footer(str(path), stat.st_mtime_ns, stat.st_size), **options
    )


@functools.lru_cache(maxsize=128)
def _footer(path: str, mtime_ns: int, size: int) -> pq.FileMetaData:
    return pq.read_metadata(path)


def use_memory_pool(name: str) -> bool:
    """Make `name` (jemalloc, mimalloc or system) Arrow's allocator for this process.

    False if this pyarrow was built without it (pyarrow's default stays). jemalloc measured
    faster and smaller than pyarrow's default (mimalloc) for our ingests and downloads.
    """
    pools = {
        "jemalloc": pa.jemalloc_memory_pool,
        "mimalloc": pa.mimalloc_memory_pool,
        "system": pa.system_memory_pool,
    }
    if name not in pools:
        raise ValueError(f"unknown Arrow memory pool {name!r}; use one of {', '.join(pools)}")
    try:
        pa.set_memory_pool(pools[name]())
    except NotImplementedError:
        return False
    return True


class TableWriter:
    """Writes a Parquet file batch by batch, so a table never has to fit in memory.

    Batches are gathered into row groups of about ROW_GROUP_ROWS rows: big enough that a
    file of millions of rows has a few hundred row groups (its footer stays small, so a page
    costs one row group read), small enough that a page never reads much more than it shows.
    With `background=True` row groups are compressed and written by a thread of their own
    (Arrow releases the GIL), so reading the next block overlaps writing this one; at most
    one row group waits in the queue.
    """

    def __init__(
        self,
        path: Path,
        schema: pa.Schema,
        *,
        background: bool = False,
        row_group_rows: int = ROW_GROUP_ROWS,
    ) -> None:
        self.schema = schema
        self.rows = 0
        self.row_group_rows = row_group_rows
        # No Bloom filters: Arrow keeps every row group's filters in memory until the file
        # is closed, which grew a 5M-row ingest's memory; id-like columns get a sorted
        # value index at publishing instead (datastore/lookup.py).
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")
        self._pool = ThreadPoolExecutor(1) if background else None
        self._pending: list[Future[None]] = []
        self._buffer: list[pa.RecordBatch] = []
        self._buffered = 0

    def write_columns(self, columns: list[list[Any]]) -> None:
        batch = pa.RecordBatch.from_arrays(
            [pa.array(values, type=f.type) for values, f in zip(columns, self.schema, strict=True)],
            schema=self.schema,
        )
        self.write_batch(batch)

    def write_batch(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        self._buffer.append(batch)
        self._buffered += batch.num_rows
        if self._buffered >= self.row_group_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        table = pa.Table.from_batches(self._buffer, schema=self.schema)
        self._buffer, self._buffered = [], 0
        if self._pool is None:
            self._write(table)
            return
        while len(self._pending) >= 1:
            self._pending.pop(0).result()
        self._pending.append(self._pool.submit(self._write, table))

    def _write(self, table: pa.Table) -> None:
        self._writer.write_table(table, row_group_size=max(table.num_rows, 1))

    def close(self) -> None:
        try:
            self._flush()
            for future in self._pending:
                future.result()
        finally:
            self._pending = []
            if self._pool is not None:
                self._pool.shutdown()
            self._writer.close()


@dataclass(frozen=True)
class Page:
    columns: list[str]
    rows: list[list[Any]]
    offset: int
    total: int


def read_page(path: Path, offset: int = 0, limit: int = 20) -> Page:
    """Rows [offset, offset+limit) of a table, reading only the row groups they sit in."""
    if not path.is_file():
        raise NotFound(f"no table at {path.name}")
    table, offset, total = read_rows(path, offset, limit)
    return Page(table.column_names, [list(r.values()) for r in table.to_pylist()], offset, total)


def read_rows(
    path: Path, offset: int, limit: int, columns: list[str] | None = None
) -> tuple[pa.Table, int, int]:
    """(rows [offset, offset+limit) of a stored table, the offset used, the table's row
    count). Only the row groups the rows sit in are read; the offset is kept in range."""
    with open_parquet(path) as parquet:
        total = parquet.metadata.num_rows
        offset = max(0, min(offset, total))
        wanted: list[pa.Table] = []
        start = 0
        for group in range(parquet.num_row_groups):
            size = parquet.metadata.row_group(group).num_rows
            if start + size > offset and start < offset + limit:
                table = parquet.read_row_group(group, columns=columns)
                first = max(start, offset)
                wanted.append(table.slice(first - start, offset + limit - first))
            start += size
            if start >= offset + limit:
                break
        schema = parquet.schema_arrow
    if not wanted:
        names = columns if columns is not None else schema.names
        return pa.Table.from_batches([], schema=schema).select(names), offset, total
    return pa.concat_tables(wanted), offset, total


def table_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Every row as a dict, batch by batch."""
    if not path.is_file():
        raise NotFound(f"no table at {path.name}")
    with pq.ParquetFile(path) as parquet:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            yield from batch.to_pylist()
