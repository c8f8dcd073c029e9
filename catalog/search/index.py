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
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from whoosh import index, writing
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.query import And, Every, Not, Or, Prefix, Query, Term

from catalog.errors import Unavailable
from catalog.search.analysis import (
    ANALYZER,
    PLAIN,
    QUERY_CHARS,
    ParsedQuery,
    matched_terms,
    parse_query,
    suggest,
)
from catalog.search.facets import FacetTable, document_values, match_mask
from catalog.search.scoring import Scorer, read_postings

WRITER_TIMEOUT_SECONDS = 120
# The facets, which are also the filters: name -> index field.
FACETS = ("organisation", "tags", "licence", "format", "column")
log = logging.getLogger(__name__)
SORTS = ("relevance", "title", "modified")
# Offer "did you mean" when fewer datasets than this have every word, and only a suggestion
# that more datasets match.
SUGGEST_BELOW = 3
FACET_LIMIT = 50  # values counted and shown per facet, the commonest first

SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    # Everything searched, in one field, to match: a word is one term (and one prefix) to look
    # up, not one per field. The fields scored (scoring.py), each on its own:
    text=TEXT(analyzer=ANALYZER),
    title=TEXT(analyzer=ANALYZER),  # with positions, for words side by side
    tag_text=TEXT(analyzer=ANALYZER, phrase=False),
    description=TEXT(analyzer=ANALYZER, phrase=False),
    column_names=TEXT(analyzer=ANALYZER, phrase=False),
    column_descriptions=TEXT(analyzer=ANALYZER, phrase=False),
    spell=TEXT(analyzer=PLAIN, phrase=False),  # unstemmed words, for "did you mean"
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
_LOWERCASED = ("tags", "column")


@dataclass
class SearchResult:
    dataset_ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean", from the index's own words
    terms: frozenset[str] = frozenset()  # the index terms that matched, for snippet()
    partial: bool = False  # no dataset had every word: these have some of them


