"""One file's bytes read in rival single-byte encodings, and which reading is plausible.

A file that is not UTF-8 was written in some legacy code page, and nothing in its bytes says
which. charset-normalizer makes a guess; the guess can be wrong in ways a person sees at
once: byte 0x9C is "£" in the old DOS code pages (cp850, cp437) but "œ" in Windows-1252, so
an accounts export from a DOS-era system reads "œ196,538.13". Here every candidate encoding
reads the file, readings that come out the same are merged, and each is scored by how
plausible its non-ASCII characters are where they stand:

- a currency sign (£ €) before or after a number: +2; elsewhere (a column "Amount £"): +1
- a letter inside a word ("Société", "cœur"): +2, unless it is a capital after a small
  letter ("ChildrenÆs", where Windows-1252 reads "Children’s"): -1
- a letter against a digit ("œ196", "ú1000"): -2; a letter on its own: -1 ("à": 0)
- typographic punctuation (’ “ ” – — … •) and the no-break space: +1; ° © ® ™: +1
- another symbol (¥ ¤ ¦ ± ×, box drawing ╝ ▒): -2 next to a letter or digit, else -1
- a control character (Latin-1's reading of bytes 0x80 to 0x9F): -3

A reading's score is the mean over its non-ASCII characters (the first SCORED_LINES lines
that have any). The reading preselected is the best, but charset-normalizer's guess keeps
its place unless another beats it by MARGIN. The choice is certain when all candidates
read the file the same, or when the guess is preselected, is plausible (score > 0) and every
rival is not (score < 0).
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCORED_LINES = 5000
SHOWN_LINES = 5
SHOWN_CONTEXT = 30  # characters either side of the first difference in a shown line
MARGIN = 0.5

LABELS = {  # by codecs.lookup() name, "-" as "_"
    "utf_8": "UTF-8",
    "utf_8_sig": "UTF-8 with a byte order mark",
    "utf_16": "UTF-16",
    "utf_16_le": "UTF-16 (little-endian)",
    "utf_16_be": "UTF-16 (big-endian)",
    "cp1252": "Windows-1252",
    "iso8859_1": "Latin-1 (ISO-8859-1)",
    "iso8859_15": "Latin-9 (ISO-8859-15)",
    "cp850": "DOS Latin-1 (code page 850)",
    "cp437": "DOS (code page 437)",
    "cp1250": "Windows-1250",
    "mac_roman": "Mac Roman",
}
_ASCII = bytes(range(128))
_TYPOGRAPHIC = "’‘‚“”„–—…•·«»‹›"
_MARKS = "°©®™"


@dataclass(frozen=True)
class EncodingChoice:
    """One reading of the file: an encoding and the lines it reads unlike its rivals."""

    encoding: str  # a Python codec name
    label: str  # the encoding in words a person recognises
    lines: list[tuple[int, str]]  # (line number, text shortened around the differences)
    score: float  # plausibility of its non-ASCII characters, -3 (none) to +2
    same_as: tuple[str, ...] = ()  # other candidates that read the file identically

    def to_dict(self) -> dict[str, Any]:
        return {
            "encoding": self.encoding,
            "label": self.label,
            "lines": [{"line": number, "text": text} for number, text in self.lines],
            "score": round(self.score, 3),
            "sameAs": list(self.same_as),
        }


@dataclass(frozen=True)
class EncodingChoices:
    """The readings of a file to offer, best first, and whether to ask at all."""

    preselected: str
    choices: list[EncodingChoice] = field(default_factory=list)  # empty when UTF-8 or ASCII
    certain: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "preselected": self.preselected,
            "certain": self.certain,
            "choices": [choice.to_dict() for choice in self.choices],
        }


def label_encoding(encoding: str) -> str:
    """An encoding's name in words a person recognises."""
    return LABELS.get(_canonical(encoding), encoding)


