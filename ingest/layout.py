"""Where the table starts in a CSV file, and what around it is empty.

Councils' files often open with a title line and a blank line or two, put the unit of a
column on a second header row ("Gross" over "£"), and trail empty columns at the right and
empty rows at the bottom. find_layout() reads the file once and says where the header is,
what it skipped above it, and which columns and rows hold nothing.

How the header is found, among the first SEARCH_ROWS records of the file:
1. Cells are empty when they hold nothing but spaces. A row with none is blank; a row with
   fewer than two non-empty cells (in a table more than one column wide) is a title or a
   note, never the header.
2. The data's shape is learnt from the rows below the first row of two or more cells
   (skipping the first BODY_SKIP of them when there are plenty): a column is a number or a
   date column when at least PROFILE_SHARE of its non-empty cells are numbers (£1,234.50,
   -3, 12%, NaN, INF) or dates (01/11/2010, 2010-11-01, 02-Aug-10, Feb-11).
3. A row looks like data when it has a number or date in at least one of those columns and
   no more text than numbers and dates in them, or has no text in them at all. The first
   such row below the first row of two cells is where the data starts.
4. The header is the last row of two or more cells above the data. Other such rows above it
   (a second header-like row, "Supplier" above "Supplier Name") are offered as
   alternatives, and the layout is then "unsure".
5. Two header rows: when the header row is followed, with no blank line between, by a
   sparse row that is not data ("Gross" over "£"), or is preceded by a header-like row with
   gaps where the other has names (a group label over its columns), the two rows are one
   header. Its names are joined column by column: the upper cell, a space, the lower cell,
   each stripped, an empty one left out ("Gross" over "£" is "Gross £", "" over "Date" is
   "Date"). A label merged across columns is not spread out: it stays on its first column.
   The layout is "unsure" then too, with the one-row reading as the alternative.
6. When no column is a number or date column (a table of text), nothing tells a header from
   data: the header is the first row of two or more cells.
7. When the header itself looks like data (a file without a header), it is still taken,
   and the layout is "unsure".

On a clean file the header is line 1, nothing is skipped, and the layout is "certain".
Empty columns are those with no name and no non-empty cell below the header; empty rows are
records below the header with no non-empty cell (blank lines, or delimiters only), given by
the line each starts on.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

SEARCH_ROWS = 100
BODY_SKIP = 10
PROFILE_SHARE = 0.6
SKIPPED_TEXT_CHARS = 200

_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DATES = [
    re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\S*$"),
    re.compile(rf"^\d{{1,2}}[-/ ]{_MONTH}[-/ ]\d{{2,4}}$", re.IGNORECASE),
    re.compile(rf"^{_MONTH}[-/ ]\d{{2,4}}$", re.IGNORECASE),
    re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$"),
]
_TYPED = ("number", "date")


@dataclass(frozen=True)
class SkippedLine:
    """A line above the header, for the report: "your header is on row 4"."""

    line: int
    text: str  # shortened to SKIPPED_TEXT_CHARS


@dataclass(frozen=True)
class HeaderChoice:
    """Another reading of where the header is."""

    header_row: int
    header_rows: int
    names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "headerRow": self.header_row,
            "headerRows": self.header_rows,
            "names": list(self.names),
        }


@dataclass(frozen=True)
class Layout:
    """Where a CSV file's table is, as find_layout() found it."""

    header_row: int  # the file line the header starts on (1-based); 0 for a file of no rows
    header_rows: int  # 1, or 2 for a header over two rows
    names: tuple[str, ...]  # the header's cells, as found; joined when over two rows
    skipped_lines: tuple[SkippedLine, ...]  # the lines above the header
    empty_columns: tuple[int, ...]  # 0-based indexes of the columns with no name and no data
    empty_rows: tuple[int, ...]  # lines of the records below the header with no data
    rows: int  # records below the header that hold something
    confidence: str  # "certain", or "unsure" when there are alternatives to offer
    alternatives: tuple[HeaderChoice, ...] = ()

    @property
    def empty_row_count(self) -> int:
        return len(self.empty_rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "headerRow": self.header_row,
            "headerRows": self.header_rows,
            "names": list(self.names),
            "skippedLines": [{"line": s.line, "text": s.text} for s in self.skipped_lines],
            "emptyColumns": list(self.empty_columns),
            "emptyRows": {"count": self.empty_row_count, "lines": list(self.empty_rows)},
            "rows": self.rows,
            "confidence": self.confidence,
            "alternatives": [choice.to_dict() for choice in self.alternatives],
        }


@dataclass
class _Record:
    line: int
    cells: list[str]

    @property
    def filled(self) -> list[int]:
        return [j for j, cell in enumerate(self.cells) if cell.strip()]


