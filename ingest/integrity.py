"""Checks across rows: unique fields, primary keys and foreign keys, over the staged Parquet.

The typed values these checks compare are exactly the ones in the Parquet file (null where
a cell was missing or had a type error, as frictionless's row holds None there), so they
run after the streaming pass, one column group at a time. Duplicates are found by hashing
every key to 64 bits (numpy, a few bytes per row) and then comparing the real values of
the rows whose hashes collide, so the answer is exact and memory stays small. The hashes
are gathered block by block as the file streams (Keys); check_integrity runs the checks and
adds what they find to the table's errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingest.arrays import utf8_buffers
from ingest.package import Lookup
from ingest.row_errors import TableErrors

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_NULL = np.uint64(0x5BD1E9955BD1E995)
_CHUNK_BYTES = 1 << 20
_POWERS = np.ones(1, dtype=np.uint64)


class KeyHashes:
    """Hashes of one key's values, row by row, gathered as the file streams.

    Hashing each block's typed values as it goes by saves reading the key columns back
    from Parquet. Only the top 32 bits are kept (4 bytes a row): two different keys then
    share a hash about once per 4 billion pairs (a few thousand rows in 5 million), and
    those rows only cost an exact comparison more.
    """

    def __init__(self, *, skip_nulls: bool) -> None:
        self.skip_nulls = skip_nulls
        self.parts: list[np.ndarray] = []  # uint32 hashes, one array per block
        self.excluded: list[np.ndarray] = []

    def add(self, columns: list[pa.Array]) -> None:
        hashes, excluded = _hash_key(columns, skip_nulls=self.skip_nulls)
        self.parts.append((hashes >> np.uint64(32)).astype(np.uint32))
        self.excluded.append(excluded)

    def repeated(self) -> np.ndarray:
        """Indices of the rows whose hash occurs more than once (and is not left out)."""
        values: list[np.ndarray] = []
        pairs = list(zip(self.parts, self.excluded, strict=True))
        for partition in range(_PARTITIONS):  # an eighth of the hashes sorted at a time
            chosen = [
                part[((part >> _PARTITION_SHIFT) == partition) & ~left_out]
                for part, left_out in pairs
            ]
            ordered = np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.uint32)
            values.append(np.unique(ordered[1:][ordered[1:] == ordered[:-1]]))
        repeats = np.concatenate(values)
        rows: list[np.ndarray] = []
        start = 0
        for part, left_out in pairs:
            if len(repeats):
                rows.append(np.flatnonzero(np.isin(part, repeats) & ~left_out) + start)
            start += len(part)
        return np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)


_PARTITIONS = 8
_PARTITION_SHIFT = np.uint32(29)


class Keys:
    """The hashes of the unique fields and the primary key, gathered block by block."""

    def __init__(self, table: TableErrors) -> None:
        self.unique = {index: KeyHashes(skip_nulls=True) for index in table.unique}
        self.primary_key = (
            (table.primary_key, KeyHashes(skip_nulls=False)) if table.primary_key else None
        )

    def add(self, values: list[pa.Array]) -> None:
        for index, hashes in self.unique.items():
            hashes.add([values[index]])
        if self.primary_key:
            indices, hashes = self.primary_key
            hashes.add([values[index] for index in indices])


def check_integrity(
    parquet: Path,
    expected: list[Any],
    lookups: list[Lookup],
    table: TableErrors,
    keys: Keys,
    *,
    first_row: int,
) -> None:
    """The checks across rows; `first_row` is the row number of the Parquet file's first row."""
    names = [f.name for f in expected]
    for index, hashes in keys.unique.items():
        duplicates = find_duplicates(parquet, [names[index]], hashes)
        for row, (match, key) in duplicates.items():
            table.add_unique(row + first_row, index, match + first_row, key[0])
    if keys.primary_key:
        indices, hashes = keys.primary_key
        primary = [names[i] for i in indices]
        for row in all_null_rows(parquet, primary):
            table.add_primary_key(row + first_row, None)
        for row, (match, _) in find_duplicates(parquet, primary, hashes).items():
            table.add_primary_key(row + first_row, match + first_row)
    for group, lookup in enumerate(lookups):
        keys_found = lookup.keys
        if keys_found is None:
            keys_found = table_keys(parquet, lookup.reference_fields)
        for row, key in missing_references(parquet, lookup.target, keys_found).items():
            note = (
                f'for "{", ".join(lookup.target)}": values "{", ".join(str(v) for v in key)}" '
                f'not found in the lookup table "{lookup.reference}" '
                f'as "{", ".join(lookup.reference_fields)}"'
            )
            table.add_foreign_key(row + first_row, group, note, key)


def find_duplicates(
    parquet: Path, names: list[str], hashes: KeyHashes
) -> dict[int, tuple[int, tuple[Any, ...]]]:
    """{row index: (the latest earlier row index with the same key, key)} for repeated keys.

    `hashes` holds the key's hashes, gathered with skip_nulls for unique fields (rows with
    a null key are left out) and without it for primary keys (frictionless compares Python
    tuples, so nulls are equal). Rows whose key is all null are the caller's business. NaN
    never equals anything, as in Python.
    """
    candidates = hashes.repeated()
    if len(candidates) == 0:
        return {}
    result: dict[int, tuple[int, tuple[Any, ...]]] = {}
    seen: dict[tuple[Any, ...], int] = {}
    for row, key in zip(candidates.tolist(), _rows_at(parquet, names, candidates), strict=True):
        if key in seen:
            result[row] = (seen[key], key)
        seen[key] = row
    return result


