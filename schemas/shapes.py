"""The shapes a cell's text can have: a whole number, money in £, a UK date, a missing token.

`sort_shapes` puts a column's distinct values into buckets of one shape each, as sets of
forms ("integer", "money", "date:%d/%m/%Y", ...): the numeric shapes by RE2 patterns over
the whole Arrow array at once, and only the values that look like a date, a time or a
yes/no word through Python (`shape_of`), so a column of a million different amounts costs
no Python per value. Every form is a promise that frictionless 5 reads the value under the
field that form leads to (ingest reads the same cells the same way), so the patterns are
stricter than frictionless's readers, never looser: dates are confirmed with
`datetime.strptime`, the very call frictionless makes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc

# Words and marks that stand for "no value" in the files volunteers upload, compared
# without case or surrounding spaces. Whitespace-only cells count too.
MISSING_TOKENS = frozenset(
    {"na", "n/a", "n.a.", "n.a", "#n/a", "-", "--", "---", "null", "..", ".", "none", "nil"}
    | {"nan", "?", "x", ":", "missing", "unknown", "tbc", "not available", "not known"}
)

# Numeric forms, in RE2 over the raw text: digits are ASCII only and the padding is spaces
# and tabs, which frictionless strips before reading a number (it reads more, never less).
_PAD = r"[ \t]*"
_EXPONENT = r"[eE][+-]?[0-9]{1,3}"
_AMOUNT = r"-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?"
_NUMERIC_FORMS = {
    # up to 18 digits, which an Arrow int64 always holds; "007" is a code
    "integer": r"[+-]?(?:0|[1-9][0-9]{0,17})",
    "code": r"[+-]?(?:0[0-9]+|[0-9]{19,})",
    "decimal": rf"[+-]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:{_EXPONENT})?|[0-9]+{_EXPONENT})",
    "grouped": r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?",
    # bareNumber false strips what comes before the first digit or minus sign, so "£-12"
    # reads but "-£12" does not: it is left out and reported as an odd value.
    "money": "£ ?" + _AMOUNT,
    "percent": _AMOUNT + " ?%",
}
_NUMERIC_PATTERNS = {form: f"^{_PAD}{p}{_PAD}$" for form, p in _NUMERIC_FORMS.items()}
_D, _Y = "[0-9]{1,2}", "(?:[0-9]{4}|[0-9]{2})"
_CLOCK_RE2 = "[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
_DATE_RE2 = (
    f"{_D}[/.-]{_D}[/.-]{_Y}|[0-9]{{4}}[/-][0-9]{{1,2}}[/-][0-9]{{1,2}}"
    f"|{_D}[ -][A-Za-z]{{3,9}}[ -]{_Y}|[A-Za-z]{{3,9}}[ -]{_Y}"
)
# The values worth a look in Python: what may be a date, a time or a yes/no word.
_MAYBE_WORDS = f"^(?:(?:{_DATE_RE2})(?:[T ]{_CLOCK_RE2})?|{_CLOCK_RE2}|(?i:true|false|yes|no|y|n))$"

# Date and time forms: a pattern to notice the shape, then the strptime formats it may be.
_NUMERIC_DATE = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})")
_ISO_DATE = re.compile(r"([0-9]{4})([/-])([0-9]{1,2})\2([0-9]{1,2})")
_NAMED_DATE = re.compile(r"([0-9]{1,2})([ -])([A-Za-z]{3,9})\2([0-9]{4}|[0-9]{2})")
_NAMED_MONTH = re.compile(r"([A-Za-z]{3,9})([ -])([0-9]{4}|[0-9]{2})")
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(:[0-9]{2})?")
_ZONE = re.compile(r"Z|[+-][0-9]{2}:?[0-9]{2}")

TRUE_WORDS = frozenset({"true", "yes", "y"})
FALSE_WORDS = frozenset({"false", "no", "n"})


@dataclass
class Bucket:
    """The distinct values of a column that share one shape."""

    forms: frozenset[str]  # empty for text that is only text
    values: pa.Array  # the distinct values (text)
    counts: pa.Array  # cells holding each

    @property
    def cells(self) -> int:
        return int(pc.sum(self.counts).as_py() or 0)

    def any_match(self, pattern: str) -> bool:
        """Whether any value has the RE2 pattern in it."""
        return bool(pc.any(pc.match_substring_regex(self.values, pattern)).as_py())


def missing_tokens(values: pa.Array) -> pa.Array:
    """A mask of the values that are a usual stand-in for "no value" (not "" itself)."""
    trimmed = pc.utf8_trim_whitespace(values)
    words = pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(sorted(MISSING_TOKENS)))
    return pc.and_(pc.not_equal(values, ""), pc.or_(words, pc.equal(trimmed, "")))


def sort_shapes(values: pa.Array, counts: pa.Array) -> list[Bucket]:
    """The values (none of them blank or a missing token) in buckets of one shape each."""
    buckets: list[Bucket] = []
    if not len(values):
        return buckets
    rest = pa.array([True] * len(values), pa.bool_())
    for form, pattern in _NUMERIC_PATTERNS.items():
        mask = pc.match_substring_regex(values, pattern)
        if pc.any(mask).as_py():
            buckets.append(Bucket(frozenset({form}), values.filter(mask), counts.filter(mask)))
            rest = pc.and_not(rest, mask)
    words = pc.and_(rest, pc.match_substring_regex(values, _MAYBE_WORDS))
    by_shape: dict[frozenset[str], list[int]] = {}
    for index in pc.indices_nonzero(words).to_pylist():
        by_shape.setdefault(shape_of(values[index].as_py()), []).append(index)
    for forms, indices in by_shape.items():
        taken = pa.array(indices, pa.int64())
        buckets.append(Bucket(forms, values.take(taken), counts.take(taken)))
    text = pc.and_not(rest, words)
    if pc.any(text).as_py():
        buckets.append(Bucket(frozenset(), values.filter(text), counts.filter(text)))
    return [bucket for bucket in buckets if bucket.forms or len(bucket.values)]


def shape_of(text: str) -> frozenset[str]:
    """The date, time and yes/no forms a cell's text fits (numbers are sorted in Arrow)."""
    forms = set(_temporal_forms(text))
    if text.lower() in TRUE_WORDS:  # frictionless matches true and false words exactly
        forms.add("true")
    elif text.lower() in FALSE_WORDS:
        forms.add("false")
    return frozenset(forms)


