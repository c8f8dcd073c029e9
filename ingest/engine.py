"""The streaming, vectorised validator and converter: frictionless's verdicts at Arrow speed.

One pass over the file with pyarrow's streaming CSV reader, every cell read as text, then
per block and per column: missing values, types and constraints (ingest/columns.py), cell
counts and blank rows, typed values appended to a Parquet file as they come. The checks
across rows (unique, primary and foreign keys) run over that Parquet file at the end
(ingest/integrity.py). The errors are then put in the exact order frictionless gives them
(ingest/row_errors.py) and cut at the same error limit.

Files the fast path cannot read the way Python's csv module does (a header that Arrow
splits differently, no header at all) raise Unsupported, and the caller falls back to
frictionless's own engine.
"""

from __future__ import annotations

import csv
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from frictionless import Resource, Schema, formats, helpers
from frictionless.table import Header
from frictionless.table import fields_match as fields_match_module

from datastore import TableWriter
from ingest.columns import ColumnReader
from ingest.integrity import (
    KeyHashes,
    all_null_rows,
    find_duplicates,
    missing_references,
    table_keys,
)
from ingest.row_errors import RowErrors, TableErrors
from ingest.sniff import Sniffed
from schemas import arrow_schema

Progress = Callable[[str, int, int], None]  # (stage, done, total)
# Arrow reads up to 32 blocks ahead on its I/O thread, so the block size bounds memory:
# 512 kB keeps the queue near 16 MB (4 MB blocks cost 250 MB more at no gain in speed).
BLOCK_BYTES = 1 << 19
SAMPLE_ROWS = 5000  # rows frictionless samples (ingest.validate.open_resource tells it so)


class Unsupported(Exception):
    """A file this engine does not read the way frictionless does; use frictionless."""


@dataclass(frozen=True)
class TableFile:
    """One resource of a data package: its file, its schema and how it was sniffed."""

    path: Path
    schema: dict[str, Any]
    sniffed: Sniffed | None = None


@dataclass
class ScanResult:
    """What one pass over a file found."""

    labels: list[str]
    errors: list[dict[str, Any]]  # frictionless's error descriptors, in its order, limit applied
    rows: int  # rows read (as frictionless counts them)
    limited: bool
    seconds: float
    fields: int
    written: int = 0  # rows in the Parquet file


def scan_table(
    path: Path,
    schema: dict[str, Any],
    sniffed: Sniffed,
    target: Path,
    *,
    limit_errors: int,
    progress: Progress | None = None,
    package: dict[str, TableFile] | None = None,
    resource_name: str | None = None,
) -> ScanResult:
    """Validate `path` against `schema`, writing its typed rows to the Parquet file `target`."""
    started = time.perf_counter()
    frictionless_schema = Schema.from_descriptor(schema)
    header_row, first = _header(path, sniffed)
    labels = helpers.stringify_label(first)
    declared = (
        frictionless_schema.fields_match
        if frictionless_schema.has_defined("fields_match")
        else None
    )
    header = Header(
        labels,
        fields=frictionless_schema.fields,
        row_numbers=[1],
        ignore_case=False,
        fields_match=fields_match_module.resolve(declared, schema_sync=False),
    )
    expected = header.get_expected_fields()
    names = [f.name for f in expected]
    lookups = _lookups(frictionless_schema, expected, package, resource_name)
    primary = list(frictionless_schema.primary_key)
    readers = [ColumnReader(f) for f in expected]
    self_reference = any(group.self_reference for group in lookups)
    table = TableErrors(
        expected=names,
        header_errors=list(header.errors),
        limit=limit_errors,
        unique=[i for i, f in enumerate(expected) if f.constraints.get("unique")],
        primary_key=[names.index(n) for n in primary] if set(primary) <= set(names) else [],
        foreign_keys=[([names.index(n) for n in lookup.target], lookup) for lookup in lookups],
        header_row=header_row,
    )
    keys = _Keys(table)
    writer = TableWriter(target, arrow_schema(schema), background=True)
    try:
        rows = _stream(
            path,
            sniffed,
            (header_row, len(first)),
            readers,
            table,
            keys,
            writer,
            progress,
            stop=not self_reference,
        )
    finally:
        writer.close()
    _integrity(target, expected, lookups, table, keys, first_row=header_row + 1)
    unread = {row.number for row in table.rows.values() if row.cells is None}
    if unread:  # rows with only cross-row errors: fetch their raw cells for the report
        for number, cells in raw_rows(path, sniffed, (header_row, len(first)), unread).items():
            table.rows[number].cells = cells
    repeated = [row for row in table.rows.values() if row.unique and row.cells is not None]
    for row in repeated:  # frictionless shows the value as Python reads it ("1", not "1.0")
        assert row.cells is not None
        for index, (match, _) in row.unique.items():
            cell = row.cells[index] if index < len(row.cells) else None
            row.unique[index] = (match, readers[index].python_value(cell))
    errors, read, limited = table.finish(rows)
    return ScanResult(
        labels=labels,
        errors=errors,
        rows=read,
        limited=limited,
        seconds=time.perf_counter() - started,
        fields=len(frictionless_schema.fields),
        written=writer.rows,
    )