def find_layout(path: Path, encoding: str, delimiter: str) -> Layout:
    """Find the header, the lines above it, and the empty columns and rows of a CSV file
    (the rules are in this module's notes). Reads the whole file once."""
    with open(path, encoding=encoding, errors="replace", newline="") as text:
        records = _read_records(text, delimiter)
        sample = list(itertools.islice(records, SEARCH_ROWS))
        if not any(record.filled for record in sample):
            return Layout(0, 0, (), (), (), tuple(r.line for r in sample), 0, "unsure")
        header, header_rows, confidence, alternatives = _find_header(sample)
        names = _names(sample, header, header_rows)
        empty_rows: list[int] = []
        used: set[int] = set()
        width = len(names)
        total = 0
        for record in itertools.chain(sample[header + header_rows :], records):
            total += 1
            filled = record.filled
            if not filled:
                empty_rows.append(record.line)
            used.update(filled)
            width = max(width, len(record.cells))
    empty_columns = tuple(
        j for j in range(width) if j not in used and not (j < len(names) and names[j].strip())
    )
    return Layout(
        header_row=sample[header].line,
        header_rows=header_rows,
        names=names,
        skipped_lines=_skipped_lines(path, encoding, sample[header].line),
        empty_columns=empty_columns,
        empty_rows=tuple(empty_rows),
        rows=total - len(empty_rows),
        confidence=confidence,
        alternatives=tuple(
            HeaderChoice(sample[i].line, n, _names(sample, i, n)) for i, n in alternatives
        ),
    )


def _find_header(sample: list[_Record]) -> tuple[int, int, str, list[tuple[int, int]]]:
    """(index of the header record, header rows, confidence, alternatives as (index, rows))."""
    widest = max(len(record.filled) for record in sample)
    least = 2 if widest >= 2 else 1
    first = next(i for i, record in enumerate(sample) if len(record.filled) >= least)
    after = [record for record in sample[first + 1 :] if record.filled]
    body = after[BODY_SKIP:] if len(after) >= 2 * BODY_SKIP else after
    profile = _profile(body)
    if not profile or _looks_like_data(sample[first], profile, least):
        return first, 1, ("unsure" if profile else "certain"), []
    start = next(
        (i for i in range(first + 1, len(sample)) if _looks_like_data(sample[i], profile, least)),
        first + 1,
    )
    full = [i for i in range(first, start) if len(sample[i].filled) >= least]
    header = full[-1]
    alternatives = [(i, 1) for i in reversed(full[:-1])]
    below = header + 1
    if below < start and sample[below].filled:  # "Gross" over "£"
        return header, 2, "unsure", [(header, 1), *alternatives]
    above = header - 1
    if above in full and _has_gaps(sample[above], sample[header]):  # a label over a group
        rest = [choice for choice in alternatives if choice[0] != above]
        return above, 2, "unsure", [(header, 1), *rest]
    return header, 1, ("unsure" if alternatives else "certain"), alternatives


def _profile(body: list[_Record]) -> dict[int, str]:
    """The columns whose non-empty cells are mostly numbers, or mostly dates."""
    kinds: dict[int, Counter[str]] = {}
    for record in body:
        for j in record.filled:
            kinds.setdefault(j, Counter())[_kind(record.cells[j])] += 1
    profile = {}
    for j, counts in kinds.items():
        kind, count = counts.most_common(1)[0]
        if kind in _TYPED and count >= PROFILE_SHARE * sum(counts.values()):
            profile[j] = kind
    return profile


def _looks_like_data(record: _Record, profile: dict[int, str], least: int) -> bool:
    cells = record.cells
    kinds = [(kind, _kind(cells[j])) for j, kind in profile.items() if j < len(cells)]
    matches = sum(1 for wanted, found in kinds if wanted == found)
    texts = sum(1 for _, found in kinds if found == "text")
    if matches:
        return matches >= texts
    return texts == 0 and len(record.filled) >= least


def _has_gaps(top: _Record, bottom: _Record) -> bool:
    """Whether one row is empty where the other has a name (then they are one header)."""
    named_top, named_bottom = set(top.filled), set(bottom.filled)
    return bool(named_top ^ named_bottom)


def _kind(cell: str) -> str:
    text = cell.strip()
    if not text:
        return "empty"
    bare = text.strip("£$€%() ").replace(",", "").replace(" ", "")
    if bare.startswith(("-", "+")) and bare[1:2] in "£$€":
        bare = bare[0] + bare[2:]
    if _NUMBER.match(bare) or bare.lower().lstrip("-+") in ("nan", "inf", "infinity"):
        return "number"
    if any(pattern.match(text) for pattern in _DATES):
        return "date"
    return "text"


def _names(sample: list[_Record], index: int, rows: int) -> tuple[str, ...]:
    if rows == 1:
        return tuple(sample[index].cells)
    top, bottom = sample[index].cells, sample[index + 1].cells
    width = max(len(top), len(bottom))
    joined = []
    for j in range(width):
        parts = [row[j].strip() for row in (top, bottom) if j < len(row) and row[j].strip()]
        joined.append(" ".join(parts))
    return tuple(joined)


def _read_records(text: TextIO, delimiter: str) -> Iterator[_Record]:
    """The file's records with the line each starts on. A byte order mark is dropped; a
    byte the encoding cannot read is U+FFFD (the layout does not depend on it)."""
    reader = csv.reader(text, delimiter=delimiter, quotechar='"')
    start = 1
    for cells in reader:
        if start == 1 and cells and cells[0].startswith("\ufeff"):
            cells[0] = cells[0][1:]
        yield _Record(start, cells)
        start = reader.line_num + 1


def _skipped_lines(path: Path, encoding: str, header_line: int) -> tuple[SkippedLine, ...]:
    lines = []
    with open(path, encoding=encoding, errors="replace", newline="") as text:
        for number, line in enumerate(text, start=1):
            if number >= header_line:
                break
            line = line.rstrip("\r\n").lstrip("\ufeff")
            if len(line) > SKIPPED_TEXT_CHARS:
                line = line[: SKIPPED_TEXT_CHARS - 1] + "…"
            lines.append(SkippedLine(number, line))
    return tuple(lines)
