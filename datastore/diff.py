"""What changed between two versions of a table: rows added and removed, columns added,
removed or retyped.

Rows are compared as multisets of whole rows over the columns both versions share with the
same type, so a row held twice in the old version and once in the new counts one removed.
Memory stays bounded on tables of millions of rows: each row is hashed to 64 bits batch by
batch, and only the sorted hashes (8 bytes a row) are held and compared. A second pass
fetches a few sample rows whose hashes were added or removed.

The hash is our own, in numpy (this package imports no pandas, whose `hash_array` would
otherwise do): numbers and dates hash their canonical bits (NaN is one value and -0.0 is
0.0), strings and binaries sum position-keyed pseudo-random weights over their bytes (not
a plain polynomial, whose power-of-two modulus has well-known colliding strings), other
types hash their text. Null hashes to its own constant, apart from "" and 0. Two distinct
rows sharing a 64-bit hash is a chance of about n²/2⁶⁵: negligible for a diff display.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from datastore.errors import NotFound
from datastore.json_values import json_value

BATCH_ROWS = 32 * 1024  # string hashing holds 8 bytes per byte of text in the batch
SAMPLE_ROWS = 5
_U64 = np.uint64
_NULL, _VALUE, _ROW = _U64(0x6A09E667F3BCC908), _U64(0xBB67AE8584CAA73B), _U64(0x100000001B3)


def diff_tables(old: Path, new: Path) -> dict[str, Any]:
    """What changed from the table at `old` to the one at `new`, ready for JSON.

    With no column shared at the same type, nothing can be compared: every old row counts
    removed and every new row added.
    """
    old_file, new_file = _open(old), _open(new)
    old_types = {f.name: f.type for f in old_file.schema_arrow}
    new_types = {f.name: f.type for f in new_file.schema_arrow}
    shared = [n for n, t in new_types.items() if n in old_types and old_types[n] == t]
    old_hashes = _sorted_hashes(old_file, shared, side=1)
    new_hashes = _sorted_hashes(new_file, shared, side=2)
    added, removed = _extra(new_hashes, old_hashes), _extra(old_hashes, new_hashes)
    rows_added, rows_removed = int(added.sum()), int(removed.sum())
    return {
        "rows_old": len(old_hashes),
        "rows_new": len(new_hashes),
        "rows_added": rows_added,
        "rows_removed": rows_removed,
        "rows_unchanged": len(new_hashes) - rows_added,
        "columns_added": [n for n in new_types if n not in old_types],
        "columns_removed": [n for n in old_types if n not in new_types],
        "columns_retyped": [
            {"name": n, "old": str(old_types[n]), "new": str(t)}
            for n, t in new_types.items()
            if n in old_types and old_types[n] != t
        ],
        "sample_added": _sample(new_file, shared, 2, new_hashes, added),
        "sample_removed": _sample(old_file, shared, 1, old_hashes, removed),
    }


def _open(path: Path) -> pq.ParquetFile:
    if not path.is_file():
        raise NotFound(f"no table at {path.name}")
    return pq.ParquetFile(path)


def _row_hashes(parquet: pq.ParquetFile, columns: list[str], side: int) -> Iterator[np.ndarray]:
    """The 64-bit hash of each row over `columns`, one array per batch, in file order."""
    start = 0
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
        if not columns:  # nothing comparable: each row is its own, unlike any other side's
            positions = np.arange(start, start + batch.num_rows, dtype=_U64)
            yield _mix(positions * _U64(4) + _U64(side))
        else:
            hashes = np.zeros(batch.num_rows, dtype=_U64)
            for column in batch.columns:
                hashes = _mix(hashes * _ROW + _column_hashes(column))
            yield hashes
        start += batch.num_rows


def _sorted_hashes(parquet: pq.ParquetFile, columns: list[str], side: int) -> np.ndarray:
    hashes = np.empty(parquet.metadata.num_rows, dtype=_U64)
    start = 0
    for batch_hashes in _row_hashes(parquet, columns, side):
        hashes[start : start + len(batch_hashes)] = batch_hashes
        start += len(batch_hashes)
    hashes.sort()
    return hashes


def _extra(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Which of the sorted hashes `ours` are copies beyond those in the sorted `theirs`.

    A hash held 3 times in ours and once in theirs marks its last 2 copies. The work goes a
    slice at a time, so it needs a few bytes a row beyond the two arrays and the mask.
    """
    extra = np.empty(len(ours), dtype=bool)
    for start in range(0, len(ours), 1 << 20):
        part = ours[start : start + (1 << 20)]
        copy = np.arange(start, start + len(part)) - np.searchsorted(ours, part, "left")
        held = np.searchsorted(theirs, part, "right") - np.searchsorted(theirs, part, "left")
        extra[start : start + len(part)] = copy >= held
    return extra