def all_null_rows(parquet: Path, names: list[str]) -> list[int]:
    """Indices of the rows whose key cells are all null."""
    found: list[int] = []
    start = 0
    for table in _groups(parquet, names):
        mask = np.ones(table.num_rows, dtype=bool)
        for column in table.columns:
            mask &= pc.is_null(column).to_numpy(zero_copy_only=False)
        found.extend((np.flatnonzero(mask) + start).tolist())
        start += table.num_rows
    return found


def missing_references(
    parquet: Path, names: list[str], lookup: set[tuple[Any, ...]]
) -> dict[int, tuple[Any, ...]]:
    """{row index: key} for rows whose key (not all null) is not in the lookup."""
    found: dict[int, tuple[Any, ...]] = {}
    start = 0
    for table in _groups(parquet, names):
        columns = [column.to_pylist() for column in table.columns]
        for offset, key in enumerate(zip(*columns, strict=True)):
            if any(v is not None for v in key) and key not in lookup:
                found[start + offset] = key
        start += table.num_rows
    return found


def table_keys(parquet: Path, names: list[str]) -> set[tuple[Any, ...]]:
    """The set of keys in a table, without all-null keys (a foreign key's lookup)."""
    keys: set[tuple[Any, ...]] = set()
    for table in _groups(parquet, names):
        columns = [column.to_pylist() for column in table.columns]
        keys.update(k for k in zip(*columns, strict=True) if any(v is not None for v in k))
    return keys


# Hashing ----------------------------------------------------------------------------------


def _hash_key(columns: list[pa.Array], *, skip_nulls: bool) -> tuple[np.ndarray, np.ndarray]:
    """(one hash per row over all the key's columns, rows left out of the comparison)."""
    size = len(columns[0]) if columns else 0
    combined = np.zeros(size, dtype=np.uint64)
    left_out = np.zeros(size, dtype=bool)
    for array in columns:
        nulls = pc.is_null(array).to_numpy(zero_copy_only=False)
        if skip_nulls:
            left_out |= nulls
        if pa.types.is_floating(array.type):
            left_out |= pc.fill_null(pc.is_nan(array), False).to_numpy(zero_copy_only=False)
        values = _hash_values(array)
        values[nulls] = _NULL
        combined = _mix(combined * _GOLDEN + values)
    return combined, left_out


def _hash_values(array: pa.Array) -> np.ndarray:
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _string_hashes(array)
    if pa.types.is_boolean(kind):
        return pc.fill_null(array, False).cast(pa.uint64()).to_numpy()
    if pa.types.is_floating(kind):
        filled = pc.fill_null(array, 0.0).to_numpy().astype(np.float64)
        filled[filled == 0.0] = 0.0  # -0.0 equals 0.0
        return _mix(filled.view(np.uint64).copy())
    storage = pa.int64() if kind.bit_width == 64 else pa.int32()
    numbers = pc.fill_null(array.view(storage), 0).to_numpy().astype(np.int64)
    return _mix(numbers.view(np.uint64).copy())


def _string_hashes(array: pa.Array) -> np.ndarray:
    """A 64-bit polynomial hash of each string's UTF-8 bytes, in slices of about 1 MB."""
    offsets, data = utf8_buffers(array)
    result = np.zeros(len(array), dtype=np.uint64)
    start = 0
    while start < len(array):
        stop = int(np.searchsorted(offsets, offsets[start] + _CHUNK_BYTES, side="right")) - 1
        stop = min(max(stop, start + 1), len(array))
        result[start:stop] = _hash_slice(offsets[start : stop + 1], data)
        start = stop
    return result


def _hash_slice(offsets: np.ndarray, data: np.ndarray) -> np.ndarray:
    lengths = np.diff(offsets)
    hashes = np.zeros(len(lengths), dtype=np.uint64)
    total = int(lengths.sum())
    if total:
        chunk = data[offsets[0] : offsets[-1]].astype(np.uint64) + np.uint64(1)
        starts = offsets[:-1] - offsets[0]
        positions = np.arange(total) - np.repeat(starts, lengths)
        contributions = chunk * _powers(int(lengths.max()))[positions]
        nonempty = lengths > 0
        hashes[nonempty] = np.add.reduceat(contributions, starts[nonempty])
    return _mix(hashes + lengths.astype(np.uint64) * _GOLDEN)


def _powers(length: int) -> np.ndarray:
    global _POWERS
    if len(_POWERS) < length:
        size = max(length, 2 * len(_POWERS))
        _POWERS = np.cumprod(np.full(size, 0x100000001B3, dtype=np.uint64), dtype=np.uint64)
    return _POWERS


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole hash."""
    z = values + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


# Reading ----------------------------------------------------------------------------------


def _groups(parquet: Path, names: list[str]) -> Iterator[pa.Table]:
    file = pq.ParquetFile(parquet)
    for group in range(file.num_row_groups):
        yield file.read_row_group(group, columns=names)


def _rows_at(parquet: Path, names: list[str], rows: np.ndarray) -> list[tuple[Any, ...]]:
    """The keys of the given (sorted) rows, as Python tuples."""
    keys: list[tuple[Any, ...]] = []
    start = 0
    for table in _groups(parquet, names):
        stop = start + table.num_rows
        wanted = rows[(rows >= start) & (rows < stop)] - start
        if len(wanted):
            picked = table.take(pa.array(wanted))
            columns = [column.to_pylist() for column in picked.columns]
            keys.extend(zip(*columns, strict=True))
        start = stop
    return keys
