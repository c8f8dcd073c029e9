"""Arrow's record batches of raw text, a block at a time, to typed columns for the Parquet
writer and to the errors of the rows that have any.

Each column goes through its ColumnReader (ingest/columns.py); the rows Arrow skipped for
their cell count are read cell by cell and put back in their place; the typed block's key
columns are hashed for the checks across rows (ingest/integrity.py).
"""

from __future__ import annotations

import csv
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datastore import TableWriter
from ingest.columns import ColumnReader
from ingest.errors import CellTooLong
from ingest.integrity import Keys
from ingest.row_errors import RowErrors, TableErrors
from ingest.sniff import Sniffed


class Blocks:
    """Turns Arrow's record batches (plus the rows it skipped) into typed rows and errors."""

    def __init__(
        self,
        readers: list[ColumnReader],
        table: TableErrors,
        keys: Keys,
        writer: TableWriter,
        width: int,
        sniffed: Sniffed,
        max_cell_bytes: int = 0,
    ) -> None:
        self.readers, self.table, self.writer, self.width = readers, table, writer, width
        self.max_cell_bytes = max_cell_bytes  # 0: no limit
        self.keys = keys
        self.sniffed = sniffed
        names = [r.field.name for r in readers]
        self.columns = [
            (names.index(f.name) if f.name in names else None, f.type) for f in writer.schema
        ]

    def block(
        self, batch: pa.RecordBatch | None, numbers: np.ndarray, placed: list[tuple[int, str]]
    ) -> None:
        if self.max_cell_bytes:
            self._check_lengths(batch, numbers, placed)
        values = self._typed(batch, numbers)
        odd = self._odd_rows(placed)
        if odd:
            values, numbers = self._interleave(values, numbers, odd)
        self._write(values)

    def _check_lengths(
        self, batch: pa.RecordBatch | None, numbers: np.ndarray, placed: list[tuple[int, str]]
    ) -> None:
        """Raise CellTooLong for the first cell over the limit (a whole column's lengths at
        once: Arrow reads them from the offsets, not the text)."""
        limit = self.max_cell_bytes
        for index, column in enumerate(batch.columns if batch is not None else []):
            lengths = pc.binary_length(column)
            longest = pc.max(lengths).as_py()
            if longest is not None and longest > limit:
                at = pc.index(pc.greater(lengths, limit), True).as_py()
                raise CellTooLong(int(numbers[at]), "", int(longest), limit, index)
        for number, line in placed:  # a row of the wrong width: its whole line
            if len(line.encode("utf-8", "surrogatepass")) > limit:
                raise CellTooLong(number, "", len(line), limit)

    # Typed columns --------------------------------------------------------------------

    def _typed(self, batch: pa.RecordBatch | None, numbers: np.ndarray) -> list[pa.Array]:
        size = 0 if batch is None else batch.num_rows
        values: list[pa.Array] = []
        if batch is None or size == 0:
            return [pa.nulls(0, reader.arrow_type) for reader in self.readers]
        blank = np.ones(size, dtype=bool)
        errors: dict[int, dict[int, list[tuple[str, str]]]] = {}
        for index, reader in enumerate(self.readers):
            if index >= self.width:  # no cell at all: frictionless reads None
                values.append(pa.nulls(size, reader.arrow_type))
                _, (absent_errors,), _ = reader.read_cells([None])
                if absent_errors:
                    for row in range(size):
                        errors.setdefault(row, {})[index] = absent_errors
                continue
            result = reader.read(batch.column(index))
            values.append(result.values)
            blank &= result.blank
            for row, cell_errors in result.errors.items():
                errors.setdefault(row, {})[index] = cell_errors
        fields = len(self.readers)
        if self.width != fields:
            rows = list(range(size))
        else:
            rows = sorted(set(errors) | set(np.flatnonzero(blank).tolist()))
        if not rows:
            return values
        taken = batch.take(pa.array(rows, type=pa.int64())).to_pylist()
        for row, record in zip(rows, taken, strict=True):
            cells = list(record.values())
            self.table.add(
                RowErrors(
                    number=int(numbers[row]),
                    cells=cells,
                    fields=errors.get(row, {}),
                    extra=list(range(fields + 1, self.width + 1)),
                    missing=list(range(self.width + 1, fields + 1)),
                    blank=bool(blank[row]),
                )
            )
        return values

    def _odd_rows(self, placed: list[tuple[int, str]]) -> list[tuple[int, list[Any]]]:
        """Rows Arrow skipped for their cell count, read cell by cell."""
        odd = []
        for number, text in placed:
            cells = next(csv.reader([text], delimiter=self.sniffed.delimiter, quotechar='"'), [])
            fields = len(self.readers)
            typed: list[Any] = []
            row_errors: dict[int, list[tuple[str, str]]] = {}
            blank = True
            for index, reader in enumerate(self.readers):
                cell = cells[index] if index < len(cells) else None
                (value,), (cell_errors,), (is_blank,) = reader.read_cells([cell])
                typed.append(value)
                blank &= is_blank
                if cell_errors:
                    row_errors[index] = cell_errors
            self.table.add(
                RowErrors(
                    number=number,
                    cells=cells,
                    fields=row_errors,
                    extra=list(range(fields + 1, len(cells) + 1)),
                    missing=list(range(len(cells) + 1, fields + 1)),
                    blank=blank,
                )
            )
            odd.append((number, typed))
        return odd

    def _interleave(
        self, values: list[pa.Array], numbers: np.ndarray, odd: list[tuple[int, list[Any]]]
    ) -> tuple[list[pa.Array], np.ndarray]:
        all_numbers = np.concatenate([numbers, np.array([n for n, _ in odd], dtype=np.int64)])
        order = pa.array(np.argsort(all_numbers, kind="stable"))
        merged = []
        for index, (column, reader) in enumerate(zip(values, self.readers, strict=True)):
            extra = pa.array([typed[index] for _, typed in odd], type=reader.arrow_type)
            merged.append(pa.concat_arrays([column, extra]).take(order))
        return merged, np.sort(all_numbers)

    def _write(self, values: list[pa.Array]) -> None:
        if not values or len(values[0]) == 0:
            return
        size = len(values[0])
        arrays = [
            values[index] if index is not None else pa.nulls(size, kind)
            for index, kind in self.columns
        ]
        self.keys.add(values)
        self.writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.writer.schema))
