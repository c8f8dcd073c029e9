"""Lookups by value: a sorted (value, row) index kept beside a version's table.

Min/max statistics cannot skip anything for a column of ids in no order, so `id = x`
would scan the whole column (about 240 ms for ten million rows). For columns where almost
every value differs, publishing writes `lookup-<position>.parquet`: the column's values
sorted, each with the row it came from, in row groups whose statistics do the searching.
A lookup then reads one row group of the index and asks DuckDB for the rows it names.

The index is sorted by DuckDB (in memory with no file access, spilling to a temporary
folder of its own), and written by pyarrow a row group at a time, so memory stays bounded.
"""

from __future__ import annotations

import bisect
import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from datastore.profile import locked_connection
from datastore.table import open_parquet

INDEX_ROWS = 16 * 1024
MIN_ROWS = 100_000  # below this a scan is already quick
MIN_DISTINCT_SHARE = 0.9  # of the values that are not null
MAX_FOUND = 10_000  # more rows than this: a scan serves as well


def lookup_path(parquet: Path, position: int) -> Path:
    """Where the index of the table's column at `position` lives (names are ours)."""
    return parquet.parent / f"lookup-{position}.parquet"


def worth_indexing(profile: dict[str, Any]) -> list[int]:
    """Positions of the columns an index would help: text or integer, nearly all distinct."""
    rows = int(profile.get("rows") or 0)
    if rows < MIN_ROWS:
        return []
    chosen = []
    for position, column in enumerate(profile.get("columns", [])):
        if column.get("type") not in ("string", "large_string", "int64", "int32"):
            continue
        values = rows - int(column.get("nulls") or 0)
        if values and int(column.get("distinct") or 0) >= MIN_DISTINCT_SHARE * values:
            chosen.append(position)
    return chosen


def build_lookup(parquet: Path, position: int) -> Path:
    """Write the index of one column; it appears whole or not at all."""
    target = lookup_path(parquet, position)
    file = pq.ParquetFile(parquet, pre_buffer=False)
    field = file.schema_arrow.field(position)
    schema = pa.schema([pa.field("v", field.type), pa.field("r", pa.int64())])
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    try:
        with (
            tempfile.TemporaryDirectory(prefix="lookup-") as spill,
            locked_connection(spill) as con,
        ):
            con.register("src", pa.RecordBatchReader.from_batches(schema, _pairs(file, position)))
            sorted_rows = con.sql(
                "SELECT v, r FROM src WHERE v IS NOT NULL ORDER BY v, r"
            ).to_arrow_reader(INDEX_ROWS)
            with pq.ParquetWriter(temporary, schema, compression="zstd") as writer:
                pending: list[pa.RecordBatch] = []
                count = 0
                for batch in sorted_rows:
                    pending.append(batch.cast(schema))
                    count += batch.num_rows
                    if count >= INDEX_ROWS:
                        writer.write_table(pa.Table.from_batches(pending), row_group_size=count)
                        pending, count = [], 0
                if pending:
                    writer.write_table(pa.Table.from_batches(pending), row_group_size=count)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def find_rows(parquet: Path, position: int, values: Sequence[Any]) -> np.ndarray | None:
    """The sorted row positions holding any of `values`, from the column's index.

    None when there is no index, a value does not fit the column's type, or too many rows
    match for the index to help: the caller then scans as usual.
    """
    path = lookup_path(parquet, position)
    if not path.is_file() or not values:
        return None
    with open_parquet(path) as index:
        kind = index.schema_arrow.field("v").type
        try:
            wanted = pc.unique(pa.array([_text(v) for v in values]).cast(kind))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return None
        lows = _Minimums(index)
        try:
            groups = _groups(lows, wanted.to_pylist())
        except LookupError:
            return None
        found: list[np.ndarray] = []
        for group in sorted(groups):
            table = index.read_row_group(group, use_threads=False)
            hits = pc.is_in(table.column("v"), value_set=wanted)
            found.append(table.column("r").filter(hits).to_numpy())
    rows = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    return rows if len(rows) <= MAX_FOUND else None


def _groups(lows: Sequence[Any], values: list[Any]) -> set[int]:
    groups: set[int] = set()
    for value in values:
        if value is None:
            continue
        # Row groups are in value order: the one starting at or before the value, and any
        # before it that end on it (a value repeated across a boundary).
        group = max(bisect.bisect_right(lows, value) - 1, 0)
        groups.add(group)
        while group > 0 and lows[group] == value:
            group -= 1
            groups.add(group)
    return groups


def _pairs(file: pq.ParquetFile, position: int) -> Iterator[pa.RecordBatch]:
    start = 0
    name = file.schema_arrow.names[position]
    for group in range(file.num_row_groups):
        column = file.read_row_group(group, columns=[name], use_threads=False).column(0)
        rows = pa.array(np.arange(start, start + len(column), dtype=np.int64))
        start += len(column)
        yield pa.RecordBatch.from_arrays([column.combine_chunks(), rows], names=["v", "r"])


class _Minimums(Sequence[Any]):
    """Each row group's smallest value, read from the footer only when bisect asks."""

    def __init__(self, index: pq.ParquetFile) -> None:
        self.metadata = index.metadata

    def __len__(self) -> int:
        return int(self.metadata.num_row_groups)

    def __getitem__(self, group: Any) -> Any:
        statistics = self.metadata.row_group(group).column(0).statistics
        if statistics is None or not statistics.has_min_max:
            raise LookupError("an index row group without statistics")
        return statistics.min


def _text(value: Any) -> Any:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