# The streaming pass -----------------------------------------------------------------------


def _check_dialect(path: Path, sniffed: Sniffed) -> None:
    """frictionless sniffs quoting on its first 100 lines; we read standard CSV only."""
    with open(path, encoding=sniffed.encoding, newline="") as text:
        lines = list(itertools.islice(text, 100))
    try:
        found = csv.Sniffer().sniff("".join(lines), sniffed.delimiter)
    except csv.Error:
        return  # frictionless falls back to the standard dialect too
    if found.skipinitialspace and _has_text(path, sniffed, sniffed.delimiter + " "):
        # The sniffer also says so for a first line with no delimiter at all (a title
        # above the header); where no delimiter is ever followed by a space, the option
        # changes nothing and Arrow reads the file just as Python's csv module would.
        raise Unsupported("a CSV dialect Arrow does not read (spaces after delimiters)")


def _has_text(path: Path, sniffed: Sniffed, wanted: str) -> bool:
    """Whether `wanted` occurs anywhere in the file, read in 1 MB pieces."""
    tail = ""
    with open(path, encoding=sniffed.encoding, newline="") as text:
        while piece := text.read(1 << 20):
            if wanted in tail + piece[: len(wanted)] or wanted in piece:
                return True
            tail = piece[-len(wanted) + 1 :] if len(wanted) > 1 else ""
    return False


def _header(path: Path, sniffed: Sniffed) -> tuple[int, list[str]]:
    """The header row's number and cells, found as frictionless finds them.

    frictionless takes the first row of the sample whose width is within 10% of the
    sample's average width, so a title line above the header is skipped.
    """
    sample: list[list[str]] = []
    _check_dialect(path, sniffed)
    with open(path, encoding=sniffed.encoding, newline="") as text:
        for cells in csv.reader(text, delimiter=sniffed.delimiter, quotechar='"'):
            sample.append(cells)
            if len(sample) >= SAMPLE_ROWS:
                break
    if not sample:
        raise Unsupported("an empty file")
    width = round(sum(map(len, sample)) / len(sample))
    drift = max(round(width * 0.1), 1)
    for number, cells in enumerate(sample, start=1):
        if width - drift <= len(cells) <= width + drift:
            if not cells:
                break
            return number, cells
    raise Unsupported("no header row")


def _stream(
    path: Path,
    sniffed: Sniffed,
    header: tuple[int, int],
    readers: list[ColumnReader],
    table: TableErrors,
    keys: _Keys,
    writer: TableWriter,
    progress: Progress | None,
    *,
    stop: bool,
) -> int:
    """Read every block; returns the number of data rows read."""
    header_row, width = header
    size = path.stat().st_size
    scanner = _Blocks(readers, table, keys, writer, width, sniffed)
    last = header_row
    for batch, numbers, odd, done in _numbered_batches(path, sniffed, header):
        scanner.block(batch, numbers, odd)
        last = max([last, *numbers[-1:].tolist(), *(n for n, _ in odd)])
        if progress:
            progress("reading", min(done, size), size)
        if stop and table.full():
            break
    if progress:
        progress("reading", size, size)
    return last - header_row


Numbered = tuple[pa.RecordBatch | None, np.ndarray, list[tuple[int, str]], int]


