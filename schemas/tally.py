"""Every value of every column of a CSV file, counted in one streaming pass.

The header row is found as frictionless finds it, from the first rows as Python's csv
module reads them (frictionless reads with it too). The counting pass is Arrow's streaming
CSV reader, every cell as text, each block's values counted per column in C++
(`value_counts`); a row of another width goes through the csv module. Where Arrow cannot
read a file, the csv module reads all of it, a block of rows at a time, counted in C
(`zip` and `Counter`). A second pass, `find_rows`, gives chosen values' row numbers as
frictionless numbers rows: the file's first row is row 1, the header included.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from frictionless.table.label_matching import deduplicate_names

from schemas.text_csv import open_text_csv

SAMPLE_ROWS = 5000  # rows frictionless samples to find the header (ingest tells it so)
BLOCK_BYTES = 1 << 23  # bytes a block, where Arrow reads the file
BLOCK_ROWS = 20_000  # rows a block, where Python's csv module does


@dataclass
class Tally:
    """What one pass over a file found."""

    header_row: int  # the header's row number, as frictionless numbers rows
    names: list[str]  # field names, as frictionless makes them from the labels
    counts: list[Counter[str]]  # per column: cell text -> cells ("" also for a cell a row lacks)
    rows: int  # data rows read


def tally_file(path: Path, encoding: str, delimiter: str, header_row: int | None) -> Tally:
    """Count every value of every column; the header is found as frictionless finds it when
    `header_row` is None."""
    rows = read_rows(path, encoding, delimiter)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    number = find_header(sample) if header_row is None else header_row
    if number > len(sample):  # a header asked for past the sample: read on to it
        sample += list(itertools.islice(rows, number - len(sample)))
    names = field_names(sample[number - 1] if number <= len(sample) else [])
    if not names:
        return Tally(number, names, [], max(len(sample) - number, 0))
    try:
        counts, read = _count_with_arrow(path, encoding, delimiter, len(names))
    except (pa.ArrowInvalid, UnicodeDecodeError):
        # Arrow could not read it: the csv module reads it, or says which bytes are bad.
        counts, read = _count_with_csv(path, encoding, delimiter, len(names))
    for cells in sample[:number]:  # the header and any title lines above it are not data
        for counter, value in zip(counts, _padded(cells, len(names)), strict=True):
            counter[value] -= 1
            if counter[value] <= 0:
                del counter[value]
    return Tally(header_row=number, names=names, counts=counts, rows=read - number)


def read_rows(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    """The file's rows as Python's csv module reads them (a BOM is never part of a label)."""
    with open(path, "rb") as raw:
        bom = raw.read(3) == codecs.BOM_UTF8
    if bom and encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    with open(path, encoding=encoding, newline="") as text:
        yield from csv.reader(text, delimiter=delimiter, quotechar='"')


def find_header(sample: list[list[str]]) -> int:
    """The header's row number: frictionless takes the first row of its sample whose width is
    within 10% of the sample's average width, so title lines above the header are skipped.
    """
    if not sample:
        return 1
    width = round(sum(map(len, sample)) / len(sample))
    drift = max(round(width * 0.1), 1)
    for number, cells in enumerate(sample, start=1):
        if width - drift <= len(cells) <= width + drift:
            return number
    return 1


def field_names(labels: list[str]) -> list[str]:
    """Field names from header labels, as frictionless makes them: stripped, a blank label
    named after its place (field3), a repeated one numbered (Gross2)."""
    stripped = [label.strip() for label in labels]
    return deduplicate_names([name or f"field{i}" for i, name in enumerate(stripped, start=1)])


def find_rows(
    path: Path,
    encoding: str,
    delimiter: str,
    header_row: int,
    wanted: dict[int, set[str]],
    limit: int,
) -> dict[int, list[tuple[int, str]]]:
    """For each column index in `wanted`, the first `limit` (row number, value) pairs whose
    value is one of the wanted values."""
    found: dict[int, list[tuple[int, str]]] = {index: [] for index in wanted}
    looking = {index: values for index, values in wanted.items() if values}
    rows = read_rows(path, encoding, delimiter)
    for number, cells in enumerate(rows, start=1):
        if number <= header_row:
            continue
        for index, values in list(looking.items()):
            if index < len(cells) and cells[index] in values:
                found[index].append((number, cells[index]))
                if len(found[index]) >= limit:
                    del looking[index]
        if not looking:
            break
    return found


def _count_with_arrow(
    path: Path, encoding: str, delimiter: str, width: int
) -> tuple[list[Counter[str]], int]:
    """Counts of every row's cells, by Arrow; a row of another width goes through csv."""
    counts: list[Counter[str]] = [Counter() for _ in range(width)]
    other_widths: list[str] = []

    def on_invalid(row: Any) -> str:
        other_widths.append(row.text)
        return "skip"

    reader = open_text_csv(
        path,
        width=width,
        encoding=encoding,
        delimiter=delimiter,
        on_invalid=on_invalid,
        block_size=BLOCK_BYTES,
    )
    read = 0
    for batch in reader:
        read += batch.num_rows
        for counter, column in zip(counts, batch.columns, strict=True):
            found = pc.value_counts(column)
            values, cells = found.field(0).to_pylist(), found.field(1).to_pylist()
            counter.update(dict(zip(values, cells, strict=True)))
    for text in other_widths:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"')) or [[]]
        for cells in rows:
            _count_row(counts, cells)
            read += 1
    return counts, read


def _count_with_csv(
    path: Path, encoding: str, delimiter: str, width: int
) -> tuple[list[Counter[str]], int]:
    """Counts of every row's cells, a block of rows at a time, counted in C."""
    counts: list[Counter[str]] = [Counter() for _ in range(width)]
    rows = read_rows(path, encoding, delimiter)
    read = 0
    while block := list(itertools.islice(rows, BLOCK_ROWS)):
        read += len(block)
        columns = itertools.zip_longest(*block, [""] * width, fillvalue="")
        for counter, column in zip(counts, columns, strict=False):
            counter.update(column[:-1])
    return counts, read


def _count_row(counts: list[Counter[str]], cells: list[str]) -> None:
    for counter, value in zip(counts, _padded(cells, len(counts)), strict=True):
        counter[value] += 1


def _padded(cells: list[str], width: int) -> list[str]:
    return (cells + [""] * width)[:width]
