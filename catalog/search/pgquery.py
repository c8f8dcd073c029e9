"""How search text becomes SQL for the PostgreSQL search backend: the same reading of
words, "phrases", -exclusions and a prefix for the last word as analysis.parse_query, each
part a tsquery built by PostgreSQL from a bound parameter (never text of ours spliced in).

Words go through the catalogue's own text search configuration (datastore_english:
unaccent, then the English Snowball stemmer); the word being typed also matches as the
start of a longer word in the index (as Whoosh's Prefix does: the typed letters, unstemmed,
against the stored stems). Whoosh's stop words are left out here as they are there;
PostgreSQL's own English stop words then drop out of a tsquery, and a query left with no
words at all matches everything, as an empty search does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from whoosh.analysis import STOP_WORDS

from catalog.search.analysis import PLAIN, PREFIX_MIN, WORDS

ENGLISH = "datastore_english"  # unaccent + english_stem (pgsetup.py)
SIMPLE = "datastore_simple"  # unaccent + lower case, no stems: the vocabulary's words
# Facet filters: name -> (SQL condition on the documents table `d`, value lowercased?)
FILTERS = {
    "organisation": ("d.organisation = :{p}", False),
    "licence": ("d.licence = :{p}", False),
    "tags": ("d.tags @> ARRAY[CAST(:{p} AS text)]", True),
    "format": ("d.formats @> ARRAY[CAST(:{p} AS text)]", False),
    "column": ("d.columns @> ARRAY[CAST(:{p} AS text)]", True),
}
WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'"  # ts_rank's weights of D, C, B and A
VISIBLE = "(NOT d.private OR d.organisation = ANY(CAST(:visible AS text[])))"


@dataclass
class SqlQuery:
    """A search as SQL: conditions on the documents table `d` and their parameters."""

    match: str  # every word and phrase, none of the exclusions
    loose: str | None  # any of the words (no dataset had them all)
    rank: Ranking | None  # what scores a match (None: no words to score)
    loose_rank: Ranking | None
    params: dict[str, Any] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # plain (unstemmed), to mark snippets
    prefix: str | None = None


def lexeme(word: str, prefix: bool = False) -> str:
    """`word` as one quoted tsquery lexeme, optionally a prefix (`'lond':*`)."""
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


def parse_sql(text: str) -> SqlQuery:
    params: dict[str, Any] = {}

    def param(value: str) -> str:
        name = f"w{len(params)}"
        params[name] = value
        return f":{name}"

    parts: list[str] = []
    exact: list[str] = []  # the parts without the prefix: a whole word scores above a start
    excluded: list[str] = []
    words: list[str] = []
    phrases = False
    prefix = None
    found_words = [t.text for m in WORDS.findall(text) if m[3] for t in PLAIN(m[3])]
    last = found_words[-1] if found_words else ""
    for minus, phrase, word_minus, word in WORDS.findall(text):
        if phrase:
            spoken = [t.text for t in PLAIN(phrase)]
            plain = [w for w in spoken if w not in STOP_WORDS]
            if not plain:
                continue
            # stop words kept: PostgreSQL counts their places, in the phrase as in the text
            found = f"phraseto_tsquery('{ENGLISH}', {param(' '.join(spoken))})"
            (excluded if minus else parts).append(found)
            if not minus:
                exact.append(found)
                words.extend(plain)
                phrases = True
            continue
        for plain_word in (t.text for t in PLAIN(word)):
            if plain_word in STOP_WORDS or len(plain_word) < 2:
                continue
            option = whole = f"plainto_tsquery('{ENGLISH}', {param(plain_word)})"
            if len(plain_word) >= PREFIX_MIN and not word_minus and plain_word == last:
                start = f"to_tsquery('{SIMPLE}', {param(lexeme(plain_word, prefix=True))})"
                option = f"({option} || {start})"
                prefix = plain_word
            (excluded if word_minus else parts).append(option)
            if not word_minus:
                exact.append(whole)
                words.append(plain_word)
    every = " && ".join(parts) if parts else None
    anyof = " || ".join(parts) if len(parts) > 1 and not phrases else None
    unwanted = _without(" || ".join(excluded)) if excluded else "TRUE"
    match = f"{_with(every)} AND {unwanted}" if every else unwanted
    loose = f"{_with(anyof)} AND {unwanted}" if anyof else None
    rank = Ranking(" && ".join(exact), every, unwanted) if every else None
    loose_rank = Ranking(" || ".join(exact), anyof, unwanted) if anyof else None
    return SqlQuery(match, loose, rank, loose_rank, params, words, prefix)


@dataclass(frozen=True)
class Ranking:
    """The tsqueries that score a match: the whole words, and the words with the last as
    a start too."""

    whole: str
    every: str
    unwanted: str = "TRUE"  # the -words' condition

    def score(self, vector: str = "d.document") -> str:
        """ts_rank (title A, tags B, columns C, all text D) of the whole words, and half
        that of the words with the last as a start (so "temperat" puts the dataset that
        has the word above the one with "temperature")."""
        return (
            f"ts_rank({WEIGHTS}, {vector}, {self.whole}) "
            f"+ 0.5 * ts_rank({WEIGHTS}, {vector}, {self.every})"
        )

    def in_heading(self) -> str:
        """The datasets with every word in their title or tags (and no -word)."""
        return f"d.heading @@ ({self.every}) AND {self.unwanted}"


def _with(query: str) -> str:
    """The documents matching `query`; one with no words left (all stop words) matches all."""
    return f"(numnode({query}) = 0 OR d.document @@ ({query}))"


def _without(query: str) -> str:
    return f"(numnode({query}) = 0 OR NOT d.document @@ ({query}))"


def conditions(
    filters: dict[str, str] | None, visible_organisations: set[str] | None
) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions for the facet filters and who may see what, with their parameters."""
    found: list[str] = []
    params: dict[str, Any] = {}
    for name, value in (filters or {}).items():
        if not value or name not in FILTERS:
            continue
        sql, lowered = FILTERS[name]
        key = f"f_{name}"
        params[key] = value.lower() if lowered else value
        found.append(sql.format(p=key))
    if visible_organisations is not None:
        found.append(VISIBLE)
        params["visible"] = sorted(visible_organisations)
    return found, params