def _sample(
    parquet: pq.ParquetFile, columns: list[str], side: int, hashes: np.ndarray, extra: np.ndarray
) -> list[dict[str, Any]]:
    """The first few whole rows, in file order, that are extra copies (`extra` marks them in
    the sorted `hashes` of this file's rows)."""
    wanted = hashes[extra]  # sorted, a hash once for each extra copy of it
    taken: dict[int, int] = {}
    positions: list[int] = []
    start = 0
    for batch_hashes in _row_hashes(parquet, columns, side) if len(wanted) else ():
        order = np.argsort(batch_hashes)  # sorted look-ups stay in the cache: ten times faster
        at = np.minimum(np.searchsorted(wanted, batch_hashes[order]), len(wanted) - 1)
        for row in np.sort(order[wanted[at] == batch_hashes[order]]):
            value = batch_hashes[row]
            copies = np.searchsorted(wanted, value, "right") - np.searchsorted(wanted, value)
            if taken.get(int(value), 0) < copies and len(positions) < SAMPLE_ROWS:
                taken[int(value)] = taken.get(int(value), 0) + 1
                positions.append(start + int(row))
        if len(positions) == SAMPLE_ROWS:
            break
        start += len(batch_hashes)
    return [{k: json_value(v) for k, v in row.items()} for row in _rows_at(parquet, positions)]


def _rows_at(parquet: pq.ParquetFile, positions: list[int]) -> list[dict[str, Any]]:
    rows, group_start = [], 0
    for group in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        inside = [p - group_start for p in positions if group_start <= p < group_start + size]
        if inside:
            table = parquet.read_row_group(group)
            rows += [table.slice(p, 1).to_pylist()[0] for p in inside]
        group_start += size
    return rows


def _column_hashes(column: pa.Array) -> np.ndarray:
    """The 64-bit hash of each value; nulls hash to their own constant."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _column_hashes(column.dictionary_decode())
    if pa.types.is_boolean(kind):
        column = column.cast(pa.uint8())
    elif pa.types.is_temporal(kind) and kind.bit_width in (32, 64):
        column = column.view(pa.int64() if kind.bit_width == 64 else pa.int32())
    if pa.types.is_integer(column.type):
        values = column.fill_null(0).to_numpy(zero_copy_only=False)
        bits = values.astype(np.int64).view(_U64) if values.dtype.kind == "i" else values
    elif pa.types.is_floating(column.type):
        numbers = column.fill_null(0).to_numpy(zero_copy_only=False).astype(np.float64) + 0.0
        numbers[np.isnan(numbers)] = np.nan  # one NaN, whatever its payload
        bits = numbers.view(_U64)
    else:
        bits = _bytes_hashes(_as_bytes(column))
    hashes = _mix(bits.astype(_U64) ^ _VALUE)
    hashes[column.is_null().to_numpy(zero_copy_only=False)] = _NULL
    return hashes


def _as_bytes(column: pa.Array) -> pa.Array:
    """The column as large_string or large_binary: text for types without bytes of their own."""
    kind = column.type
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_binary_view(kind):
        return column.cast(pa.large_binary())
    try:
        return column.cast(pa.large_string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):  # lists, structs, maps...
        return pa.array(
            [None if v is None else repr(v) for v in column.to_pylist()], pa.large_string()
        )


def _bytes_hashes(column: pa.Array) -> np.ndarray:
    """Each value's bytes, hashed: a sum of byte-times-weight, the weight keyed by position."""
    if not len(column):
        return np.zeros(0, dtype=_U64)
    _, offset_buffer, data_buffer = column.buffers()
    offsets = np.frombuffer(offset_buffer, np.int64)[
        column.offset : column.offset + len(column) + 1
    ]
    first = int(offsets[0])
    offsets = offsets - first
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer else np.zeros(0, np.uint8)
    data = data[first : first + int(offsets[-1])]
    lengths = np.diff(offsets)
    place = np.arange(len(data)) - np.repeat(offsets[:-1], lengths)
    weights = _mix(np.arange(1, int(lengths.max(initial=0)) + 1, dtype=_U64))
    sums = np.concatenate((np.zeros(1, _U64), np.cumsum(weights[place] * (data + _U64(1)))))
    return _mix(sums[offsets[1:]] - sums[offsets[:-1]] + _mix(lengths.astype(_U64)))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit (a bijection)."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))
