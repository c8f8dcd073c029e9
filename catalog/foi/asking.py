"""Help before anything is asked: the request's title in words from the search that found
little, requests already sent on much the same topic (to follow instead of asking again),
the bodies that might hold the data, and the most wanted data with the request made on it.
The search index is passed in (`site.index`); only public datasets are consulted, since
what is offered here is everyone's to read."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh.analysis import StemmingAnalyzer

from catalog.db.models import InfoRequest, Organisation
from catalog.foi.authorities import suggest_authorities
from catalog.foi.permissions import can_see
from catalog.foi.reading import request_card
from catalog.foi.wanted import most_wanted
from catalog.search.backends import SearchBackend
from catalog.viewer import ANONYMOUS, Viewer

_ANALYSER = StemmingAnalyzer()
FILTER_WORDS = {"tags": "tag", "column": "with a column", "format": "as", "licence": "licence"}


@functools.lru_cache(maxsize=20_000)
def topic_words(text: str) -> frozenset[str]:
    """Stemmed words without stop words: "potholes repaired" and "pothole repairs" agree.
    Cached: every new request is compared with every title sent before it."""
    return frozenset(token.text for token in _ANALYSER(text) if len(token.text) > 1)


def similar_requests(
    session: Session,
    text: str,
    today: dt.date,
    *,
    viewer: Viewer = ANONYMOUS,
    exclude: int | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Sent requests on much the same topic: at least half of the words of `text` (stemmed)
    in their title or breakdown. Shown before a new request is made, to follow instead."""
    wanted = topic_words(text)
    if not wanted:
        return []
    scored = []
    rows = session.execute(
        select(InfoRequest.id, InfoRequest.title, InfoRequest.breakdown).where(
            InfoRequest.state.not_in(("draft", "withdrawn"))
        )
    )
    for request_id, title, breakdown in rows:
        if request_id == exclude:
            continue
        shared = wanted & topic_words(f"{title} {breakdown}")
        if shared and len(shared) * 2 >= len(wanted):
            scored.append((len(shared) / len(wanted), request_id))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    cards = []
    for _, request_id in scored:
        found = session.get_one(InfoRequest, request_id)
        if can_see(viewer, found):  # the query keeps to sent requests; the rule decides
            cards.append(request_card(found, today))
        if len(cards) == limit:
            break
    return cards


def title_from_search(query: str, filters: dict[str, str]) -> str:
    """The information wanted, in words, from the search: "bus punctuality (tag: transport)"."""
    extra = [f"{FILTER_WORDS[k]} {v}" for k, v in filters.items() if k in FILTER_WORDS]
    topic = query[:1].upper() + query[1:]
    return f"{topic} ({', '.join(extra)})" if topic and extra else topic


def find_publishers(
    session: Session, index: SearchBackend, query: str, filters: dict[str, str]
) -> list[str]:
    """Titles of the organisations that publish datasets on the topic here: the one the
    search was filtered by, then those publishing on any of its words (public data only)."""
    names: list[str] = []
    if filters.get("organisation"):
        names.append(filters["organisation"])
    for word in sorted(topic_words(query))[:8]:
        found = index.search(word, limit=0, visible_organisations=set())  # public only
        for name, _count in found.facets.get("organisation", [])[:3]:
            if name not in names:
                names.append(name)
    if not names:
        return []
    rows = session.execute(
        select(Organisation.name, Organisation.title).where(Organisation.name.in_(names))
    )
    titles = {name: title for name, title in rows}
    return [titles[n] for n in names if n in titles]


@dataclass(frozen=True)
class Suggestions:
    """What the ask form shows: requests to follow instead, and bodies to ask."""

    similar: list[dict[str, Any]]
    bodies: list[dict[str, Any]]


def suggest_before_asking(
    session: Session,
    index: SearchBackend,
    title: str,
    query: str,
    filters: dict[str, str],
    today: dt.date,
    *,
    viewer: Viewer = ANONYMOUS,
) -> Suggestions:
    """For a request about to be made on `title` (from the search `query` and its
    `filters`): requests already sent on much the same topic, and the bodies that publish
    data on it here or whose name has a word of it."""
    topic = query or title
    publishers = find_publishers(session, index, topic, filters)
    return Suggestions(
        similar=similar_requests(session, title, today, viewer=viewer),
        bodies=suggest_authorities(session, publishers, topic),
    )


def list_wanted(
    session: Session,
    index: SearchBackend,
    today: dt.date,
    limit: int,
    *,
    with_requests: bool = True,
    viewer: Viewer = ANONYMOUS,
) -> list[dict[str, Any]]:
    """The most wanted data: searches that found nothing and still find no public dataset,
    each (`with_requests`) with the request already made on it, if any."""

    def still_missing(query: str) -> bool:
        # Public datasets only: the list is public, and private data answers no one else.
        return index.search(query, limit=0, visible_organisations=set()).total == 0

    found = most_wanted(session, still_missing, limit)
    if with_requests:
        for item in found:
            item["requests"] = similar_requests(
                session, item["query"], today, viewer=viewer, limit=1
            )
    return found