def _numbered_batches(path: Path, sniffed: Sniffed, header: tuple[int, int]) -> Iterator[Numbered]:
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

    names = [f"c{i}" for i in range(width)]
    next_row = 1
    with open(path, "rb") as raw:
        reader = pacsv.open_csv(
            raw,
            read_options=pacsv.ReadOptions(
                # One parsing thread: Arrow then knows every skipped row's number (in parallel
                # it does not). It measured no slower: the Parquet writer and hashing threads
                # keep the other core busy.
                use_threads=False,
                block_size=BLOCK_BYTES,
                column_names=names,
                encoding=_arrow_encoding(sniffed.encoding),
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=sniffed.delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
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
    for batch, numbers, odd, _ in _numbered_batches(path, sniffed, header):
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


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig") else encoding


class _Keys:
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


class _Blocks:
    """Turns Arrow's record batches (plus the rows it skipped) into typed rows and errors."""

    def __init__(
        self,
        readers: list[ColumnReader],
        table: TableErrors,
        keys: _Keys,
        writer: TableWriter,
        width: int,
        sniffed: Sniffed,
    ) -> None:
        self.readers, self.table, self.writer, self.width = readers, table, writer, width
        self.keys = keys
        self.sniffed = sniffed
        names = [r.field.name for r in readers]
        self.columns = [
            (names.index(f.name) if f.name in names else None, f.type) for f in writer.schema
        ]

    def block(
        self, batch: pa.RecordBatch | None, numbers: np.ndarray, placed: list[tuple[int, str]]
    ) -> None:
        values = self._typed(batch, numbers)
        odd = self._odd_rows(placed)
        if odd:
            values, numbers = self._interleave(values, numbers, odd)
        self._write(values)

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


# Checks across rows -----------------------------------------------------------------------


@dataclass
class _Lookup:
    """One foreign key with the set of keys its reference holds."""

    target: list[str]
    reference: str
    reference_fields: list[str]
    keys: set[tuple[Any, ...]] | None  # None: a self-reference, read from our own Parquet
    self_reference: bool


def _lookups(
    schema: Schema,
    expected: list[Any],
    package: dict[str, TableFile] | None,
    resource_name: str | None,
) -> list[_Lookup]:
    names = {f.name for f in expected}
    lookups: list[_Lookup] = []
    for fk in schema.foreign_keys:
        source = fk["reference"]["resource"]
        if source and source != resource_name and (not package or source not in package):
            raise Unsupported("a foreign key names a resource we were not given")
        target = list(fk["fields"])
        if not set(target) <= names:
            continue
        reference_fields = list(fk["reference"]["fields"])
        self_reference = not source or source == resource_name
        keys = None if self_reference else _reference_keys(package, source, reference_fields)
        lookups.append(_Lookup(target, source, reference_fields, keys, self_reference))
    return lookups


def _reference_keys(
    package: dict[str, TableFile] | None, name: str, fields: list[str]
) -> set[tuple[Any, ...]]:
    """The keys of another resource, read by frictionless as its lookup table is."""
    assert package is not None
    source = package[name]
    schema = Schema.from_descriptor(source.schema)
    schema.foreign_keys = []
    options: dict[str, Any] = {}
    if source.sniffed:
        options["encoding"] = source.sniffed.encoding
        options["control"] = formats.CsvControl(delimiter=source.sniffed.delimiter)
    stores = {f.name: ColumnReader(f) for f in schema.fields if f.name in fields}
    keys: set[tuple[Any, ...]] = set()
    resource = Resource(
        path=source.path.name,
        basepath=str(source.path.parent),
        schema=schema,
        format="csv",
        **options,
    )
    with resource:
        for row in resource.row_stream:  # type: ignore[attr-defined]
            cells = tuple(row.get(name) for name in fields)
            if set(cells) == {None}:
                continue
            keys.add(
                tuple(
                    None if v is None or name not in stores else stores[name].store(v)
                    for name, v in zip(fields, cells, strict=True)
                )
            )
    return keys


def _integrity(
    parquet: Path,
    expected: list[Any],
    lookups: list[_Lookup],
    table: TableErrors,
    keys: _Keys,
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
