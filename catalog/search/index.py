"""The Whoosh search index: a cache of the database's searchable fields, rebuildable at will.

Documents are keyed by dataset id and hold only what search needs (the page itself is
read from the database). Writers wait for Whoosh's lock, so two processes writing at
once queue rather than fail or drop an update.

Reading keeps one searcher open and reopens it only when another writer has committed.
Facet counts come from a per-segment table of each document's facet values, built once
per segment, so a search counts facets over its matches without touching the postings.
"""

from __future__ import annotations

import contextlib
import heapq
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from itertools import chain
from pathlib import Path
from typing import Any

from markupsafe import Markup
from whoosh import highlight, index, writing
from whoosh.analysis import STOP_WORDS, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.lang.porter import stem
from whoosh.query import And, AndMaybe, Every, Not, Or, Phrase, Prefix, Query, Term

WRITER_TIMEOUT_SECONDS = 120
# The facets, which are also the filters: name -> index field.
FACETS = ("organisation", "tags", "licence", "format", "column")
SORTS = ("relevance", "title", "modified")
SUGGEST_BELOW = 3  # offer "did you mean" when fewer results than this
FACET_LIMIT = 50  # values counted and shown per facet, the commonest first
PREFIX_MIN = 3  # words this long also match as the start of longer words

_ANALYZER = StemmingAnalyzer()
_PLAIN = RegexTokenizer() | LowercaseFilter()
SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    # Everything searched, in one field: a word is one term (and one prefix) to look up,
    # not one per field. Titles and tags count extra through their own fields.
    text=TEXT(analyzer=_ANALYZER),
    title=TEXT(analyzer=_ANALYZER, field_boost=3.0, phrase=False),
    tag_text=TEXT(analyzer=_ANALYZER, field_boost=2.0, phrase=False),
    spell=TEXT(analyzer=_PLAIN, phrase=False),  # unstemmed words, for "did you mean"
    organisation=ID(),
    tags=KEYWORD(commas=True, lowercase=True),
    licence=ID(),
    format=KEYWORD(commas=True),
    column=KEYWORD(commas=True, lowercase=True),
    private=BOOLEAN(),
    modified=DATETIME(sortable=True),
    title_sort=ID(sortable=True),
    dataset_id=NUMERIC(),
)
_SEARCHED = ("text",)
_BOOSTED = ("title", "tag_text")  # matches here raise a result's score
_LOWERCASED = ("tags", "column")
_WORDS = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


@dataclass
class SearchResult:
    dataset_ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean", from the index's own words
    terms: frozenset[str] = frozenset()  # the index terms that matched, for snippet()


