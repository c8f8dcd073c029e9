"""The ready schemas the start of a file looks like, before the whole file is sent.

The upload page reads the first HEAD_BYTES of a CSV in the browser and asks which ready
schemas its header matches; hint_schemas() answers from those bytes alone. The header is
found as an upload's is: the encoding and delimiter sniffed (ingest/sniff.py), the title and
blank lines above the header skipped and a header over two rows joined (ingest/layout.py),
then the header's names matched to each ready schema (schemas.suggest_schemas, the same
words the review page shows after an upload: "looks like UK central government spend over
£25,000: 9 of 15 columns match").

The head is cut at its last line break before it is read, so a line (or a character of it)
that the cut split in two is not taken for part of the table. A workbook (a zip or an OLE2
file) says nothing: its header is on a sheet, which these bytes cannot show. The start of
a gzip is unpacked (at most HEAD_BYTES of it) and read as the CSV it begins; any other
compressed file says nothing.
"""

from __future__ import annotations

import codecs
import tempfile
import zlib
from pathlib import Path

from ingest.compressed import SIGNATURES
from ingest.layout import find_layout
from ingest.sniff import DEFAULT_LEGACY_ENCODINGS, sniff_file, utf16_without_bom
from ingest.workbook import OLE2_SIGNATURE, ZIP_SIGNATURE
from schemas import Suggestion, library_entries, suggest_schemas

HEAD_BYTES = 64 * 1024  # how much of a file the upload page sends
MOST_HINTS = 3


def hint_schemas(
    head: bytes,
    *,
    legacy_encodings: tuple[str, ...] = DEFAULT_LEGACY_ENCODINGS,
    most: int = MOST_HINTS,
) -> list[Suggestion]:
    """The ready schemas (at most `most`, best fit first) whose fields the header in the
    first bytes of a CSV file matches well enough (schemas.suggest_schemas' threshold);
    an empty list for a file that looks like none of them, or for a workbook. Only the
    first HEAD_BYTES of `head` are read."""
    head = head[:HEAD_BYTES]
    if head.startswith(b"\x1f\x8b"):  # a gzip: the start of what it holds
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, HEAD_BYTES)
        except zlib.error:
            return []
    if head.startswith((ZIP_SIGNATURE, OLE2_SIGNATURE, *(s[0] for s in SIGNATURES))):
        return []
    lines = whole_lines(head)
    if not lines.strip(b"\x00\r\n\t ,;|"):
        return []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "head.csv"
        path.write_bytes(lines)
        sniffed = sniff_file(path, legacy_encodings)
        layout = find_layout(path, sniffed.encoding, sniffed.delimiter)
    return suggest_schemas(list(layout.names), library_entries())[:most]


def whole_lines(head: bytes) -> bytes:
    """The start of a file up to and with its last line break (all of it when it has none):
    what is after it may be a line, or a character, cut in two."""
    wide = utf16_without_bom(head)
    if head.startswith(codecs.BOM_UTF16_LE):
        wide = "utf_16_le"
    elif head.startswith(codecs.BOM_UTF16_BE):
        wide = "utf_16_be"
    if wide is None:
        end = max(head.rfind(b"\n"), head.rfind(b"\r"))
        return head[: end + 1] if end >= 0 else head
    newline = b"\n\x00" if wide == "utf_16_le" else b"\x00\n"
    end = head.rfind(newline)
    while end > 0 and end % 2:  # a code unit starts at an even byte
        end = head.rfind(newline, 0, end + 1)
    return head[: end + 2] if end >= 0 else head[: len(head) - len(head) % 2]
