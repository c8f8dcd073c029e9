"""Relevance: BM25F over a dataset's title, tags, description, column names and column
descriptions, each field with its own weight and length normalisation (title highest).

For a word w and a dataset d, the fields' term counts are normalised by each field's length
and weighted, then added (Robertson and Zaragoza, "The Probabilistic Relevance Framework:
BM25 and Beyond", 2009, section 3.5.2):

    tf(w, d) = sum over fields f of  W_f * count(w, f, d) / (1 - B_f + B_f * len(f, d) / avglen(f))
    score(d) = sum over words w of   idf(w) * tf(w, d) / (K1 + tf(w, d))
             + PHRASE_BONUS * sum of idf(w), when the title holds the words side by side

The word being typed (the last) counts also through the longer words it starts, at half
weight. Each field-and-term's counts are read from the index once per searcher and kept, and
each segment's field lengths once per segment, as the facet values are (index.py): Whoosh's
own scorer walks every posting of a query again in Python for each search.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import Any

from whoosh.lang.porter import stem
from whoosh.query import Phrase

# field -> (weight W_f, length normalisation B_f). Titles and tags are short and say what a
# dataset is, so a word there counts most and their length little.
FIELDS: dict[str, tuple[float, float]] = {
    "title": (5.0, 0.5),
    "tag_text": (3.0, 0.3),
    "description": (1.0, 0.75),
    "column_names": (1.5, 0.5),
    "column_descriptions": (0.7, 0.75),
}
K1 = 1.2  # how soon more of a word stops counting
PREFIX_WEIGHT = 0.5  # a longer word that the typed word starts, against the word itself
PREFIX_TERMS = 30  # longer words counted for a typed start, the first in the index's order
PHRASE_BONUS = 1.0  # words side by side in the title, on top of each word's own score

Weights = dict[int, float]


class Scorer:
    """BM25F scores of matched documents, for one searcher at a time (open() on each)."""

    def __init__(self) -> None:
        self._segments: dict[str, dict[str, list[float]]] = {}
        self._norms: dict[str, list[float]] = {}  # field -> 1 / (1 - B + B * len / avglen)
        self._postings: dict[tuple[str, str], Weights] = {}
        self._words: dict[tuple[str, bool], Weights] = {}
        self._documents = 0

    def open(self, searcher: Any) -> None:
        """Read the new searcher's field lengths, reusing the segments seen before."""
        reader = searcher.reader()
        segments: dict[str, dict[str, list[float]]] = {}
        lengths: dict[str, list[float]] = {name: [] for name in FIELDS}
        for leaf, _offset in searcher.leaf_searchers():
            leaf_reader = leaf.reader()
            segment = leaf_reader.segment() if hasattr(leaf_reader, "segment") else None
            key = segment.segment_id() if segment is not None else ""
            found = self._segments.get(key) if key else None
            if found is None:
                count = leaf_reader.doc_count_all()
                found = {
                    name: [float(leaf_reader.doc_field_length(d, name) or 0) for d in range(count)]
                    for name in FIELDS
                }
            if key:
                segments[key] = found
            for name in FIELDS:
                lengths[name].extend(found[name])
        self._segments = segments
        self._documents = max(1, reader.doc_count())
        self._norms = {}
        for name, (_weight, b) in FIELDS.items():
            values = lengths[name]
            average = (sum(values) / len(values)) if values else 0.0
            average = average or 1.0
            self._norms[name] = [1.0 / (1.0 - b + b * length / average) for length in values]
        self._postings = {}
        self._words = {}

    def scores(
        self,
        searcher: Any,
        matched: set[int],
        words: list[str],
        prefix: str | None,
        phrases: list[list[str]],
    ) -> Weights:
        """Each matched document's score (those that score nothing are left out)."""
        reader = searcher.reader()
        score: Weights = {}
        idfs = {}
        for word in dict.fromkeys(words):
            is_prefix = word == prefix
            idf = self._idf(reader, word, is_prefix)
            idfs[word] = idf
            for docnum, tf in self._word(reader, word, is_prefix).items():
                if docnum in matched:
                    score[docnum] = score.get(docnum, 0.0) + idf * tf / (K1 + tf)
        together = [[stem(w) for w in words]] if len(words) > 1 else []
        for stems in together + [p for p in phrases if len(p) > 1]:
            bonus = PHRASE_BONUS * sum(idfs.get(w, 0.0) for w in words)
            for docnum in searcher.docs_for_query(Phrase("title", stems)):
                if docnum in matched:
                    score[docnum] = score.get(docnum, 0.0) + bonus
        return score

    def _idf(self, reader: Any, word: str, is_prefix: bool) -> float:
        frequency = reader.doc_frequency("text", stem(word))
        if is_prefix and not frequency:  # only the start of longer words
            terms = itertools.islice(reader.expand_prefix("text", word), PREFIX_TERMS)
            frequency = max((reader.doc_frequency("text", t) for t in terms), default=0)
        n = self._documents
        return math.log(1.0 + (n - frequency + 0.5) / (frequency + 0.5))

    def _word(self, reader: Any, word: str, is_prefix: bool) -> Weights:
        """tf(word, d) for every document holding it in a scored field."""
        key = (word, is_prefix)
        found = self._words.get(key)
        if found is not None:
            return found
        exact = stem(word)
        total: Weights = {}
        for name in FIELDS:
            terms: list[tuple[str, float]] = [(exact, 1.0)]
            if is_prefix:
                longer = itertools.islice(reader.expand_prefix(name, word), PREFIX_TERMS)
                terms.extend((t, PREFIX_WEIGHT) for t in _texts(longer) if t != exact)
            for term, weight in terms:
                for docnum, value in self._field_term(reader, name, term).items():
                    total[docnum] = total.get(docnum, 0.0) + weight * value
        self._words[key] = total
        return total

    def _field_term(self, reader: Any, name: str, term: str) -> Weights:
        """W_f * count / normalisation for each document with `term` in field `name`."""
        key = (name, term)
        found = self._postings.get(key)
        if found is not None:
            return found
        found = {}
        weight = FIELDS[name][0]
        norms = self._norms[name]
        if reader.doc_frequency(name, term):
            ids, counts = read_postings(reader.postings(name, term), with_weights=True)
            for d, count in zip(ids, counts, strict=True):
                found[d] = weight * count * norms[d]
        self._postings[key] = found
        return found


def read_postings(postings: Any, with_weights: bool = False) -> tuple[list[int], list[float]]:
    """A postings list's document numbers (and term counts), as Matcher.all_ids() would give
    them but quicker: Whoosh's on-disk matcher (whoosh-reloaded 2.7's W3LeafMatcher, told by
    its class name) a block at a time from its block arrays, one of its own methods per
    block; any other (a few postings kept inline, a segment with deletions, several
    segments) one posting at a time through the public Matcher methods."""
    ids: list[int] = []
    weights: list[float] = []
    if type(postings).__name__ == "W3LeafMatcher":
        while postings.is_active():
            postings._read_ids()
            ids.extend(postings._ids[postings._i :])
            if with_weights:
                postings._read_weights()
                weights.extend(postings._weights[postings._i :])
            postings._next_block()
        return ids, weights
    active, docnum, weight, step = postings.is_active, postings.id, postings.weight, postings.next
    while active():
        ids.append(docnum())
        if with_weights:
            weights.append(weight())
        step()
    return ids, weights


def _texts(terms: Iterable[Any]) -> list[str]:
    return [t.decode() if isinstance(t, bytes) else str(t) for t in terms]
