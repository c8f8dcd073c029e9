"""Work out how a CSV file is written: its encoding, delimiter and line endings."""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from ingest.readings import EncodingChoices, choose_reading, label_encoding

DELIMITERS = ",;\t|"
SAMPLE_BYTES = 256 * 1024
# csv.Sniffer's quote regex is quadratic on some shapes (a quoted cell, then thousands of
# rows of bare commas), so it sees only the first lines.
SNIFF_LINES = 50
SNIFF_CHARS = 32 * 1024

# Single-byte encodings tried when a file is not UTF-8. Unrestricted, charset-normalizer
# calls short Windows-1252 files "cp1250" and turns every £ into Ł, so the candidates are
# the ones this catalogue's users meet; a setting widens them. cp850, the DOS code page of
# Western Europe, is last: old finance systems still export in it, and there £ is byte 0x9C,
# which Windows-1252 reads as œ; ingest.readings keeps it from winning where it reads worse
# (it reads Windows-1252's £, byte 0xA3, as ú).
DEFAULT_LEGACY_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "cp850")
_UTF16 = ("utf_16_le", "utf_16_be")


@dataclass(frozen=True)
class Sniffed:
    """How a file is written, as decided by sniff_file()."""

    encoding: str  # a Python codec name; utf-8-sig when the file starts with a BOM
    delimiter: str
    line_terminator: str

    @property
    def encoding_label(self) -> str:
        """The encoding in words a person recognises."""
        return label_encoding(self.encoding)

    @property
    def delimiter_label(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
            self.delimiter, repr(self.delimiter)
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "lineTerminator": self.line_terminator,
        }


def sniff_file(path: Path, legacy_encodings: tuple[str, ...] = DEFAULT_LEGACY_ENCODINGS) -> Sniffed:
    """Decide the encoding over the whole file, then the dialect from its start."""
    encoding = detect_encoding(path, legacy_encodings)
    with open(path, "rb") as handle:
        raw = handle.read(SAMPLE_BYTES)
    text = raw.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return Sniffed(encoding, detect_delimiter(text), detect_line_terminator(text))


def detect_encoding(
    path: Path, legacy_encodings: tuple[str, ...] = DEFAULT_LEGACY_ENCODINGS
) -> str:
    return encoding_choices(path, legacy_encodings).preselected


def encoding_choices(
    path: Path, legacy_encodings: tuple[str, ...] = DEFAULT_LEGACY_ENCODINGS
) -> EncodingChoices:
    """The file's encoding, and for a legacy single-byte file its rival readings.

    A byte order mark, UTF-16 or valid UTF-8 (ASCII included) is certain, with no choices.
    Otherwise charset-normalizer guesses among `legacy_encodings`, and
    ingest.readings.choose_reading() reads the file in each of them, scores the readings
    and preselects one: the guess, unless a rival reads clearly more plausibly (a £ before
    each amount where the guess reads œ).
    """
    certain = _certain_encoding(path)
    if certain:
        return EncodingChoices(certain)
    best = charset_normalizer.from_path(path, cp_isolation=[*legacy_encodings, *_UTF16]).best()
    if best is None:
        guess = legacy_encodings[0] if legacy_encodings else "latin_1"
    else:
        guess = str(best.encoding)
    if guess in _UTF16 or not legacy_encodings:
        return EncodingChoices(guess, [], False)
    return choose_reading(path, legacy_encodings, guess)


def _certain_encoding(path: Path) -> str | None:
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    with open(path, "rb") as handle:
        utf16 = utf16_without_bom(handle.read(4096))
    if utf16:
        return utf16
    if _decodes_as_utf8(path):
        return "utf-8"
    return None


def detect_delimiter(text: str) -> str:
    lines = text[:SNIFF_CHARS].splitlines(keepends=True)[:SNIFF_LINES]
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]  # a cut-off last line would mislead the sniffer
    sample = "".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def detect_line_terminator(text: str) -> str:
    if "\r\n" in text:
        return "\r\n"
    if "\r" in text and "\n" not in text:
        return "\r"
    return "\n"


def count_lines(path: Path) -> int:
    """Physical lines in a file (an upper bound on its rows), read in 1 MB blocks."""
    lines = 0
    last = b""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n") or block.count(b"\r")
            last = block[-1:]
    return lines + (1 if last and last not in b"\r\n" else 0)


def utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 without a byte order mark shows as NUL bytes at every other position
    (for Latin text) of the start of a file (`sample`, its first 4 kB). NUL is valid
    UTF-8, so this has to be asked before UTF-8."""
    sample = sample[:4096]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf_16_le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf_16_be"
    return None


def _decodes_as_utf8(path: Path) -> bool:
    """Whether the whole file is valid UTF-8 (one bad byte 500 kB in counts)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
