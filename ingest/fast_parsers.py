"""Fast parsers: raw text cells to typed Arrow values, a whole block at once, for the shapes
real files mostly hold ("2024-03-01", "1234.50", "TX000123").

A parser gives a block's typed values and a mask of the cells it read; every cell it did
not read goes to frictionless's own reader (ingest/columns.py decides). There are parsers
for strings, booleans, integers, numbers and years, and for dates, datetimes and times
whose format is made of zero-padded numeric directives.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless import Field

from ingest.arrays import to_numpy, utf8_buffers

_INT = r"^-?[0-9]{1,18}$"
_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$"
_LEADING_NON_DIGITS = r"^[^-\p{Nd}]*"  # frictionless's bareNumber=false prefix, in RE2
_TRAILING_NON_DIGITS = r"\P{Nd}*$"
_DIRECTIVES = {"%Y": "[0-9]{4}", "%m": "[0-9]{2}", "%d": "[0-9]{2}", "%y": "[0-9]{2}"}
_DIRECTIVES |= {"%H": "[0-9]{2}", "%M": "[0-9]{2}", "%S": "[0-9]{2}"}

FastParser = Callable[[pa.Array], tuple[pa.Array, np.ndarray]]


def fast_parser(field: Field) -> FastParser | None:
    """The parser for a field's type and format, or None where there is none."""
    kind, fmt = field.type, field.format
    if kind == "any" or (kind == "string" and fmt == "default"):
        return lambda raw: (raw.cast(pa.string()), np.ones(len(raw), dtype=bool))
    if kind == "boolean":
        return _boolean_parser(field)
    if kind == "integer":
        return _numeric_parser(_INT, pa.int64(), getattr(field, "bare_number", True), None)
    if kind == "number":
        defined = {"group_char", "decimal_char", "bare_number"} & set(field.list_defined())
        chars = (
            (getattr(field, "group_char", ""), getattr(field, "decimal_char", "."))
            if defined
            else None
        )
        return _numeric_parser(_NUMBER, pa.float64(), getattr(field, "bare_number", True), chars)
    if kind == "year":
        return _numeric_parser(r"^[0-9]{4}$", pa.int64(), True, None)
    if kind == "date":
        pattern = "%Y-%m-%d" if fmt == "default" else fmt
        return _temporal_parser(pattern, pa.date32())
    if kind == "datetime" and fmt != "any":
        if fmt == "default":
            return _temporal_parser("%Y-%m-%dT%H:%M:%S", pa.timestamp("us"), zulu=True)
        return _temporal_parser(fmt, pa.timestamp("us"))
    if kind == "time" and fmt != "any":
        pattern = "%H:%M:%S" if fmt == "default" else fmt
        return _temporal_parser(pattern, pa.time64("us"))
    return None


def _boolean_parser(field: Field) -> FastParser:
    true = pa.array([str(v) for v in getattr(field, "true_values", [])], pa.string())
    false = pa.array([str(v) for v in getattr(field, "false_values", [])], pa.string())

    def parse(raw: pa.Array) -> tuple[pa.Array, np.ndarray]:
        is_false = to_numpy(pc.is_in(raw, value_set=false))
        is_true = to_numpy(pc.is_in(raw, value_set=true)) & ~is_false
        return pa.array(is_true), is_true | is_false

    return parse


def _numeric_parser(
    shape: str, kind: pa.DataType, bare: bool, chars: tuple[str, str] | None
) -> FastParser:
    def parse(raw: pa.Array) -> tuple[pa.Array, np.ndarray]:
        text = raw
        if not bare:
            text = pc.replace_substring_regex(text, pattern=_LEADING_NON_DIGITS, replacement="")
            text = pc.replace_substring_regex(text, pattern=_TRAILING_NON_DIGITS, replacement="")
        ok = np.ones(len(raw), dtype=bool)
        if chars:
            group, decimal = chars
            if group:
                text = pc.replace_substring(text, pattern=group, replacement="")
            if decimal != ".":
                ok &= ~to_numpy(pc.match_substring(text, pattern="."))
                text = pc.replace_substring(text, pattern=decimal, replacement=".")
        ok &= to_numpy(pc.match_substring_regex(text, pattern=shape))
        placeholder = pc.if_else(pa.array(ok), text, "0")
        return pc.cast(placeholder, kind), ok

    return parse


