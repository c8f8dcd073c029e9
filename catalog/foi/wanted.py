"""Searches that found nothing, and the "most wanted" list built from them.

Only the words are kept, never who searched. A query reaches the public list once it has
been searched for MIN_SEARCHES times, so one person's typing is not published, and a
site admin can hide one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from catalog.db.models import SearchMiss, utcnow
from catalog.errors import NotAuthorised, NotFound
from catalog.viewer import Viewer

MIN_SEARCHES = 2
FEW_RESULTS = 3  # a search finding this many or fewer offers to ask for the data
MAX_QUERY = 200
FORGET_AFTER_DAYS = 90


def normalise_query(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()[:MAX_QUERY]


def record_miss(session: Session, text: str) -> None:
    """Count one search for `text` that found nothing, in the caller's unit of work.

    One statement, safe when two processes count the same words at once: insert the
    query, or add one to its count (INSERT ... ON CONFLICT, in SQLite and PostgreSQL)."""
    query = normalise_query(text)
    if len(query) < 3:
        return
    now = utcnow()
    # A new query first forgets the one-off ones nobody has repeated in three months, so
    # that crawlers and typos do not grow the table for ever.
    if session.scalar(select(SearchMiss.id).where(SearchMiss.query == query)) is None:
        session.execute(
            delete(SearchMiss).where(
                SearchMiss.searches < MIN_SEARCHES,
                SearchMiss.last_seen < now - dt.timedelta(days=FORGET_AFTER_DAYS),
            )
        )
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    values = {"query": query, "searches": 1, "hidden": False, "first_seen": now, "last_seen": now}
    statement = insert(SearchMiss).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[SearchMiss.query],
            set_={"searches": SearchMiss.searches + 1, "last_seen": now},
        )
    )


def most_wanted(
    session: Session,
    still_missing: Callable[[str], bool],
    limit: int = 20,
    min_searches: int = MIN_SEARCHES,
) -> list[dict[str, Any]]:
    """The commonest searches that found nothing and still find nothing (`still_missing`
    runs the search again: data published since may answer them)."""
    found = []
    candidates = session.scalars(
        select(SearchMiss)
        .where(SearchMiss.hidden.is_(False), SearchMiss.searches >= min_searches)
        .order_by(SearchMiss.searches.desc(), SearchMiss.last_seen.desc())
        .limit(limit * 3)
    )
    for miss in candidates:
        if still_missing(miss.query):
            found.append(
                {
                    "id": miss.id,
                    "query": miss.query,
                    "searches": miss.searches,
                    "last_seen": miss.last_seen.date().isoformat(),
                }
            )
            if len(found) == limit:
                break
    return found


def hide_miss(session: Session, viewer: Viewer, miss_id: int) -> None:
    """A site admin takes a query off the public list (nonsense, or personal details)."""
    if not viewer.is_admin:
        raise NotAuthorised("Only site administrators can hide a search from the list.")
    miss = session.get(SearchMiss, miss_id)
    if miss is None:
        raise NotFound("There is no such search in the list.")
    miss.hidden = True
