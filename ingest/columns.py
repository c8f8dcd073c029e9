"""Read one column of raw CSV text into typed Arrow values and cell errors, a block at a time.

Each field gets a ColumnReader. frictionless's own cell reader is the definition of what a
cell means; the fast parsers (ingest/fast_parsers.py) are vectorised Arrow versions of it
for the shapes real files mostly hold ("2024-03-01", "1234.50", "TX000123"). A fast path
only ever claims a cell when it is sure to give frictionless's value and verdict; every
other cell (odd spacing, unicode digits, invalid dates, values on a constraint's bound,
types with no fast path) goes to frictionless's reader, once per distinct value. The slow
path is therefore the rule and the fast path an optimisation, which
tests/test_engine_parity.py checks. The constraints a fast path can check are checked here,
over the whole block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from frictionless import Field

from ingest.arrays import to_numpy
from ingest.fast_parsers import fast_parser
from schemas.arrow import arrow_type

CellErrors = list[tuple[str, str]]  # [(error type, frictionless note), ...] for one cell

_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_COMPARE = {
    "minimum": pc.greater_equal,
    "maximum": pc.less_equal,
    "exclusiveMinimum": pc.greater,
    "exclusiveMaximum": pc.less,
}
_MEMO_LIMIT = 100_000


@dataclass
class ColumnResult:
    """One block of one column."""

    values: pa.Array  # typed; null where the cell is missing or wrong
    blank: np.ndarray  # True where the cell is a missing value (None without a type error)
    errors: dict[int, CellErrors] = field(default_factory=dict)  # row index in block -> errors


class ColumnReader:
    """Reads the cells of one Table Schema field exactly as frictionless does."""

    def __init__(self, field: Field) -> None:
        self.field = field
        self.type = field.type
        self.arrow_type = arrow_type(field.to_descriptor())
        self._read_cell = field.create_cell_reader()
        missing = field.missing_values
        if not field.has_defined("missing_values") and field.schema:
            missing = field.schema.missing_values
        self._missing = pa.array([str(m) for m in missing], type=pa.string())
        self._store = _storable(field)
        self._memo: dict[str, tuple[Any, CellErrors]] = {}
        self._constraints = {
            name: field.constraints[name]
            for name in field.supported_constraints
            if field.constraints.get(name) is not None
        }
        self._fast = fast_parser(field)
        self._bounds = {
            name: field.create_value_reader()(self._constraints[name])
            for name in _BOUNDS
            if name in self._constraints
        }
        self._vectorised = self._fast is not None and self._constraints_are_vectorised()
        self._pattern = _re2_pattern(self._constraints.get("pattern"))

    # Public -------------------------------------------------------------------------------

    def read(self, raw: pa.Array) -> ColumnResult:
        """Type one block of raw text cells (no nulls) and find their errors."""
        size = len(raw)
        blank = to_numpy(pc.is_in(raw, value_set=self._missing))
        present = ~blank
        if self._vectorised:
            assert self._fast is not None
            values, ok = self._fast(raw)
            ok &= present
            violations = self._violations(raw, values, ok)
            slow = present & ~ok
            for mask in violations.values():
                if isinstance(mask, tuple):  # (violated, ambiguous): ambiguous cells go slow
                    slow |= mask[1] & ok
        else:
            values, ok = pa.nulls(size, self.arrow_type), np.zeros(size, dtype=bool)
            violations = {}
            slow = present
        errors: dict[int, CellErrors] = {}
        if self._constraints.get("required") and blank.any():
            for index in np.flatnonzero(blank):
                errors[int(index)] = [("constraint-error", self._note("required"))]
        if violations:
            self._fast_errors(violations, ok & ~slow, errors)
        if slow.any():
            values = self._read_slow(raw, values, ok & ~slow, slow, errors)
        else:
            values = _keep(values, ok & ~blank)
        return ColumnResult(values, blank, errors)

    def python_value(self, cell: str | None) -> Any:
        """The value frictionless reads from a cell (None for a missing or wrong one)."""
        return self._read_cell(cell)[0]

    def store(self, value: Any) -> Any:
        """frictionless's Python value as our column holds it."""
        return self._store(value)

    def read_cells(self, cells: list[str | None]) -> tuple[list[Any], list[CellErrors], list[bool]]:
        """Cells of rows Arrow could not place (wrong cell count): values, errors, blanks."""
        values, errors, blanks = [], [], []
        for cell in cells:
            value, notes = self._read_cell(cell)
            errors.append(_cell_errors(notes))
            blanks.append(value is None and not (notes and "type" in notes))
            values.append(None if value is None else self._store(value))
        return values, errors, blanks

    # Constraints --------------------------------------------------------------------------

    def _constraints_are_vectorised(self) -> bool:
        supported = {"required"}
        if self.type in ("string", "any"):
            supported |= {"minLength", "maxLength", "enum"}
            if self.type == "string":
                supported |= (
                    {"pattern"} if _re2_pattern(self._constraints.get("pattern")) else set()
                )
        elif self.type in ("integer", "year", "number", "date"):
            supported |= set(_BOUNDS)
            if self.type in ("integer", "year", "number"):
                supported |= {"enum"}
        return set(self._constraints) <= supported

    def _violations(self, raw: pa.Array, values: pa.Array, ok: np.ndarray) -> dict[str, Any]:
        """Per constraint, the fast cells that break it (in frictionless's constraint order).

        A value is (violated, ambiguous) where a float comparison cannot decide for a
        Decimal: those cells are re-read by frictionless.
        """
        result: dict[str, Any] = {}
        if not ok.any():
            return result
        for name in self._constraints:
            if name == "required":
                continue
            if name in ("minLength", "maxLength"):
                length = to_numpy(pc.utf8_length(raw))
                limit = self._constraints[name]
                result[name] = length < limit if name == "minLength" else length > limit
            elif name == "pattern":
                matched = to_numpy(pc.match_substring_regex(raw, pattern=self._pattern))
                unsure = ~to_numpy(pc.string_is_ascii(raw)) | to_numpy(
                    pc.match_substring(raw, pattern="\n")
                )
                result[name] = (~matched, unsure)
            elif name in _BOUNDS:
                bound = self._bounds[name]
                scalar = pa.scalar(float(bound) if self.type == "number" else bound)
                passed = to_numpy(_COMPARE[name](values, scalar.cast(values.type)), fill=False)
                if self.type == "number":
                    nan = to_numpy(pc.is_nan(values), fill=False)
                    equal = to_numpy(pc.equal(values, scalar), fill=False)
                    result[name] = (~passed | nan, equal)
                else:
                    result[name] = ~passed
            elif name == "enum":
                options = list(map(self.field.create_value_reader(), self._constraints[name]))
                if self.type == "number":
                    floats = pa.array([float(v) for v in options if v is not None], pa.float64())
                    zeroed = pc.add(values, 0.0)  # -0.0 becomes 0.0, as Decimal("-0") == 0
                    found = to_numpy(pc.is_in(zeroed, value_set=floats), fill=False)
                    result[name] = (~found, found)  # a float match may hide a Decimal mismatch
                else:
                    wanted = str if self.type in ("string", "any") else int
                    typed = pa.array([v for v in options if type(v) is wanted], type=values.type)
                    result[name] = ~to_numpy(pc.is_in(values, value_set=typed), fill=False)
        return result

    def _fast_errors(
        self, violations: dict[str, Any], decided: np.ndarray, errors: dict[int, CellErrors]
    ) -> None:
        for name, mask in violations.items():
            broken = (mask[0] if isinstance(mask, tuple) else mask) & decided
            for index in np.flatnonzero(broken):
                errors.setdefault(int(index), []).append(("constraint-error", self._note(name)))

    def _note(self, name: str) -> str:
        return f'constraint "{name}" is "{self.field.constraints[name]}"'

    # The exact path -----------------------------------------------------------------------

    def _read_slow(
        self,
        raw: pa.Array,
        values: pa.Array,
        fast: np.ndarray,
        slow: np.ndarray,
        errors: dict[int, CellErrors],
    ) -> pa.Array:
        indices = np.flatnonzero(slow)
        cells = raw.take(pa.array(indices)).to_pylist()
        replacements = []
        for index, cell in zip(indices, cells, strict=True):
            value, cell_errors = self._read_known(cell)
            replacements.append(value)
            if cell_errors:
                errors[int(index)] = cell_errors
        kept = _keep(values, fast)
        replaced = pa.array(replacements, type=self.arrow_type)
        return pc.replace_with_mask(kept, pa.array(slow), replaced)

    def _read_known(self, cell: str) -> tuple[Any, CellErrors]:
        known = self._memo.get(cell)
        if known is None:
            value, notes = self._read_cell(cell)
            known = (None if value is None else self._store(value), _cell_errors(notes))
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[cell] = known
        return known