def _temporal_parser(fmt: str, kind: pa.DataType, *, zulu: bool = False) -> FastParser | None:
    """Fixed-width dates and times, read digit by digit from Arrow's buffers with numpy.

    Only formats made of zero-padded numeric directives qualify, so every matching text
    has its digits at known positions; calendar checks (30 February, hour 24) follow.
    """
    shape = _format_regex(fmt)
    layout = _format_layout(fmt)
    if shape is None or layout is None:
        return None
    if zulu:
        shape = shape[:-1] + "Z?$"

    def parse(raw: pa.Array) -> tuple[pa.Array, np.ndarray]:
        ok = to_numpy(pc.match_substring_regex(raw, pattern=shape))
        offsets, data = utf8_buffers(raw)
        starts = np.where(ok, offsets[:-1], 0)
        last = max(len(data) - 1, 0)

        def number(position: int, width: int) -> np.ndarray:
            value = np.zeros(len(raw), dtype=np.int64)
            for k in range(width):
                digit = data[np.minimum(starts + position + k, last)] if len(data) else 0
                value = value * 10 + (np.asarray(digit, dtype=np.int64) - 48)
            return value

        parts = {d: number(position, width) for d, (position, width) in layout.items()}
        year = parts.get("%Y", np.full(len(raw), 1900, dtype=np.int64))
        if "%y" in parts:
            year = np.where(parts["%y"] >= 69, 1900 + parts["%y"], 2000 + parts["%y"])
        month = parts.get("%m", np.ones(len(raw), dtype=np.int64))
        day = parts.get("%d", np.ones(len(raw), dtype=np.int64))
        hour, minute, second = (parts.get(d, 0) for d in ("%H", "%M", "%S"))
        ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
        ok &= (np.asarray(hour) <= 23) & (np.asarray(minute) <= 59) & (np.asarray(second) <= 59)
        months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
        first = months.astype("datetime64[D]")
        length = ((months + 1).astype("datetime64[D]") - first).astype(np.int64)
        ok &= day <= length
        days = np.where(ok, first.astype(np.int64) + day - 1, 0)
        seconds = np.asarray(hour) * 3600 + np.asarray(minute) * 60 + np.asarray(second)
        if kind == pa.date32():
            return pa.array(days.astype(np.int32), type=pa.date32()), ok
        if kind == pa.time64("us"):
            micros = np.broadcast_to(seconds * 1_000_000, (len(raw),)).astype(np.int64)
            return pa.array(micros, type=pa.time64("us")), ok
        stamps = (days * 86_400 + seconds) * 1_000_000
        return pa.array(stamps.astype(np.int64), type=pa.timestamp("us")), ok

    return parse


def _format_layout(fmt: str) -> dict[str, tuple[int, int]] | None:
    """{directive: (position, width)} in the text of a fixed-width format, or None."""
    layout: dict[str, tuple[int, int]] = {}
    position = 0
    for part in re.split(r"(%.)", fmt):
        if part.startswith("%"):
            if part in layout:  # Python's strptime rejects a repeated directive
                return None
            width = 4 if part == "%Y" else 2
            layout[part] = (position, width)
            position += width
        else:
            position += len(part)
    return layout


def _format_regex(fmt: str) -> str | None:
    """A strict regex for the zero-padded texts of a strptime format, or None."""
    parts = re.split(r"(%.)", fmt)
    regex = []
    for part in parts:
        if part.startswith("%"):
            if part not in _DIRECTIVES:
                return None
            regex.append(_DIRECTIVES[part])
        elif part:
            if not re.fullmatch(r"[-/:. T]*", part):
                return None
            regex.append(re.escape(part))
    return "^" + "".join(regex) + "$"
