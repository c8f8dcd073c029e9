"""The PostgreSQL search backend: the catalogue's search documents in a table of its own
database (weighted tsvectors under GIN indexes), with SearchIndex's interface.

The index is part of the database: a dataset's document is written by `write()` in the
same transaction as the change to the dataset, so the two commit or roll back together.
PostgreSQL finds the matching datasets and orders a page of them (ts_rank over title A,
tags B, columns C and all text D); facets are counted as the Whoosh backend counts them,
over arrays of every document's facet values kept in memory (facets.py), which are
brought up to date from the rows written since, whenever the table has changed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from catalog.search.analysis import QUERY_CHARS
from catalog.search.facets import FacetTable
from catalog.search.index import FACET_LIMIT, FACETS, SUGGEST_BELOW, SearchResult
from catalog.search.pgquery import ENGLISH, SIMPLE, VISIBLE, Ranking, conditions, parse_sql
from catalog.search.pgsetup import LAYOUT, current_layout, set_up
from catalog.search.pgwords import snippet_terms, suggest

EXACT_RANKED = 300  # matches beyond this are ranked by title and tags first (_page)
BATCH = 1000  # documents written per statement by a rebuild
COLUMNS = (
    "dataset_id, revision, document, heading, words, title_sort, modified, private, organisation, "
    "licence, tags, formats, columns"
)
VALUES = f"""(:id, :revision,
    setweight(to_tsvector('{ENGLISH}', :title), 'A')
    || setweight(to_tsvector('{ENGLISH}', :tag_text), 'B')
    || setweight(to_tsvector('{ENGLISH}', :column_text), 'C')
    || setweight(to_tsvector('{ENGLISH}', :text), 'D'),
    setweight(to_tsvector('{ENGLISH}', :title), 'A')
    || setweight(to_tsvector('{ENGLISH}', :tag_text), 'B'),
    to_tsvector('{SIMPLE}', :spell), :title_sort, :modified, :private, :organisation,
    :licence, :tags, :formats, :columns)"""
UPSERT = f"""INSERT INTO search_documents ({COLUMNS}) VALUES {VALUES}
ON CONFLICT (dataset_id) DO UPDATE SET {
    ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS.split(", ")[1:])
}"""  # noqa: S608 (our SQL, values bound)
ADD_WORDS = f"""INSERT INTO search_words (word)
SELECT DISTINCT w FROM unnest(tsvector_to_array(to_tsvector('{SIMPLE}', :spell))) AS w
ORDER BY w ON CONFLICT DO NOTHING"""  # noqa: S608 (our SQL, values bound)
ALL_WORDS = """INSERT INTO search_words (word)
SELECT DISTINCT w FROM search_documents, unnest(tsvector_to_array(words)) AS w
ON CONFLICT DO NOTHING"""
# A write takes the one state row's lock until it commits, so writes are counted in the
# order they commit and a reader can fetch just the documents changed since it last looked.
NEXT_REVISION = "UPDATE search_state SET changes = changes + 1 RETURNING changes"
NEXT_GENERATION = (
    "UPDATE search_state SET changes = changes + 1, generation = generation + 1 RETURNING changes"
)


def document_row(document: dict[str, Any]) -> dict[str, Any]:
    """A search document (documents.search_document) as the table's parameters."""

    def listed(value: str, lowered: bool = False) -> list[str]:
        items = [v.strip() for v in value.split(",")]
        return [v.lower() if lowered else v for v in items if v]

    return {
        "id": int(document["dataset_id"]),
        "title": document["title"],
        "tag_text": document["tag_text"],
        "column_text": f"{document['column_names']}\n{document['column_descriptions']}",
        "text": document["text"],
        "spell": document["spell"],
        "title_sort": document["title_sort"],
        "modified": document["modified"],
        "private": bool(document["private"]),
        "organisation": document["organisation"],
        "licence": document["licence"],
        "tags": listed(document["tags"], lowered=True),
        "formats": listed(document["format"]),
        "columns": listed(document["column"], lowered=True),
    }