def _re2_pattern(pattern: str | None) -> str | None:
    """frictionless's `^pattern$` match in RE2 terms, or None where the two may differ."""
    if pattern is None or "[:" in pattern or "{," in pattern:
        return None
    regex = f"^(?:^{pattern}$)"
    try:
        pc.match_substring_regex(pa.array(["probe"]), pattern=regex)
    except pa.ArrowInvalid:
        return None
    return regex


# Conversions ------------------------------------------------------------------------------


def _storable(field: Field) -> Callable[[Any], Any]:
    """frictionless's Python value as the value our Arrow column holds."""
    kind = field.type
    if kind == "number":
        return float
    if kind in ("integer", "year"):
        return int
    if kind == "datetime":
        return _naive_utc
    if kind == "time":
        return _naive_time
    if kind in ("string", "any", "boolean", "date"):
        return _unchanged
    return partial(_text, field)


def _text(field: Field, value: Any) -> str:
    """A value Arrow has no type for, in its Table Schema text form."""
    try:
        text, _ = field.write_cell(value)
    except TypeError:  # frictionless cannot write array/object geopoints holding Decimals
        text = None
    return str(text) if text is not None else ",".join(str(v) for v in value)


def _unchanged(value: Any) -> Any:
    return value


def _naive_time(value: dt.time) -> dt.time:
    return value.replace(tzinfo=None)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    """Timestamps are stored without a zone: aware values are converted to UTC first."""
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _keep(values: pa.Array, keep: np.ndarray) -> pa.Array:
    """`values` with nulls where `keep` is False, sharing its buffers where it can."""
    if keep.all() and values.null_count == 0:
        return values
    if values.offset == 0 and values.type.num_buffers in (2, 3):
        validity = pa.array(keep).buffers()[1]
        return pa.Array.from_buffers(values.type, len(values), [validity, *values.buffers()[1:]])
    return pc.if_else(pa.array(keep), values, pa.scalar(None, values.type))


def _cell_errors(notes: dict[str, str] | None) -> CellErrors:
    if not notes:
        return []
    if "type" in notes:
        return [("type-error", notes["type"])]
    return [("constraint-error", note) for note in notes.values()]
