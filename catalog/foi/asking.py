"""Help before anything is asked: requests already sent on much the same topic, to follow
instead of asking again."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh.analysis import StemmingAnalyzer

from catalog.db.models import InfoRequest
from catalog.foi.permissions import can_see
from catalog.foi.reading import request_card
from catalog.viewer import ANONYMOUS, Viewer

_ANALYSER = StemmingAnalyzer()


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