class SearchIndex:
    transactional = False  # documents are written once the dataset's change commits

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._searcher: Any = None
        self._segments: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        self._tables: dict[str, FacetTable] = {}  # each facet's values, as arrays
        self._documents = 0  # documents in the searcher, deleted ones included
        self.matched_terms: dict[tuple[str, Any], frozenset[int]] = {}  # per searcher
        self._scorer = Scorer()
        self._columns: dict[str, list[Any]] = {}  # per searcher

    # Writing ------------------------------------------------------------------------------

    def _open(self) -> Any:
        if not index.exists_in(str(self.folder)):
            self.folder.mkdir(parents=True, exist_ok=True)
            return index.create_in(str(self.folder), SCHEMA)
        return index.open_dir(str(self.folder))

    def exists(self) -> bool:
        return self.folder.exists()

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

    def write(self, session: Session, document: dict[str, Any]) -> None:
        """Write the document once `session` commits (never if it rolls back): the index
        only ever holds what the database holds. A failure then is logged, not raised: the
        change stands, and `datastore reindex` (or the next start) repairs the index."""
        event.listen(session, "after_commit", lambda _: self._update_logged(document), once=True)

    def _update_logged(self, document: dict[str, Any]) -> None:
        try:
            self.update(document)
        except Exception:
            log.exception("could not update the search index for dataset %s", document.get("id"))

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
        parsed = parse_query(text[:QUERY_CHARS])
        conditions = [
            Term(name, value.lower() if name in _LOWERCASED else value)
            for name, value in (filters or {}).items()
            if value and name in FACETS
        ]
        visible = None  # the documents the viewer may see; None: all of them
        if visible_organisations is not None:
            allowed = [Term("organisation", o) for o in sorted(visible_organisations)]
            visible = Or([Term("private", False), *allowed])
            conditions.append(visible)
        with self._reading():
            searcher = self._current()
            matched = self._docs(searcher, And([parsed.query, *conditions]))
            every_word = len(matched)
            partial = False
            if not matched and parsed.loose is not None:
                matched = self._docs(searcher, And([parsed.loose, *conditions]))
                partial = bool(matched)
            ids = self._page(searcher, matched, parsed, offset, limit, sort)
            facets = self._count(matched, facet_limit)
            suggestion = None
            if parsed.words and every_word < SUGGEST_BELOW:
                suggestion = suggest(searcher, text[:QUERY_CHARS], visible)
                if suggestion is not None:
                    wanted = And([parse_query(suggestion).query, *conditions])
                    if len(self._docs(searcher, wanted)) <= every_word:
                        suggestion = None  # finds no more than what was typed
            terms = matched_terms(searcher, parsed.words) if parsed.words else frozenset()
        return SearchResult(ids, len(matched), facets, suggestion, terms, partial)

    def with_column(
        self, name: str, limit: int, visible_organisations: set[str] | None = None
    ) -> list[int]:
        """The ids of up to `limit` datasets with a column called `name` (any case), by
        title, among those the viewer may see: one term's documents, no facets counted
        (what "other datasets with the same column" needs for each column of a page)."""
        query: Query = Term("column", name.lower())
        if visible_organisations is not None:
            allowed = [Term("organisation", o) for o in sorted(visible_organisations)]
            query = And([query, Or([Term("private", False), *allowed])])
        with self._reading():
            searcher = self._current()
            titles = self._column(searcher, "title_sort")
            found = self._docs(searcher, query)
            docnums = heapq.nsmallest(limit, found, key=lambda d: (titles[d], d))
            return [int(searcher.stored_fields(d)["id"]) for d in docnums]

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Holds the searcher's lock; an index that cannot be read (a damaged or
        half-copied folder) is Unavailable, and its searcher is opened afresh next time."""
        with self._lock:
            try:
                yield
            except Exception as error:
                log.exception("the search index in %s cannot be read", self.folder)
                self._searcher = None
                raise Unavailable(
                    "Search cannot answer right now: its index is damaged and is being "
                    "rebuilt from the catalogue. Try again in a minute."
                ) from error

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
        self.matched_terms = {}
        self._columns = {}
        self._facet_values(searcher)
        self._scorer.open(searcher)
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
                values = {name: document_values(reader, name) for name in FACETS}
            if key:
                segments[key] = values
            for name in FACETS:
                combined[name].extend(values[name])
        self._segments = segments
        self._tables = {name: FacetTable.of(combined[name]) for name in FACETS}
        self._documents = len(combined[FACETS[0]])

    def _count(self, matched: set[int], limit: int) -> dict[str, list[tuple[str, int]]]:
        """The `limit` commonest values of each facet among the matches, with their counts."""
        mask = match_mask(matched, self._documents)
        return {name: self._tables[name].commonest(mask, limit) for name in FACETS}

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
        found = self.matched_terms.get(key)
        if found is None:
            reader = searcher.reader()  # its postings leave out deleted documents
            found = frozenset()
            if reader.doc_frequency(fieldname, text):
                found = frozenset(read_postings(reader.postings(fieldname, text))[0])
            self.matched_terms[key] = found
        return found

    def _column(self, searcher: Any, name: str) -> list[Any]:
        """A sortable column's values as a list, read once per searcher."""
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = list(searcher.reader().column_reader(name))
        return found

    def _everything(self, searcher: Any) -> set[int]:
        reader = searcher.reader()
        return {d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)}

    def _page(
        self,
        searcher: Any,
        matched: set[int],
        parsed: ParsedQuery,
        offset: int,
        limit: int,
        sort: str,
    ) -> list[int]:
        """One page of the matches' dataset ids.

        Relevance: BM25F (scoring.py), ties broken by the most recently changed; with no
        words, the most recently changed first. Title and modified sorts read their
        columns. Only as many as the page needs are ordered.
        """
        if not matched or limit <= 0:
            return []
        wanted = offset + limit
        modified = self._column(searcher, "modified")
        if sort == "title":
            titles = self._column(searcher, "title_sort")
            docnums = heapq.nsmallest(wanted, matched, key=lambda d: (titles[d], d))
        elif sort == "relevance" and parsed.words:
            score = self._scorer.scores(
                searcher, matched, parsed.words, parsed.prefix, parsed.phrases
            )
            docnums = heapq.nlargest(
                wanted, matched, key=lambda d: (score.get(d, 0.0), modified[d], -d)
            )
        else:
            docnums = heapq.nlargest(wanted, matched, key=lambda d: (modified[d], -d))
        return [int(searcher.stored_fields(d)["id"]) for d in docnums[offset:]]
