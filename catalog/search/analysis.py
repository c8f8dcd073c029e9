"""How search text becomes a Whoosh query: words, "phrases", -exclusions, a prefix for the
word being typed, stems; and "did you mean" from the index's own words."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from whoosh.analysis import STOP_WORDS, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.lang.porter import stem
from whoosh.query import And, Every, Not, Or, Phrase, Prefix, Query, Term

PREFIX_MIN = 3  # words this long also match as the start of longer words
PREFIX_CHECKED = 20  # known words a typed start is looked for in, for "did you mean"
SUGGESTIONS_CHECKED = 5  # nearest words tried, the first the viewer may see taken
# Never offered as "did you mean": Whoosh's stop words (left out of the index) and the other
# little words of English, which find nearly everything and are never what was meant.
LITTLE_WORDS = (
    "about after all also am any been before but did do does each had has her here his how "
    "its me more most my no nor off only our out over own same she so some than then "
    "there these they those too up very was were what which who why"
)
NOT_SUGGESTED = STOP_WORDS | frozenset(LITTLE_WORDS.split())
ANALYZER = StemmingAnalyzer()
PLAIN = RegexTokenizer() | LowercaseFilter()
SEARCHED = ("text",)  # every searched word of a dataset, for matching (scoring: scoring.py)
# Of a search's text, what is read: the search page sends no more; the API's q could be 1 MB,
# 2 s of parsing and a query of half a million words.
QUERY_CHARS = 500
WORDS = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


@dataclass
class ParsedQuery:
    """What a search's text asks for: the query that decides a match, the words that score
    it (the last one, being typed, also as the start of longer words), and the quoted
    phrases (their stems) that score extra when a title holds them."""

    query: Query
    words: list[str] = field(default_factory=list)  # plain (unstemmed), to score and mark
    prefix: str | None = None  # the word also matched as a prefix
    phrases: list[list[str]] = field(default_factory=list)
    loose: Query | None = None  # any of the words: asked when no dataset has them all


def parse_query(text: str) -> ParsedQuery:
    """The query for `text`: every word (or its stem, or for the last word a longer word it
    starts) and every "phrase" must match; -word and -"phrase" must not."""
    parts: list[Query] = []
    excluded: list[Query] = []
    words: list[str] = []
    phrases: list[list[str]] = []
    prefix = None
    # Only the last word matches as the start of longer words (it is the one being typed);
    # expanding every word made a 3-word search walk thousands of postings lists.
    found_words = [t.text for m in WORDS.findall(text) if m[3] for t in PLAIN(m[3])]
    last = found_words[-1] if found_words else ""
    for minus, phrase, word_minus, word in WORDS.findall(text):
        if phrase:
            plain = [t.text for t in PLAIN(phrase)]
            stems = [stem(w) for w in plain if w not in STOP_WORDS]
            if not stems:
                continue
            # stop words are left out of the index and the positions closed up, so too here
            found: Query = Or([Phrase(f, stems) for f in SEARCHED])
            if len(stems) == 1:
                found = Or([Term(f, stems[0]) for f in SEARCHED])
            (excluded if minus else parts).append(found)
            if not minus:
                words.extend(w for w in plain if w not in STOP_WORDS)
                phrases.append(stems)
            continue
        for plain_word in (t.text for t in PLAIN(word)):
            if plain_word in STOP_WORDS or len(plain_word) < 2:
                continue
            options: list[Query] = [Term(f, stem(plain_word)) for f in SEARCHED]
            if len(plain_word) >= PREFIX_MIN and not word_minus and plain_word == last:
                options.extend(Prefix(f, plain_word) for f in SEARCHED)
                prefix = plain_word
            (excluded if word_minus else parts).append(Or(options))
            if not word_minus:
                words.append(plain_word)
    query: Query = And(parts) if parts else Every()
    loose = Or(parts) if len(parts) > 1 and not phrases else None
    if excluded:
        query = And([query, Not(Or(excluded))])
        loose = And([loose, Not(Or(excluded))]) if loose is not None else None
    return ParsedQuery(query, words, prefix, phrases, loose)


def suggest(searcher: Any, text: str, visible: Any = None) -> str | None:
    """`text` with its words unknown to the index replaced by the nearest known ones. A word
    is known only from the documents the viewer may see (`visible`, a query; None for all):
    a private dataset's words are never suggested, nor let on by a suggestion's absence.

    Only words are corrected: a word the index knows by its stem ("citys", found as "city")
    is kept, as is anything written with a digit (`£25,000`, `2019/20`, `A40`); a stop word
    is never offered ("its" for "citys" finds every dataset, since it is no word to search).
    """
    corrector = searcher.corrector("spell")
    reader = searcher.reader()
    changed = False

    def seen(fieldname: str, word: str) -> bool:
        if visible is None and reader.doc_frequency(fieldname, word) == 0:
            return False
        found = Term(fieldname, word)
        if visible is not None:
            found = And([found, visible])
        return not searcher.search(found, limit=1).is_empty()

    def known(word: str) -> bool:
        if seen("spell", word) or seen("text", stem(word)):
            return True
        if len(word) >= PREFIX_MIN:  # the start of a known word: matched as a prefix
            starts = itertools.islice(reader.expand_prefix("spell", word), PREFIX_CHECKED)
            return any(seen("spell", _text(term)) for term in starts)
        return False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        lower = word.lower()
        if lower in STOP_WORDS or known(lower):
            return word
        nearest = corrector.suggest(lower, limit=SUGGESTIONS_CHECKED)
        for found in sorted(
            nearest, key=lambda w: edit_distance(lower, w)
        ):  # stable: then Whoosh's
            if found != lower and found not in NOT_SUGGESTED and seen("spell", found):
                changed = True
                return str(found)
        return word

    suggestion = correct_words(text, replace)
    return suggestion if changed else None


def correct_words(text: str, replace: Callable[[re.Match[str]], str]) -> str:
    """`text` with each word of letters put through `replace` (both backends' "did you
    mean"); a token holding a digit (an amount, a date, a code) is left as typed."""

    def correct(match: re.Match[str]) -> str:
        token = match.group(0)
        if any(c.isdigit() for c in token):
            return token
        return re.sub(r"[^\W\d_]{2,}", replace, token)

    return re.sub(r"\S+", correct, text)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (Whoosh's corrector does not order its words by it)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def _text(term: Any) -> str:
    return term.decode() if isinstance(term, bytes) else str(term)


def matched_terms(searcher: Any, words: list[str]) -> frozenset[str]:
    terms = {stem(w) for w in words}
    reader = searcher.reader()
    for word in words:
        if len(word) >= PREFIX_MIN:
            for name in SEARCHED:
                terms.update(reader.expand_prefix(name, word))
    return frozenset(t.decode() if isinstance(t, bytes) else t for t in terms)