class SearchIndex:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._searcher: Any = None
        self._segments: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        self._values: dict[str, list[tuple[str, ...]]] = {}
        self._terms: dict[tuple[str, Any], frozenset[int]] = {}  # per searcher

    # Writing ------------------------------------------------------------------------------

    def _open(self) -> Any:
        if not index.exists_in(str(self.folder)):
            self.folder.mkdir(parents=True, exist_ok=True)
            return index.create_in(str(self.folder), SCHEMA)
        return index.open_dir(str(self.folder))

    def healthy(self, expected_documents: int) -> bool:
        """Whether the index opens, has today's fields and holds one document per dataset."""
        try:
            if not index.exists_in(str(self.folder)):
                return False
            ix = index.open_dir(str(self.folder))
            if sorted(ix.schema.names()) != sorted(SCHEMA.names()):
                return False
            with ix.searcher() as searcher:
                return bool(searcher.doc_count() == expected_documents)
        except Exception:  # any damage: the caller rebuilds
            return False

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> None:
        """Replace the whole index with these documents, holding the write lock throughout
        when the index is sound (so a writer in another process waits for the rebuild)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            ix = index.open_dir(str(self.folder))
            sound = sorted(ix.schema.names()) == sorted(SCHEMA.names())
        except Exception:  # missing or damaged: start afresh
            sound = False
        if not sound:
            ix = index.create_in(str(self.folder), SCHEMA)
        writer = ix.writer(timeout=WRITER_TIMEOUT_SECONDS)
        try:
            for document in documents:
                writer.add_document(**document)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=writing.CLEAR)

    def update(self, document: dict[str, Any]) -> None:
        writer = self._open().writer(timeout=WRITER_TIMEOUT_SECONDS)
        writer.update_document(**document)
        writer.commit()

    # Reading ------------------------------------------------------------------------------

    def search(
        self,
        text: str,
        filters: dict[str, str] | None = None,
        offset: int = 0,
        limit: int = 20,
        sort: str = "relevance",
        visible_organisations: set[str] | None = None,
        facet_limit: int = FACET_LIMIT,
    ) -> SearchResult:
        """Datasets matching `text` and every filter, `limit` from `offset`, with facet
        counts over all matches. Words are stemmed and also match as prefixes; "quoted
        phrases" match in order; -word excludes. Private datasets are left out unless
        `visible_organisations` is None (may see all) or holds their organisation."""
        text_query, plain_words = _parse(text)
        conditions = [
            Term(name, value.lower() if name in _LOWERCASED else value)
            for name, value in (filters or {}).items()
            if value and name in FACETS
        ]
        if visible_organisations is not None:
            allowed = [Term("organisation", o) for o in sorted(visible_organisations)]
            conditions.append(Or([Term("private", False), *allowed]))
        with self._lock:
            searcher = self._current()
            matched = self._docs(searcher, And([text_query, *conditions]))
            ids = self._page(searcher, matched, plain_words, offset, limit, sort)
            facets = self._count(matched, facet_limit)
            suggestion = None
            if plain_words and len(matched) < SUGGEST_BELOW:
                suggestion = _suggest(searcher, text)
            terms = _terms(searcher, plain_words) if plain_words else frozenset()
        return SearchResult(ids, len(matched), facets, suggestion, terms)

    def _current(self) -> Any:
        """The cached searcher, reopened if a writer has committed since."""
        searcher = self._searcher
        if searcher is not None:
            with contextlib.suppress(Exception):  # files changed under us (a rebuild): reopen
                if searcher.up_to_date():
                    return searcher
            searcher.close()
            self._searcher = None
        searcher = self._open().searcher()
        self._terms = {}
        self._facet_values(searcher)
        self._searcher = searcher
        return searcher

    def _facet_values(self, searcher: Any) -> None:
        """Each document's facet values, per segment, reusing segments seen before."""
        segments: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        combined: dict[str, list[tuple[str, ...]]] = {name: [] for name in FACETS}
        for leaf, _offset in searcher.leaf_searchers():
            reader = leaf.reader()
            segment = reader.segment() if hasattr(reader, "segment") else None
            key = segment.segment_id() if segment is not None else ""  # none: an empty index
            values = self._segments.get(key) if key else None
            if values is None:
                values = {name: _document_values(reader, name) for name in FACETS}
            if key:
                segments[key] = values
            for name in FACETS:
                combined[name].extend(values[name])
        self._segments, self._values = segments, combined

    def _count(self, matched: set[int], limit: int) -> dict[str, list[tuple[str, int]]]:
        """The `limit` commonest values of each facet among the matches, with their counts."""
        facets = {}
        for name in FACETS:
            values = self._values[name]
            counts = Counter(chain.from_iterable(map(values.__getitem__, matched)))
            counts.pop("", None)
            facets[name] = heapq.nsmallest(
                limit, counts.items(), key=lambda item: (-item[1], item[0])
            )
        return facets

    def _docs(self, searcher: Any, query: Query) -> set[int]:
        """The documents matching `query`, worked out with sets of document numbers.

        Each term's documents are read from the index once per searcher and kept, and the
        query's And, Or and Not become set operations. Whoosh's own matchers walk every
        posting in Python, which took seconds for a common word at 10,000 datasets.
        """
        if isinstance(query, Term):
            return set(self._term(searcher, query.fieldname, query.text))
        if isinstance(query, Prefix):
            found: set[int] = set()
            for term in searcher.reader().expand_prefix(query.fieldname, query.text):
                text = term.decode() if isinstance(term, bytes) else term
                found |= self._term(searcher, query.fieldname, text)
            return found
        if isinstance(query, AndMaybe):
            return self._docs(searcher, query.a)
        if isinstance(query, And):
            positive = [q for q in query.subqueries if not isinstance(q, Not)]
            negative = [q.query for q in query.subqueries if isinstance(q, Not)]
            result: set[int] | None = None
            for sub in sorted(positive, key=lambda q: not isinstance(q, Term)):
                docs = self._docs(searcher, sub)
                result = docs if result is None else result & docs
                if not result:
                    return set()
            if result is None:
                result = self._everything(searcher)
            for sub in negative:
                result -= self._docs(searcher, sub)
            return result
        if isinstance(query, Or):
            found = set()
            for sub in query.subqueries:
                found |= self._docs(searcher, sub)
            return found
        if isinstance(query, Every):
            return self._everything(searcher)
        return set(searcher.docs_for_query(query))  # phrases

    def _term(self, searcher: Any, fieldname: str, text: Any) -> frozenset[int]:
        key = (fieldname, text)
        found = self._terms.get(key)
        if found is None:
            found = frozenset(searcher.docs_for_query(Term(fieldname, text)))
            self._terms[key] = found
        return found

    def _everything(self, searcher: Any) -> set[int]:
        reader = searcher.reader()
        return {d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)}

    def _page(
        self,
        searcher: Any,
        matched: set[int],
        words: list[str],
        offset: int,
        limit: int,
        sort: str,
    ) -> list[int]:
        """One page of the matches' dataset ids.

        Relevance: datasets with the words in their titles first, then in their tags (by how
        many of the words), then the most recently changed; title and modified sorts read
        their columns. Only as many as the page needs are ordered.
        """
        if not matched or limit <= 0:
            return []
        wanted = offset + limit
        modified = searcher.reader().column_reader("modified")
        if sort == "title":
            titles = searcher.reader().column_reader("title_sort")
            docnums = heapq.nsmallest(wanted, matched, key=lambda d: (titles[d], d))
        elif sort == "relevance" and words:
            score: Counter[int] = Counter()
            for field_name, weight in (("title", 4), ("tag_text", 2)):
                for word in words:
                    for d in self._term(searcher, field_name, stem(word)) & matched:
                        score[d] += weight
            docnums = heapq.nlargest(wanted, matched, key=lambda d: (score[d], modified[d], -d))
        else:
            docnums = heapq.nlargest(wanted, matched, key=lambda d: (modified[d], -d))
        return [int(searcher.stored_fields(d)["id"]) for d in docnums[offset:]]