def _temporal_forms(text: str) -> set[str]:
    """date:/datetime:/time: forms with the strptime format each would use."""
    if not text or not text[0].isalnum() or not text[-1].isalnum():
        return set()
    candidates: list[str] = []
    day_part, clock_part, joiner = text, "", ""
    for sep in ("T", " "):
        head, found, tail = text.rpartition(sep)
        if found and _CLOCK.match(tail):
            day_part, clock_part, joiner = head, tail, sep
            break
    if clock_part:
        clocks = _clock_formats(clock_part)
        if not clocks:
            return set()
        days = _date_formats(day_part)
        candidates = [f"datetime:{d}{joiner}{c}" for d in days for c in clocks]
    elif _CLOCK.fullmatch(text):
        candidates = [f"time:{c}" for c in _clock_formats(text)]
    else:
        candidates = [f"date:{d}" for d in _date_formats(text)]
    return {form for form in candidates if _parses(text, form)}


def _date_formats(text: str) -> list[str]:
    if match := _ISO_DATE.fullmatch(text):
        return [f"%Y{match[2]}%m{match[2]}%d"]
    if match := _NUMERIC_DATE.fullmatch(text):
        sep, year = match[2], "%Y" if len(match[4]) == 4 else "%y"
        return [f"%d{sep}%m{sep}{year}", f"%m{sep}%d{sep}{year}"]
    if match := _NAMED_DATE.fullmatch(text):
        sep, year = match[2], "%Y" if len(match[4]) == 4 else "%y"
        return [f"%d{sep}%b{sep}{year}", f"%d{sep}%B{sep}{year}"]
    if match := _NAMED_MONTH.fullmatch(text):
        sep, year = match[2], "%Y" if len(match[3]) == 4 else "%y"
        return [f"%b{sep}{year}", f"%B{sep}{year}"]
    return []


def _clock_formats(text: str) -> list[str]:
    zone = _ZONE.search(text)
    clock = text[: zone.start()] if zone and zone.end() == len(text) else text
    match = _CLOCK.fullmatch(clock)
    if not match:
        return []
    base = "%H:%M:%S" if match[3] else "%H:%M"
    return [base + "%z"] if clock != text else [base]


def _parses(text: str, form: str) -> bool:
    fmt = form.partition(":")[2]
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


def example_of(form: str) -> str:
    """How 31 January 2024 (at half past two) is written in a date or time form."""
    fmt = form.partition(":")[2]
    moment = datetime(2024, 1, 31, 14, 30, 0)
    if "%z" in fmt:
        return moment.strftime(fmt.replace("%z", "Z"))
    return moment.strftime(fmt) if form != "date:%Y-%m-%d" else date(2024, 1, 31).isoformat()


def is_day_first(form: str) -> bool:
    """Whether a date form reads the day before the month (or has no day/month order)."""
    fmt = form.partition(":")[2]
    day, month = fmt.find("%d"), max(fmt.find("%m"), fmt.find("%b"), fmt.find("%B"))
    return day < 0 or month < 0 or day < month