def choose_reading(path: Path, encodings: tuple[str, ...], guess: str) -> EncodingChoices:
    """Read a non-UTF-8 file in each of `encodings`, merge identical readings, score them,
    and preselect one (rules in the module's notes); `guess` is charset-normalizer's."""
    present = _non_ascii_bytes(path)
    groups: dict[str, list[str]] = {}  # the bytes' reading -> encodings giving it
    for encoding in dict.fromkeys([guess, *encodings]):
        try:
            reading = present.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue  # a byte this code page leaves undefined: not a candidate
        groups.setdefault(reading, []).append(encoding)
    if len(groups) <= 1:
        only = next(iter(groups.values()), [guess])
        choices = [_choice(only, [], 0.0)] if groups else []
        return EncodingChoices(only[0], choices, certain=bool(groups))
    differing = _differing_bytes(present, [members[0] for members in groups.values()])
    lines = list(_non_ascii_lines(path, SCORED_LINES))
    choices = []
    for members in groups.values():
        encoding = members[0]
        decoded = [(number, raw.decode(encoding)) for number, raw in lines]
        score = _score(lines, decoded)
        shown = [
            (number, _shorten(text, raw, differing))
            for (number, raw), (_, text) in zip(lines, decoded, strict=True)
            if any(byte in differing for byte in raw)
        ][:SHOWN_LINES]
        choices.append(_choice(members, shown, score))
    choices.sort(key=lambda choice: -choice.score)
    favourite = next(
        (choice for choice in choices if _canonical(guess) in _names(choice)), choices[0]
    )
    best = choices[0]
    if best is not favourite and best.score < favourite.score + MARGIN:
        best = favourite
        choices.remove(favourite)
        choices.insert(0, favourite)
    certain = (
        best is favourite
        and best.score > 0
        and all(choice.score < 0 for choice in choices if choice is not best)
    )
    return EncodingChoices(best.encoding, choices, certain)


def _choice(members: list[str], lines: list[tuple[int, str]], score: float) -> EncodingChoice:
    return EncodingChoice(members[0], label_encoding(members[0]), lines, score, tuple(members[1:]))


def _names(choice: EncodingChoice) -> set[str]:
    return {_canonical(name) for name in (choice.encoding, *choice.same_as)}


def _canonical(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        return encoding


def _score(lines: list[tuple[int, bytes]], decoded: list[tuple[int, str]]) -> float:
    total, count = 0, 0
    for (_, raw), (_, text) in zip(lines, decoded, strict=True):
        for index, byte in enumerate(raw):
            if byte >= 0x80:  # a single-byte code page: one byte, one character
                total += score_character(text, index)
                count += 1
    return total / count if count else 0.0


def score_character(text: str, index: int) -> int:
    """How plausible the character at `index` is where it stands (module notes)."""
    char = text[index]
    before = text[index - 1] if index else " "
    after = text[index + 1] if index + 1 < len(text) else " "
    category = unicodedata.category(char)
    if category == "Cc":
        return -3
    if char in "£€":
        near = text[index + 1 : index + 3].lstrip(" ")[:1] or " "
        return 2 if near.isdigit() or before.isdigit() else 1
    if char.isalpha():
        if before.isdigit() or after.isdigit():
            return -2
        if before.isalpha() or after.isalpha():
            return -1 if char.isupper() and before.isalpha() and before.islower() else 2
        return 0 if char in "àÀ" else -1
    if char in _TYPOGRAPHIC or char in _MARKS or char == "\xa0":
        return 1
    if category.startswith(("S", "P")) or "BOX DRAWINGS" in unicodedata.name(char, ""):
        return -2 if before.isalnum() or after.isalnum() else -1
    return 0


def _non_ascii_bytes(path: Path) -> bytes:
    """Every byte value from 0x80 up that occurs in the file, once each, in order."""
    present: set[int] = set()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            present.update(block.translate(None, _ASCII))
    return bytes(sorted(present))


def _differing_bytes(present: bytes, encodings: list[str]) -> set[int]:
    """The bytes the candidate readings do not all read alike."""
    return {
        byte
        for byte in present
        if len({bytes([byte]).decode(encoding) for encoding in encodings}) > 1
    }


def _non_ascii_lines(path: Path, limit: int) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of the first `limit` lines holding a byte from 0x80 up; lines
    end at LF, CR LF or a lone CR."""
    number, found = 0, 0
    with open(path, "rb") as handle:
        for chunk in handle:
            for line in chunk.splitlines():
                number += 1
                if line.translate(None, _ASCII):
                    yield number, line
                    found += 1
                    if found >= limit:
                        return


def _shorten(text: str, raw: bytes, differing: set[int]) -> str:
    """The line around its first differing character, with … where it was cut."""
    first = next(index for index, byte in enumerate(raw) if byte in differing)
    last = max(index for index, byte in enumerate(raw) if byte in differing)
    start = max(first - SHOWN_CONTEXT, 0)
    end = min(max(last, first) + SHOWN_CONTEXT + 1, len(text), first + 4 * SHOWN_CONTEXT)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