def _parse(text: str) -> tuple[Query, list[str]]:
    """The query for `text` and its plain (unstemmed) words."""
    parts: list[Query] = []
    excluded: list[Query] = []
    words: list[str] = []
    # Only the last word matches as the start of longer words (it is the one being typed);
    # expanding every word made a 3-word search walk thousands of postings lists.
    found_words = [t.text for m in _WORDS.findall(text) if m[3] for t in _PLAIN(m[3])]
    last = found_words[-1] if found_words else ""
    for minus, phrase, word_minus, word in _WORDS.findall(text):
        if phrase:
            plain = [t.text for t in _PLAIN(phrase)]
            stems = [stem(w) for w in plain if w not in STOP_WORDS]
            if not stems:
                continue
            # stop words are left out of the index and the positions closed up, so too here
            found: Query = Or([Phrase(f, stems) for f in _SEARCHED])
            if len(stems) == 1:
                found = Or([Term(f, stems[0]) for f in _SEARCHED])
            (excluded if minus else parts).append(found)
            if not minus:
                words.extend(w for w in plain if w not in STOP_WORDS)
            continue
        for plain_word in (t.text for t in _PLAIN(word)):
            if plain_word in STOP_WORDS or len(plain_word) < 2:
                continue
            options: list[Query] = [Term(f, stem(plain_word)) for f in _SEARCHED]
            if len(plain_word) >= PREFIX_MIN and not word_minus and plain_word == last:
                options.extend(Prefix(f, plain_word, boost=0.5) for f in _SEARCHED)
            (excluded if word_minus else parts).append(Or(options))
            if not word_minus:
                words.append(plain_word)
    query: Query = And(parts) if parts else Every()
    if excluded:
        query = And([query, Not(Or(excluded))])
    if words:  # matches in titles and tags raise the score, never decide a match
        boosts = [Term(f, stem(w)) for f in _BOOSTED for w in words]
        query = AndMaybe(query, Or(boosts))
    return query, words


