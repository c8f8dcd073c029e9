"""Arrow arrays seen as numpy arrays: a compute result as a numpy array, and the offsets and
bytes of a string array, for the code that reads text digit by digit or hashes it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def to_numpy(array: pa.Array, fill: Any = None) -> np.ndarray:
    """`array` as a numpy array, its nulls first replaced by `fill` when one is given."""
    if fill is not None:
        array = pc.fill_null(array, fill)
    return array.to_numpy(zero_copy_only=False)


def utf8_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a string array, offsets shifted to index the bytes directly."""
    wide = pa.types.is_large_string(array.type)
    width = np.dtype(np.int64 if wide else np.int32)
    buffers = array.buffers()
    offsets = np.frombuffer(
        buffers[1], dtype=width, count=len(array) + 1, offset=array.offset * width.itemsize
    ).astype(np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0)
    return offsets, data.astype(np.uint8, copy=False)
