"""The Whoosh search index: a cache of the database's searchable fields, rebuildable at will.

Documents are keyed by dataset id and hold only what search needs (the page itself is
read from the database). Writers wait for Whoosh's lock, so two processes writing at
once queue rather than fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index, sorting
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.qparser import MultifieldParser
from whoosh.query import And, Every, Query, Term

WRITER_TIMEOUT_SECONDS = 60
FACETS = ("organisation", "tags", "licence")

_ANALYZER = StemmingAnalyzer()
SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    dataset_id=NUMERIC(stored=True, sortable=True),
    title=TEXT(analyzer=_ANALYZER, stored=True, field_boost=3.0),
    description=TEXT(analyzer=_ANALYZER),
    tags=KEYWORD(commas=True, lowercase=True, stored=True, scorable=True, sortable=True),
    tag_text=TEXT(analyzer=_ANALYZER, field_boost=2.0),
    organisation=ID(stored=True, sortable=True),
    organisation_text=TEXT(analyzer=_ANALYZER),
    licence=ID(stored=True, sortable=True),
    columns=TEXT(analyzer=_ANALYZER, field_boost=1.5),
    modified=DATETIME(sortable=True),
    title_sort=ID(sortable=True),
    name=STORED,
)
_SEARCHED = ["title", "description", "tag_text", "organisation_text", "columns"]


@dataclass
class SearchResult:
    dataset_ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class SearchIndex:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _open(self) -> Any:
        if not index.exists_in(str(self.folder)):
            self.folder.mkdir(parents=True, exist_ok=True)
            return index.create_in(str(self.folder), SCHEMA)
        return index.open_dir(str(self.folder))

    def healthy(self, expected_documents: int) -> bool:
        """Whether the index opens and holds one document per dataset."""
        if not index.exists_in(str(self.folder)):
            return False
        try:
            with index.open_dir(str(self.folder)).searcher() as searcher:
                return bool(searcher.doc_count() == expected_documents)
        except Exception:  # any damage: the caller rebuilds
            return False

    def rebuild(self, documents: list[dict[str, Any]]) -> None:
        """Replace the whole index with these documents."""
        self.folder.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(self.folder), SCHEMA)
        writer = ix.writer(timeout=WRITER_TIMEOUT_SECONDS)
        for document in documents:
            writer.add_document(**document)
        writer.commit()

    def update(self, document: dict[str, Any]) -> None:
        writer = self._open().writer(timeout=WRITER_TIMEOUT_SECONDS)
        writer.update_document(**document)
        writer.commit()

    def delete(self, dataset_id: int) -> None:
        writer = self._open().writer(timeout=WRITER_TIMEOUT_SECONDS)
        writer.delete_by_term("id", str(dataset_id))
        writer.commit()

    def search(
        self,
        text: str,
        filters: dict[str, str] | None = None,
        offset: int = 0,
        limit: int = 20,
        sort: str = "relevance",
    ) -> SearchResult:
        """Datasets matching `text` and every filter, `limit` from `offset`, with facet counts."""
        ix = self._open()
        query = self._parse(text, ix)
        active = [Term(name, value) for name, value in (filters or {}).items() if value]
        if active:
            query = And([query, *active])
        sortedby: Any = None
        reverse = False
        if sort == "title":
            sortedby = "title_sort"
        elif sort == "modified" or (sort == "relevance" and not text.strip()):
            sortedby, reverse = "modified", True
        groupedby = {
            name: sorting.FieldFacet(name, allow_overlap=(name == "tags")) for name in FACETS
        }
        with ix.searcher() as searcher:
            total_hits = searcher.search(
                query, limit=None, groupedby=groupedby, sortedby=sortedby, reverse=reverse
            )
            total = len(total_hits)
            ids = [int(hit["id"]) for hit in total_hits[offset : offset + limit]]
            facets = {}
            for name in FACETS:
                groups = total_hits.groups(name)
                counts = [(str(k), len(v)) for k, v in groups.items() if k not in (None, "")]
                facets[name] = sorted(counts, key=lambda item: (-item[1], item[0]))
        return SearchResult(ids, total, facets)

    @staticmethod
    def _parse(text: str, ix: Any) -> Query:
        if not text.strip():
            return Every()
        # Every word must match (in any of the searched fields); quoted phrases work too.
        parser = MultifieldParser(_SEARCHED, schema=ix.schema)
        return parser.parse(text)


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
