"""The header row of a CSV file, found as frictionless finds it; and the dialect check first,
since a file Arrow would not split as Python's csv module does is Unsupported.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from ingest.errors import Unsupported
from ingest.sniff import Sniffed

SAMPLE_ROWS = 5000  # rows frictionless samples (ingest.validate.open_resource tells it so)


def read_header(path: Path, sniffed: Sniffed) -> tuple[int, list[str]]:
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
    return pick_header(sample)


def pick_header(sample: list[list[str]]) -> tuple[int, list[str]]:
    """The header among the sample's rows, as frictionless picks it (read_header)."""
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