class PostgresIndex:
    """SearchIndex's interface over the catalogue's own PostgreSQL database."""

    transactional = True  # documents are written in the dataset's own transaction

    def __init__(self, engine: Engine, exact_ranked: int = EXACT_RANKED) -> None:
        self.engine = engine
        self.exact_ranked = exact_ranked  # more matches than this: title and tags first
        self._ready: dict[str, str] | None = None  # extension -> schema, once set up
        self._facets = FacetCache()

    def _schemas(self) -> dict[str, str]:
        if self._ready is None:
            self._ready = set_up(self.engine)
        return self._ready

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        self._schemas()
        with self.engine.connect() as connection:
            # The vectors are stored out of line, so a sequential scan that tests each one
            # reads them all (1.2 s for a common word at 100,000 datasets), while the GIN
            # index answers without them; the planner counts neither, and picks the former
            # because the table itself is small. For this read transaction only; and no JIT,
            # whose compiling (10 to 100 ms) the seqscan penalty's huge costs would trigger.
            connection.execute(sql_text("SET LOCAL enable_seqscan = off"))
            connection.execute(sql_text("SET LOCAL jit = off"))
            yield connection

    # Writing ------------------------------------------------------------------------------

    def exists(self) -> bool:
        with self.engine.connect() as connection:
            return current_layout(connection) is not None

    def healthy(self, expected_documents: int) -> bool:
        """Whether the tables are today's and hold one document per dataset."""
        try:
            with self.engine.connect() as connection:
                if current_layout(connection) != LAYOUT:
                    return False
                count = connection.scalar(sql_text("SELECT count(*) FROM search_documents"))
                return bool(count == expected_documents)
        except Exception:  # no tables yet, or no database: the caller rebuilds
            return False

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> None:
        """Replace every document, in one transaction (searches meanwhile see the old)."""
        self._schemas()
        with self.engine.begin() as connection:
            revision = connection.scalar(sql_text(NEXT_GENERATION))
            connection.execute(sql_text("DELETE FROM search_documents"))
            connection.execute(sql_text("DELETE FROM search_words"))
            batch: list[dict[str, Any]] = []
            for document in documents:
                batch.append({**document_row(document), "revision": revision})
                if len(batch) >= BATCH:
                    connection.execute(sql_text(UPSERT), batch)
                    batch = []
            if batch:
                connection.execute(sql_text(UPSERT), batch)
            connection.execute(sql_text(ALL_WORDS))
            connection.execute(sql_text("ANALYZE search_documents"))

    def update(self, document: dict[str, Any]) -> None:
        """Write one document in a transaction of its own."""
        with Session(self.engine) as session:
            self.write(session, document)
            session.commit()

    def write(self, session: Session, document: dict[str, Any]) -> None:
        """Write one document in `session`'s transaction: it commits with the session."""
        self._schemas()
        revision = session.execute(sql_text(NEXT_REVISION)).scalar_one()
        row = {**document_row(document), "revision": revision}
        session.execute(sql_text(UPSERT), row)
        session.execute(sql_text(ADD_WORDS), {"spell": row["spell"]})

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
        """As SearchIndex.search: the same words, filters, sorts, facets and visibility."""
        typed = text[:QUERY_CHARS]
        parsed = parse_sql(typed)
        where, params = conditions(filters, visible_organisations)
        params.update(parsed.params)
        with self._reading() as connection:
            self._facets.refresh(connection)
            match, rank = parsed.match, parsed.rank
            ids = _ids(connection, [match, *where], params)
            every_word = len(ids)
            partial = False
            if not len(ids) and parsed.loose is not None:
                ids = _ids(connection, [parsed.loose, *where], params)
                partial = bool(len(ids))
                match, rank = parsed.loose, parsed.loose_rank
            page: list[int] = []
            if len(ids) and limit > 0:
                page = _page(
                    connection,
                    [match, *where],
                    params,
                    rank,
                    sort,
                    offset,
                    limit,
                    len(ids) > self.exact_ranked,
                )
            facets = self._facets.count(ids, facet_limit)
            suggestion = None
            if parsed.words and every_word < SUGGEST_BELOW:
                visible = VISIBLE if visible_organisations is not None else "TRUE"
                trgm = _quoted(self._schemas()["pg_trgm"])
                suggestion = suggest(connection, trgm, typed, visible, params)
                if suggestion is not None:
                    again = parse_sql(suggestion)
                    more = _ids(connection, [again.match, *where], {**params, **again.params})
                    if len(more) <= every_word:
                        suggestion = None  # finds no more than what was typed
            terms = snippet_terms(connection, parsed.words) if parsed.words else frozenset()
        return SearchResult(page, len(ids), facets, suggestion, terms, partial)

    def with_column(
        self, name: str, limit: int, visible_organisations: set[str] | None = None
    ) -> list[int]:
        """The ids of up to `limit` visible datasets with a column `name` (any case), by title."""
        where, params = conditions({"column": name}, visible_organisations)
        sql = (
            f"SELECT d.dataset_id FROM search_documents d WHERE {' AND '.join(where)} "  # noqa: S608 (our SQL, values bound)
            "ORDER BY d.title_sort, d.dataset_id LIMIT :limit"
        )
        with self._reading() as connection:
            return list(connection.scalars(sql_text(sql), {**params, "limit": limit}))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ids(connection: Connection, where: list[str], params: dict[str, Any]) -> np.ndarray:
    """The ids of every document meeting every condition, as one array: sent as one
    string of 8-byte integers (a common word's 66,000 ids arrive in 36 ms, against 45 ms
    as a PostgreSQL array, parsed from text)."""
    sql = (
        "SELECT string_agg(int8send(d.dataset_id), ''::bytea) FROM search_documents d "  # noqa: S608 (our SQL, values bound)
        f"WHERE {' AND '.join(where)}"
    )
    found = connection.scalar(sql_text(sql), params)
    return np.frombuffer(found or b"", dtype=">i8").astype(np.int64)


