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

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
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
    """Count one search for `text` that found nothing; commits (it is its own unit of work)."""
    query = normalise_query(text)
    if len(query) < 3:
        return
    for _attempt in range(2):
        counted = session.execute(
            update(SearchMiss)
            .where(SearchMiss.query == query)
            .values(searches=SearchMiss.searches + 1, last_seen=utcnow())
        )
        if getattr(counted, "rowcount", 0):
            session.commit()
            return
        # A new query: first forget the one-off ones nobody has repeated in three months,
        # so that crawlers and typos do not grow the table for ever.
        session.execute(
            delete(SearchMiss).where(
                SearchMiss.searches < MIN_SEARCHES,
                SearchMiss.last_seen < utcnow() - dt.timedelta(days=FORGET_AFTER_DAYS),
            )
        )
        session.add(SearchMiss(query=query, searches=1, first_seen=utcnow(), last_seen=utcnow()))
        try:
            session.commit()
            return
        except IntegrityError:  # another process counted it first: count on top of theirs
            session.rollback()


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
