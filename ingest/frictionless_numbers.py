"""frictionless's number reading made linear in the cell's length.

A number that is not bare (`bareNumber: false`, as in "£1,000" or "12%": the money columns
our inference proposes) is read by frictionless after removing its leading and trailing
non-digits with `re.sub(r"((^[^-\\d]*)|(\\D*$))", "", cell)`. The `\\D*$` branch is tried
from every position and scans to the next digit each time, so the removal is quadratic: a
cell of "1", 100 kB of letters and "1" took over 20 s, a 600 kB one many minutes, all of it
holding the interpreter's lock (the whole site waits). Our engine reads such cells with
frictionless's own reader whenever its vectorised parsers decline them, and frictionless
reads whole files the engine declines.

`install()` gives the number and integer field modules of frictionless a `re` whose
compile() of that one pattern returns an equivalent in linear time: the leading run of
characters that are neither "-" nor a digit, and everything after the last digit, removed
(`ORIGINAL`'s result on every string: checked against it by tests/test_huge_values.py).
Every other pattern compiles as usual.
"""

from __future__ import annotations

import re
from typing import Any

ORIGINAL = r"((^[^-\d]*)|(\D*$))"
_LEADING = re.compile(r"[^-\d]*")
_LAST_DIGIT = re.compile(r"\d\D*\Z")  # tried only at digits, each scan ending at the next


def strip_non_digits(cell: str) -> str:
    """What re.sub(ORIGINAL, "", cell) gives, in linear time."""
    start = _LEADING.match(cell)
    begin = start.end() if start else 0
    last = _LAST_DIGIT.search(cell, begin)
    end = last.start() + 1 if last else begin
    return cell[begin:end]


class _LinearStrip:
    """Stands in for re.compile(ORIGINAL): its sub("", cell) is strip_non_digits(cell)."""

    pattern = ORIGINAL

    def sub(self, repl: str, string: str, count: int = 0) -> str:
        if repl or count:
            return re.sub(ORIGINAL, repl, string, count=count)
        return strip_non_digits(string)


class _Re:
    """The `re` module, but for the one pattern (see the module's notes)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    def compile(self, pattern: Any, flags: int = 0) -> Any:
        if pattern == ORIGINAL and not flags:
            return _LinearStrip()
        return re.compile(pattern, flags)


def install() -> None:
    """Make frictionless's number and integer readers linear (idempotent)."""
    from frictionless.fields import integer, number

    integer.re = number.re = _Re()  # type: ignore[assignment]
