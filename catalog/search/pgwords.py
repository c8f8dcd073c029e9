"""The PostgreSQL backend's vocabulary: "did you mean" from the words of the datasets the
viewer may see (nearest words by pg_trgm's trigram similarity, then edit distance), and the
terms a snippet marks. The rules are analysis.suggest's; only the look-ups differ."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem

from catalog.search.analysis import (
    NOT_SUGGESTED,
    PREFIX_MIN,
    SUGGESTIONS_CHECKED,
    correct_words,
    edit_distance,
)
from catalog.search.pgquery import ENGLISH, SIMPLE, lexeme

NEAREST_LOOKED_AT = 20  # words nearest by trigrams, then ordered by edit distance
MAX_DISTANCE = 2  # as Whoosh's corrector: no word more than two edits away
EXPANDED = 500  # known words a typed start is widened to, for marking snippets


def suggest(
    connection: Connection, trgm: str, typed: str, visible: str, params: dict[str, Any]
) -> str | None:
    """`typed` with the words no visible dataset has replaced by the nearest ones some
    visible dataset has (`visible`: an SQL condition on `d`, with its `params`)."""
    changed = False

    def seen(condition: str, value: str) -> bool:
        sql = f"SELECT EXISTS (SELECT 1 FROM search_documents d WHERE {condition} AND {visible})"  # noqa: S608 (our SQL, values bound)
        return bool(connection.scalar(text(sql), {**params, "word": value}))

    def spelled(word: str, prefix: bool = False) -> bool:
        query = lexeme(word, prefix)
        return seen(f"d.words @@ to_tsquery('{SIMPLE}', :word)", query)

    def known(word: str) -> bool:
        if spelled(word) or seen(f"d.document @@ plainto_tsquery('{ENGLISH}', :word)", word):
            return True
        return len(word) >= PREFIX_MIN and spelled(word, prefix=True)

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        lower = word.lower()
        if lower in STOP_WORDS or known(lower):
            return word
        rows = connection.scalars(
            text(
                f"SELECT word FROM search_words WHERE word OPERATOR({trgm}.%) :word "  # noqa: S608 (our SQL, values bound)
                f"ORDER BY {trgm}.similarity(word, :word) DESC, word LIMIT :n"
            ),
            {"word": lower, "n": NEAREST_LOOKED_AT},
        ).all()
        near = [w for w in rows if w != lower and edit_distance(lower, w) <= MAX_DISTANCE]
        for found in sorted(near[:SUGGESTIONS_CHECKED], key=lambda w: edit_distance(lower, w)):
            if found not in NOT_SUGGESTED and spelled(found):
                changed = True
                return str(found)
        return word

    suggestion = correct_words(typed, replace)
    return suggestion if changed else None


def snippet_terms(connection: Connection, words: list[str]) -> frozenset[str]:
    """The terms documents.snippet() marks: each word's stem (as the snippet's analyser
    stems it) and those of the known words the typed ones start."""
    terms = {stem(w) for w in words}
    starts = [_like(w) for w in words if len(w) >= PREFIX_MIN]
    if starts:
        longer = connection.scalars(
            text("SELECT word FROM search_words WHERE word LIKE ANY(:starts) LIMIT :n"),
            {"starts": starts, "n": EXPANDED * len(starts)},
        )
        terms.update(stem(w) for w in longer)
    return frozenset(terms)


def _like(word: str) -> str:
    """A LIKE pattern for the words that start with `word`."""
    return re.sub(r"([%_\\])", r"\\\1", word) + "%"
