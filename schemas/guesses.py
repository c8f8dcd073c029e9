"""One column's guess: its Table Schema field, in words a volunteer understands, from the
count of each of its values (schemas/tally.py) and the shapes those values have
(schemas/shapes.py).

A column is typed by the kind most of its values have (numbers, one date form, yes/no);
the few values that do not fit are kept as odd values for the fix step to offer to empty
or edit, rather than sending the whole column to text. Words that stand for "no value"
("NA", "-", "n/a") count as missing only in such a typed column.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from frictionless import Field

from schemas.shapes import Bucket, example_of, is_day_first, missing_tokens, sort_shapes

# A column is typed when this share of its values fit the type; the rest are odd values.
TYPED_SHARE = 0.95
EXAMPLES = 5
# Distinct values per column read once more by frictionless's own cell reader, commonest
# first, to be sure the file validates against the field (the patterns promise it anyway).
CHECKED_VALUES = 20_000

_NUMERIC = frozenset({"integer", "code", "decimal", "grouped", "money", "percent"})
_WHOLE = frozenset({"integer", "code"})
_BOOLEAN = frozenset({"true", "false"})
_DEFAULT_TRUE = ["true", "True", "TRUE"]
_DEFAULT_FALSE = ["false", "False", "FALSE"]


@dataclass
class ColumnGuess:
    """What one column holds, in plain words, and the field that reads it."""

    name: str
    kind_label: str  # "whole numbers", "money in £", "dates like 31/01/2024", "text", ...
    field: dict[str, Any]  # the Table Schema field descriptor
    values: int  # cells holding a value
    empty: int  # cells with no value: blank, or a missing token such as "NA"
    distinct: int  # different values
    examples: list[str]  # up to 5 values that fit, in the order the file has them
    missing_tokens: list[tuple[str, int]]  # (token, cells), commonest first
    # (row, value) of the first 100 cells whose value does not fit the type; odd_count
    # counts them all. The fix step offers to empty or edit them.
    odd_values: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    odd_count: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)  # what to know, in words

    @property
    def description(self) -> str:
        """One plain sentence about the column."""
        parts = [
            f"{self.name}: {self.kind_label}",
            f"{self.values} values, {self.empty} empty, {self.distinct} different",
        ]
        if self.examples:
            parts.append("for example " + ", ".join(self.examples))
        if self.missing_tokens:
            tokens = ", ".join(f'"{t}" ({n} cells)' for t, n in self.missing_tokens)
            parts.append(f"{tokens} taken to mean no value")
        if self.odd_count:
            shown = ", ".join(f'"{v}" (row {r})' for r, v in self.odd_values[:3])
            parts.append(f"{self.odd_count} values do not fit: {shown}")
        return "; ".join(parts + self.notes) + "."


def guess_column(name: str, counts: Counter[str]) -> tuple[ColumnGuess, set[str]]:
    """The guess for one column from the count of each of its values, and its odd values."""
    values = pa.array(list(counts), pa.string())
    cells = pa.array(list(counts.values()), pa.int64())
    blank = counts.get("", 0)
    tokens = missing_tokens(values)
    present = pc.and_(pc.not_equal(values, ""), pc.invert(tokens))
    buckets = sort_shapes(values.filter(present), cells.filter(present))
    total = sum(bucket.cells for bucket in buckets)
    family = _choose_family(buckets, total)
    fitting = [b for b in buckets if family and _fits(family, b.forms)]
    if family is None or (family == "numeric" and _codes(fitting)):
        label = "codes (kept as text)" if family else "text"
        return _text_guess(name, counts, blank, label), set()
    descriptor, label, notes = _describe_family(family, fitting, buckets)
    descriptor = {"name": name, **descriptor}
    refused = _refused(descriptor, fitting)
    unfit = [b for b in buckets if all(b is not f for f in fitting)]
    odd = {v for b in unfit for v in b.values.to_pylist()} | refused
    token_values, token_cells = values.filter(tokens), cells.filter(tokens)
    found = dict(zip(token_values.to_pylist(), token_cells.to_pylist(), strict=True))
    missing = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    if blank == 0 and not missing:
        descriptor["constraints"] = {"required": True}
    typical = pc.and_(
        present, pc.invert(pc.is_in(values, value_set=pa.array(sorted(odd), pa.string())))
    )
    examples = values.filter(typical)[:EXAMPLES].to_pylist()
    guess = ColumnGuess(
        name=name,
        kind_label=label,
        field=descriptor,
        values=total,
        empty=blank + sum(found.values()),
        distinct=sum(len(b.values) for b in buckets),
        examples=examples,
        missing_tokens=missing,
        odd_count=sum(counts[v] for v in odd),
        notes=notes,
    )
    return guess, odd


def _choose_family(buckets: list[Bucket], total: int) -> str | None:
    """The kind most values have ("numeric", "boolean" or one date form), if enough do.

    Dates written in two ways count together for the decision, and the commoner way
    wins: the values written the other way are then odd values.
    """
    coverage: Counter[str] = Counter()
    forms_seen: Counter[str] = Counter()
    for bucket in buckets:
        forms, n = bucket.forms, bucket.cells
        if forms & _NUMERIC:
            coverage["numeric"] += n
        if forms & _BOOLEAN:
            coverage["boolean"] += n
        temporal = [form for form in forms if ":" in form]
        if temporal:
            coverage["temporal"] += n
            forms_seen.update(dict.fromkeys(temporal, n))
    if not coverage:
        return None
    family, covered = max(coverage.items(), key=lambda item: (item[1], _preference(item[0])))
    if covered < TYPED_SHARE * total:
        return None
    if family == "temporal":
        return max(forms_seen.items(), key=lambda item: (item[1], _preference(item[0])))[0]
    return family


def _preference(family: str) -> tuple[int, int]:
    """Ties go to numbers, then to day-first dates (the UK reading), then to 4-digit years."""
    if family == "numeric":
        return (3, 0)
    if family == "temporal":
        return (2, 0)
    if family == "boolean":
        return (0, 0)
    return (2 if is_day_first(family) else 1, 1 if "%Y" in family else 0)


def _fits(family: str, forms: frozenset[str]) -> bool:
    if family == "numeric":
        return bool(forms & _NUMERIC)
    if family == "boolean":
        return bool(forms & _BOOLEAN)
    return family in forms


def _codes(fitting: list[Bucket]) -> bool:
    """Whole numbers some of which have a leading zero ("007"): codes, kept as text."""
    forms = {form for bucket in fitting for form in bucket.forms}
    return "code" in forms and forms <= _WHOLE


def _describe_family(
    family: str, fitting: list[Bucket], buckets: list[Bucket]
) -> tuple[dict[str, Any], str, list[str]]:
    """The field descriptor (without its name), the kind label and notes for a family."""
    if family == "numeric":
        return _numeric_field(fitting)
    if family == "boolean":
        words = [(b.forms, v) for b in fitting for v in b.values.to_pylist()]
        trues = sorted(v for forms, v in words if "true" in forms) or _DEFAULT_TRUE
        falses = sorted(v for forms, v in words if "false" in forms) or _DEFAULT_FALSE
        field = {"type": "boolean", "trueValues": trues, "falseValues": falses}
        return field, "yes or no", []
    kind, _, fmt = family.partition(":")
    descriptor: dict[str, Any] = {"type": kind}
    if family != "date:%Y-%m-%d":  # frictionless's default date format
        descriptor["format"] = fmt
    notes = []
    if kind == "time":
        label = "times of day"
    elif kind == "datetime":
        label = "dates and times"
    elif "%d" in fmt:
        label = f"dates like {example_of(family)}"
    else:
        label = f"months like {example_of(family)}"
    swapped = family.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    if swapped != family and "%m" in fmt and all(swapped in b.forms for b in fitting):
        notes.append(
            "every value could be read day first or month first; read day first, the UK way"
        )
    other = [
        b for b in buckets if all(b is not f for f in fitting) and any(":" in f for f in b.forms)
    ]
    if other:
        count = sum(b.cells for b in other)
        notes.append(f"{count} dates are written another way, such as {other[0].values[0]}")
    return descriptor, label, notes


def _numeric_field(fitting: list[Bucket]) -> tuple[dict[str, Any], str, list[str]]:
    forms: Counter[str] = Counter()
    for bucket in fitting:
        for form in bucket.forms & _NUMERIC:
            forms[form] += bucket.cells
    if set(forms) <= _WHOLE:
        return {"type": "integer"}, "whole numbers", []
    descriptor: dict[str, Any] = {"type": "number"}
    if any(bucket.any_match(",") for bucket in fitting):
        descriptor["groupChar"] = ","
    if forms["money"] or forms["percent"]:
        descriptor["bareNumber"] = False  # frictionless's way to allow "£" and "%"
    if forms["money"] and forms["money"] >= forms["percent"]:
        label = "money in £"
    elif forms["percent"]:
        label = "percentages"
    elif any(bucket.any_match("[.eE]") for bucket in fitting):
        label = "numbers with decimals"
    else:
        label = "whole numbers"
    return descriptor, label, []


def _refused(descriptor: dict[str, Any], fitting: list[Bucket]) -> set[str]:
    """The values frictionless's own reader does not read under the field: its commonest
    CHECKED_VALUES distinct values are read once more, to be sure."""
    read = Field.from_descriptor(descriptor).create_value_reader()
    values = pa.concat_arrays([b.values for b in fitting])
    counts = pa.concat_arrays([b.counts for b in fitting])
    if len(values) > CHECKED_VALUES:
        values = values.take(pc.select_k_unstable(counts, CHECKED_VALUES, [("", "descending")]))
    return {value for value in values.to_pylist() if read(value) is None}


def _text_guess(name: str, counts: Counter[str], blank: int, label: str) -> ColumnGuess:
    """A text column: every non-blank cell is a value, "NA" and "none" included."""
    values = {v: n for v, n in counts.items() if v}
    descriptor: dict[str, Any] = {"name": name, "type": "string"}
    if blank == 0 and values:
        descriptor["constraints"] = {"required": True}
    return ColumnGuess(
        name=name,
        kind_label=label if values else "empty (no values yet)",
        field=descriptor,
        values=sum(values.values()),
        empty=blank,
        distinct=len(values),
        examples=list(values)[:EXAMPLES],
        missing_tokens=[],
    )
