"""Match a file's columns to a schema's fields by name, and rank the ready schemas by fit.

Names are compared as words: case, spaces, punctuation, bracketed notes such as "(T)" or
"(a/c)", currency signs and the replacement character "\ufffd" are ignored, and "CamelCase"
is split into words. Each field is known by its name, its title and its synonyms (the
field's "x-synonyms" in the schema, and any given to match_columns). A column matches a
field, best first:

- exact: the column is named exactly as the field, so validation accepts it as it is;
- same-words: the same words as the field's name or title ("Expense Type (a/c)");
- synonym: the same words as one of the field's synonyms ("TransNo", "Pay date");
- similar: nearly the same words ("Departmental Family"), scored by the stdlib's difflib
  word by word (SequenceMatcher, good enough for names of a few words; no new dependency).

Each column gets at most one field and each field at most one column. Matches are given out
greedily, best first: an exact or same-words match is never given up to make room for a
weaker one, and of two equally good columns the one spelt closer to the field wins ("Gross"
over "Gross "), then the one further left.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from schemas.library import LibraryEntry, library_schema

SIMILAR_AT_LEAST = 0.8  # likeness of two names for a "similar" match
WORD_ALIKE_AT_LEAST = 0.85  # likeness of two words to count as one ("month", "months")
SUGGEST_COLUMNS = 3  # a ready schema is suggested when at least this many columns match
SUGGEST_FIT = 0.4  # ... and its fit (see suggest_schemas) is at least this

_HOW_RANK = {"exact": 3, "same-words": 2, "synonym": 1, "similar": 0}
_HOW_SCORE = {"exact": 1.0, "same-words": 0.95, "synonym": 0.9}
_OPENING = re.compile(r"[(\[]")
_CLOSING = {"(": ")", "[": "]"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[^\W_]+")
_IGNORED_SIGNS = str.maketrans("", "", "£$€¥\ufffd")
_SMALL_WORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "per", "the", "to"})


class Pair(NamedTuple):
    """One column of the file matched to one field of the schema."""

    column_index: int
    column_name: str
    field_name: str
    how: str  # "exact", "same-words", "synonym", "similar", or "chosen" by a person
    score: float  # 1.0 for exact; 0.95 same words; 0.9 synonym; similar: its likeness


@dataclass(frozen=True)
class Match:
    """How a file's header lines up with a schema's fields."""

    pairs: list[Pair]  # in the file's column order
    missing_required: list[str]  # required fields no column matched, in schema order
    missing_optional: list[str]
    extra_columns: list[tuple[int, str]]  # columns that matched no field
    total: int  # the schema's fields
    summary: str  # in plain words: "9 of 15 columns match; Description is missing"

    @property
    def matched(self) -> int:
        return len(self.pairs)

    @property
    def renames(self) -> dict[int, str]:
        """Column index to field name, for the columns not already named as their field."""
        return {p.column_index: p.field_name for p in self.pairs if p.how != "exact"}


@dataclass(frozen=True)
class Suggestion:
    """A ready schema the file looks like, with how well its columns match."""

    entry_name: str
    title: str
    matched: int
    total: int
    required_missing: list[str]
    fit: float  # 0 to 1: the share of the file's named columns and the required fields matched
    summary: str  # "looks like UK central government spend over £25,000: 9 of 15 ..."


def name_words(name: str) -> tuple[str, ...]:
    """A column or field name as lower-case words, without the parts we ignore."""
    text = name.translate(_IGNORED_SIGNS)
    unbracketed = _unbracketed(text)
    if _WORD.search(unbracketed):  # keep the brackets when they are all there is
        text = unbracketed
    return tuple(_WORD.findall(_CAMEL.sub(" ", text).lower()))


def _unbracketed(text: str) -> str:
    """`text` with each bracketed note, "(" to the next ")" or "[" to the next "]", a space.

    The regex for it (\\([^)]*\\)) looked for the ")" from every "(" again, so a name of
    many "(" and no ")" took quadratic time (a 64 kB header cell on the upload page, 7 s);
    here each closing bracket is looked for once, after the last one found.
    """
    pieces, kept, start = [], 0, 0
    closing_at = {")": -2, "]": -2}  # where the next one was found; -1 none after; -2 not looked
    while opening := _OPENING.search(text, start):
        at = opening.start()
        closer = _CLOSING[opening.group()]
        if -1 < closing_at[closer] <= at or closing_at[closer] == -2:
            closing_at[closer] = text.find(closer, at + 1)
        end = closing_at[closer]
        if end == -1:
            start = at + 1
            continue
        pieces += [text[kept:at], " "]
        kept = start = end + 1
    return "".join([*pieces, text[kept:]])


def name_likeness(first: tuple[str, ...], second: tuple[str, ...], at_least: float = 0.0) -> float:
    """How alike two names are, 0 to 1, from how alike their words are (best pairing).

    Each word pairs with at most one, scoring at most 1, so two names of very different
    lengths cannot be alike: when even that best case is below `at_least`, 0.0 is answered
    without comparing a word (a header cell of a thousand words costs nothing).
    """
    first = tuple(w for w in first if w not in _SMALL_WORDS) or first
    second = tuple(w for w in second if w not in _SMALL_WORDS) or second
    if not first or not second:
        return 0.0
    if 2 * min(len(first), len(second)) < at_least * (len(first) + len(second)):
        return 0.0
    free = list(second)
    total = 0.0
    for word in first:
        scores = [_word_likeness(word, other) for other in free]
        if scores and max(scores) > 0:
            best = scores.index(max(scores))
            total += scores[best]
            free.pop(best)
    return 2 * total / (len(first) + len(second))


def match_columns(
    header: list[str],
    schema: dict[str, Any],
    synonyms: dict[str, list[str]] | None = None,
    chosen: dict[str, str] | None = None,
) -> Match:
    """Match each column of `header` to at most one field of `schema`, whatever their order.

    `synonyms` maps a field name to more names it goes by, on top of the field's own
    "x-synonyms". `chosen` is a person's correction: a column name to the field it holds,
    or to "" for none of them; those columns and fields are matched as chosen, and the rest
    as usual among what is left.
    """
    fields = schema["fields"]
    extra = synonyms or {}
    field_at = {f["name"]: i for i, f in enumerate(fields)}
    pairs: list[Pair] = []
    taken_columns: set[int] = set()
    taken_fields: set[int] = set()
    unmatched: set[int] = set()  # columns a person said hold none of the fields
    for column_index, column in enumerate(header):
        target = (chosen or {}).get(column)
        if target is None:
            continue
        if target in field_at and field_at[target] not in taken_fields:
            taken_columns.add(column_index)
            taken_fields.add(field_at[target])
            how = "exact" if column == target else "chosen"
            pairs.append(Pair(column_index, column, target, how, 1.0))
        elif not target:
            unmatched.add(column_index)
    candidates = []
    header_words = [name_words(column) for column in header]
    for field_index, field in enumerate(fields):
        if field_index in taken_fields:
            continue
        names = _known_names(field, extra.get(field["name"], []))
        for column_index, column in enumerate(header):
            if column_index in taken_columns or column_index in unmatched:
                continue
            found = _compare(column, header_words[column_index], field["name"], names)
            if found is not None:
                how, score, closeness = found
                rank = (_HOW_RANK[how], score, closeness, -column_index, -field_index)
                candidates.append((rank, column_index, field_index, how, score))
    candidates.sort(key=lambda candidate: candidate[0], reverse=True)
    for _rank, column_index, field_index, how, score in candidates:
        if column_index in taken_columns or field_index in taken_fields:
            continue
        taken_columns.add(column_index)
        taken_fields.add(field_index)
        pairs.append(
            Pair(column_index, header[column_index], fields[field_index]["name"], how, score)
        )
    pairs.sort()
    required = _required_fields(schema)
    missing = [f["name"] for i, f in enumerate(fields) if i not in taken_fields]
    missing_required = [name for name in missing if name in required]
    extras = [(i, name) for i, name in enumerate(header) if i not in taken_columns]
    return Match(
        pairs=pairs,
        missing_required=missing_required,
        missing_optional=[name for name in missing if name not in required],
        extra_columns=extras,
        total=len(fields),
        summary=_summary(len(pairs), len(fields), missing_required, extras),
    )


def suggest_schemas(
    header: list[str],
    entries: list[LibraryEntry],
    least_columns: int = SUGGEST_COLUMNS,
    least_fit: float = SUGGEST_FIT,
) -> list[Suggestion]:
    """The ready schemas a file with this header looks like, best fit first.

    The fit counts both ways: of the file's named columns and the schema's required fields
    together, the share that found a partner. A spend file with all nine required columns
    fits 1.0; three spend columns and nothing else (GLA payments) fit (3 + 3) / (3 + 9) =
    0.5; a 38-column file with three columns like the toilets' fits 0.11. A schema is
    suggested when at least `least_columns` columns match and the fit is at least
    `least_fit`; a file that matches nothing gets an empty list. A schema the header could
    not fit even if every column found a field (a header of hundreds of columns) is passed
    over without matching a name.
    """
    ranked = []
    named = sum(1 for name in header if name.strip())
    for entry in entries:
        schema = library_schema(entry.name)
        required = len(_required_fields(schema))
        most = min(named, len(schema["fields"]))  # a column with no name matches no field
        if most < least_columns or (most + required) < least_fit * (named + required):
            continue
        match = match_columns(header, schema)
        found_required = required - len(match.missing_required)
        fit = (match.matched + found_required) / (named + required) if named + required else 0.0
        if match.matched < least_columns or fit < least_fit:
            continue
        summary = f"looks like {entry.title}: {_count_phrase(match.matched, match.total)}"
        suggestion = Suggestion(
            entry_name=entry.name,
            title=entry.title,
            matched=match.matched,
            total=match.total,
            required_missing=match.missing_required,
            fit=round(fit, 3),
            summary=summary,
        )
        ranked.append(suggestion)
    ranked.sort(key=lambda suggestion: (suggestion.fit, suggestion.matched), reverse=True)
    return ranked


def _known_names(field: dict[str, Any], more: list[str]) -> dict[str, list[tuple[str, ...]]]:
    """The field's names as words: its name and title ("own"), and its synonyms."""
    own = [field["name"]] + ([field["title"]] if isinstance(field.get("title"), str) else [])
    listed = field.get("x-synonyms")
    listed = listed if isinstance(listed, list) else []
    synonyms = [name for name in [*listed, *more] if isinstance(name, str)]
    return {
        "own": [words for words in map(name_words, own) if words],
        "synonym": [words for words in map(name_words, synonyms) if words],
    }