def _page(
    connection: Connection,
    where: list[str],
    params: dict[str, Any],
    rank: Ranking | None,
    sort: str,
    offset: int,
    limit: int,
    many: bool,
) -> list[int]:
    """One page of the matches: by relevance (ties: the most recently changed first),
    title or most recently changed (also relevance with no words to score).

    Relevance scores every match unless there are `many` (over EXACT_RANKED). Then (a
    common word at 100,000 datasets matches half of them, each vector scored is read from
    out of line, and scoring them all took hundreds of milliseconds) the datasets with
    every word in their title or tags come first, scored on those alone, then the rest,
    the most recently changed first.
    """
    if sort == "title":
        return _ordered(connection, where, params, "d.title_sort, d.dataset_id", offset, limit)
    if sort != "relevance" or rank is None:
        order = "d.modified DESC, d.dataset_id"
        return _ordered(connection, where, params, order, offset, limit)
    if not many:
        order = f"{rank.score()} DESC, d.modified DESC, d.dataset_id"
        return _ordered(connection, where, params, order, offset, limit)
    wanted = offset + limit
    order = f"{rank.score('d.heading')} DESC, d.modified DESC, d.dataset_id"
    # where[0] is the words' match: implied by the heading's, and left out (testing it
    # would read each dataset's whole vector, out of line, for nothing)
    first = _ordered(connection, [rank.in_heading(), *where[1:]], params, order, 0, wanted)
    if len(first) >= wanted:
        return first[offset:]
    rest = _ordered(
        connection,
        [*where, f"NOT ({rank.in_heading()})"],
        params,
        "d.modified DESC, d.dataset_id",
        max(0, offset - len(first)),
        wanted - max(offset, len(first)),
    )
    return first[offset:] + rest


def _ordered(
    connection: Connection,
    where: list[str],
    params: dict[str, Any],
    order: str,
    offset: int,
    limit: int,
) -> list[int]:
    sql = (
        f"SELECT d.dataset_id FROM search_documents d WHERE {' AND '.join(where)} "  # noqa: S608 (our SQL, values bound)
        f"ORDER BY {order} LIMIT :limit OFFSET :offset"
    )
    return list(connection.scalars(sql_text(sql), {**params, "limit": limit, "offset": offset}))


class FacetCache:
    """Every document's facet values as facets.FacetTable arrays over positions in a
    sorted array of dataset ids, refreshed from the rows written since it last looked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None  # (generation, changes) loaded
        self._values: dict[int, tuple[tuple[str, ...], ...]] = {}
        self._ids = np.zeros(0, dtype=np.int64)
        self._tables = {name: FacetTable.of([]) for name in FACETS}

    def refresh(self, connection: Connection) -> None:
        with self._lock:
            generation, changes = connection.execute(
                sql_text("SELECT generation, changes FROM search_state")
            ).one()
            if self._seen == (generation, changes):
                return
            sql = (
                "SELECT dataset_id, organisation, tags, licence, formats, columns "
                "FROM search_documents"
            )
            if self._seen is None or self._seen[0] != generation:
                self._values = {}  # rebuilt: read afresh
                rows = connection.execute(sql_text(sql))
            else:
                rows = connection.execute(
                    sql_text(f"{sql} WHERE revision > :seen"), {"seen": self._seen[1]}
                )
            for dataset_id, organisation, tags, licence, formats, columns in rows:
                self._values[dataset_id] = (
                    (organisation,),
                    tuple(tags),
                    (licence,),
                    tuple(formats),
                    tuple(columns),
                )
            ids = sorted(self._values)
            self._ids = np.array(ids, dtype=np.int64)
            self._tables = {
                name: FacetTable.of([self._values[i][n] for i in ids])
                for n, name in enumerate(FACETS)
            }
            self._seen = (generation, changes)

    def count(self, ids: np.ndarray, limit: int) -> dict[str, list[tuple[str, int]]]:
        """The `limit` commonest values of each facet among the datasets `ids`."""
        with self._lock:
            mask = np.zeros(len(self._ids), dtype=bool)
            if len(ids) and len(self._ids):
                places = np.searchsorted(self._ids, ids)
                inside = places < len(self._ids)  # ids written since the last refresh
                places, wanted = places[inside], ids[inside]
                mask[places[self._ids[places] == wanted]] = True
            return {name: self._tables[name].commonest(mask, limit) for name in FACETS}