def _document_values(reader: Any, name: str) -> list[tuple[str, ...]]:
    lists: list[list[str]] = [[] for _ in range(reader.doc_count_all())]
    if name in reader.indexed_field_names():
        for value in reader.field_terms(name):
            for docnum in reader.postings(name, value).all_ids():
                lists[docnum].append(value)
    return [tuple(values) for values in lists]


def _suggest(searcher: Any, text: str) -> str | None:
    """`text` with its words unknown to the index replaced by the nearest known ones."""
    corrector = searcher.corrector("spell")
    reader = searcher.reader()
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        lower = word.lower()
        if lower in STOP_WORDS or searcher.doc_frequency("spell", lower) > 0:
            return word
        if len(lower) >= PREFIX_MIN and any(True for _ in reader.expand_prefix("spell", lower)):
            return word  # the start of a known word: matched as a prefix
        found = corrector.suggest(lower, limit=1)
        if not found or found[0] == lower:
            return word
        changed = True
        return str(found[0])

    suggestion = re.sub(r"[^\W_]{2,}", replace, text)
    return suggestion if changed else None


def _terms(searcher: Any, words: list[str]) -> frozenset[str]:
    terms = {stem(w) for w in words}
    reader = searcher.reader()
    for word in words:
        if len(word) >= PREFIX_MIN:
            for name in _SEARCHED:
                terms.update(reader.expand_prefix(name, word))
    return frozenset(t.decode() if isinstance(t, bytes) else t for t in terms)


class _Marks(highlight.Formatter):
    """Dataset text HTML-escaped, with the matched words in <mark>."""

    between = " … "

    def _text(self, text: str) -> str:
        return escape(text)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"


def snippet(terms: frozenset[str], text: str, chars: int = 240) -> Markup | None:
    """The parts of `text` that hold `terms`, escaped, the terms marked; None if none."""
    if not terms or not text:
        return None
    fragmenter = highlight.ContextFragmenter(maxchars=chars, surround=chars // 3)
    marked = highlight.highlight(text, terms, _ANALYZER, fragmenter, _Marks(), top=2)
    return Markup(marked) if marked and "<mark>" in marked else None  # noqa: S704 (escaped)


def column_text(fields: list[dict[str, Any]]) -> str:
    """Column names, split at _ - . : and camelCase too, with titles and descriptions."""
    parts: list[str] = []
    for item in fields:
        name = str(item.get("name", ""))
        parts.append(name)
        split = re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"[_\-.:/]+", " ", name))
        if split != name:
            parts.append(split)
        parts.extend(str(item[k]) for k in ("title", "description") if item.get(k))
    return "\n".join(parts)


def search_document(
    dataset_id: int,
    title: str,
    description: str,
    organisation: str,
    organisation_title: str,
    licence: str,
    tags: list[str],
    fields: list[dict[str, Any]],
    modified: datetime,
    formats: list[str],
    private: bool = False,
) -> dict[str, Any]:
    """One dataset's index document (catalog.datasets.publishing.index_document and the benchmark)."""
    columns = column_text(fields)
    names = [str(item.get("name", "")).replace(",", " ") for item in fields]
    tag_names = [t.replace(",", " ") for t in tags]
    return {
        "id": str(dataset_id),
        "dataset_id": dataset_id,
        "text": "\n".join([title, description, " ".join(tag_names), organisation_title, columns]),
        "title": title,
        "title_sort": title.lower(),
        "tags": ",".join(tag_names),
        "tag_text": " ".join(tag_names),
        "organisation": organisation,
        "licence": licence,
        "format": ",".join(formats),
        "column": ",".join(n for n in names if n),
        "spell": "\n".join([title, description, " ".join(tag_names), columns]),
        "private": private,
        "modified": modified,
    }
