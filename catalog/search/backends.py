"""One search interface, two backends, chosen by the search_backend setting: the Whoosh
index in the data folder (the default, needing nothing but Python) or tables in the
catalogue's own PostgreSQL database (pgindex.py)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog.config import Settings
from catalog.search.index import SearchIndex, SearchResult
from catalog.search.pgindex import PostgresIndex

BACKENDS = ("whoosh", "postgresql")


class SearchBackend(Protocol):
    transactional: bool  # True: documents are written in the dataset's own transaction

    def exists(self) -> bool: ...
    def healthy(self, expected_documents: int) -> bool: ...
    def rebuild(self, documents: Any) -> None: ...
    def update(self, document: dict[str, Any]) -> None: ...
    def write(self, session: Session, document: dict[str, Any]) -> None: ...
    def search(
        self,
        text: str,
        filters: dict[str, str] | None = None,
        offset: int = 0,
        limit: int = 20,
        sort: str = "relevance",
        visible_organisations: set[str] | None = None,
        facet_limit: int = ...,
    ) -> SearchResult: ...
    def with_column(
        self, name: str, limit: int, visible_organisations: set[str] | None = None
    ) -> list[int]: ...


def open_index(settings: Settings, engine: Engine) -> SearchBackend:
    """The search backend the settings name, refused in plain words where it cannot work."""
    if settings.search_backend not in BACKENDS:
        raise ValueError(
            f"DATASTORE_SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, "
            f"not {settings.search_backend!r}"
        )
    if settings.search_backend == "postgresql":
        if engine.dialect.name != "postgresql":
            raise ValueError(
                "DATASTORE_SEARCH_BACKEND=postgresql keeps the search index in the catalogue's "
                f"database, but this catalogue is {engine.dialect.name}, not PostgreSQL. Set "
                "DATASTORE_DATABASE_URL to a PostgreSQL database "
                "(postgresql+psycopg://user@host/db), or DATASTORE_SEARCH_BACKEND=whoosh."
            )
        return PostgresIndex(engine)
    return SearchIndex(settings.index_dir)