def _compare(
    column: str,
    words: tuple[str, ...],
    field_name: str,
    names: dict[str, list[tuple[str, ...]]],
) -> tuple[str, float, float] | None:
    """How `column` (as `words`) matches the field, if it does: (how, score, closeness of
    spelling)."""
    if column == field_name:
        return "exact", _HOW_SCORE["exact"], 1.0
    if not words:
        return None
    key = "".join(words)
    for how in ("own", "synonym"):
        for known in names[how]:
            if key == "".join(known):
                spelt = difflib.SequenceMatcher(None, column.lower(), " ".join(known)).ratio()
                kind = "same-words" if how == "own" else "synonym"
                return kind, _HOW_SCORE[kind], max(_closeness(column, field_name), spelt)
    everything = [*names["own"], *names["synonym"]]
    likeness = max(
        (name_likeness(words, known, SIMILAR_AT_LEAST) for known in everything), default=0.0
    )
    if likeness >= SIMILAR_AT_LEAST:
        return "similar", round(likeness, 3), _closeness(column, field_name)
    return None


def _closeness(column: str, field_name: str) -> float:
    return difflib.SequenceMatcher(None, column.lower(), field_name.lower()).ratio()


def _word_likeness(word: str, other: str) -> float:
    if word == other:
        return 1.0
    short, long = sorted((word, other), key=len)
    if len(short) >= 3 and long.startswith(short):
        return 0.85  # an abbreviation: "lat" for "latitude", "trans" for "transaction"
    if 2 * len(short) < WORD_ALIKE_AT_LEAST * (len(short) + len(long)):
        return 0.0  # the ratio's best case (real_quick_ratio), without comparing letters
    ratio = difflib.SequenceMatcher(None, word, other).ratio()
    return ratio if ratio >= WORD_ALIKE_AT_LEAST else 0.0


def _required_fields(schema: dict[str, Any]) -> set[str]:
    """Fields that must have a column: required ones, and the primary key's."""
    required = {
        f["name"] for f in schema["fields"] if (f.get("constraints") or {}).get("required") is True
    }
    key = schema.get("primaryKey") or []
    return required | set([key] if isinstance(key, str) else key)


def _summary(matched: int, total: int, missing: list[str], extras: list[tuple[int, str]]) -> str:
    parts = [_count_phrase(matched, total)]
    if missing:
        parts.append(f"{_listed(missing)} {'is' if len(missing) == 1 else 'are'} missing")
    named = [f"“{name}”" for _i, name in extras if name.strip()]
    if named:
        parts.append(f"{_listed(named)} {'is' if len(named) == 1 else 'are'} not in the schema")
    blank = len(extras) - len(named)
    if blank:
        parts.append("1 column has no name" if blank == 1 else f"{blank} columns have no name")
    return "; ".join(parts)


def _count_phrase(matched: int, total: int) -> str:
    if matched == total:
        return f"all {total} columns match"
    return f"{matched} of {total} column{'' if total == 1 else 's'} match"


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
