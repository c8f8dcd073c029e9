"""A CSV file as Arrow's streaming reader reads it: record batches of raw text cells, each row
numbered as frictionless numbers it, with the rows Arrow skipped (a wrong cell count) put
back among them; and a second pass that fetches chosen rows' raw cells.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ingest.errors import Unsupported
from ingest.sniff import Sniffed
from schemas.text_csv import open_text_csv

# Arrow reads up to 32 blocks ahead on its I/O thread, so the block size bounds memory:
# 512 kB keeps the queue near 16 MB (4 MB blocks cost 250 MB more at no gain in speed).
BLOCK_BYTES = 1 << 19

Numbered = tuple[pa.RecordBatch | None, np.ndarray, list[tuple[int, str]], int]


def numbered_batches(path: Path, sniffed: Sniffed, header: tuple[int, int]) -> Iterator[Numbered]:
    """(batch, frictionless row numbers of its rows, skipped rows placed among them, bytes read).

    Arrow skips rows with the wrong number of cells (we keep their text and number) and
    the rows before and including the header are dropped. A last item with no batch
    carries skipped rows after Arrow's last row.
    """
    header_row, width = header
    invalid: list[tuple[int, str]] = []

    problems: list[Exception] = []  # raised here, never inside Arrow's callback

    def on_invalid(row: Any) -> str:
        if row.number is None or row.number == header_row:
            problems.append(Unsupported("Arrow and Python's csv split the header differently"))
        else:
            invalid.append((row.number, row.text))
        return "skip"

    next_row = 1
    with open(path, "rb") as raw:
        reader = open_text_csv(
            raw,
            width=width,
            encoding=sniffed.encoding,
            delimiter=sniffed.delimiter,
            on_invalid=on_invalid,
            block_size=BLOCK_BYTES,
            # One parsing thread: Arrow then knows every skipped row's number (in parallel
            # it does not). It measured no slower: the Parquet writer and hashing threads
            # keep the other core busy.
            use_threads=False,
        )
        for batch in itertools.chain(reader, [None]):
            if problems:
                raise problems[0]
            size = 0 if batch is None else batch.num_rows
            # Arrow's rows take the row numbers that the rows it skipped did not.
            numbers = np.arange(next_row, next_row + size, dtype=np.int64)
            placed: list[tuple[int, str]] = []
            invalid.sort()
            while invalid and (batch is None or (size and invalid[0][0] <= numbers[-1])):
                number, text = invalid.pop(0)
                numbers[numbers >= number] += 1
                placed.append((number, text))
            if size:
                next_row = int(numbers[-1]) + 1
            if placed:
                next_row = max(next_row, placed[-1][0] + 1)
            keep = int(np.searchsorted(numbers, header_row, side="right"))
            if batch is not None and keep:
                batch, numbers = batch.slice(keep), numbers[keep:]
            odd = [p for p in placed if p[0] > header_row]
            yield batch, numbers, odd, raw.tell()


def raw_rows(
    path: Path, sniffed: Sniffed, header: tuple[int, int], wanted: set[int]
) -> dict[int, list[str]]:
    """The raw cells of some rows, by row number (a second pass that stops early)."""
    found: dict[int, list[str]] = {}
    last = max(wanted, default=0)
    for batch, numbers, odd, _ in numbered_batches(path, sniffed, header):
        for number, text in odd:
            if number in wanted:
                found[number] = next(csv.reader([text], delimiter=sniffed.delimiter), [])
        if batch is not None and batch.num_rows:
            picked = np.flatnonzero(np.isin(numbers, list(wanted)))
            if len(picked):
                for number, record in zip(
                    numbers[picked].tolist(),
                    batch.take(pa.array(picked)).to_pylist(),
                    strict=True,
                ):
                    found[number] = list(record.values())
            if numbers[-1] >= last:
                break
    return found
