"""Drafting an FOI request: what someone asks for (a Draft), the request made from it with
the letter we suggest, and the letter as its requester rewrites it until it is sent.
The caller commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from catalog.db.models import Authority, InfoRequest, RequestEvent, utcnow
from catalog.errors import InvalidInput, NotAuthorised
from catalog.foi.letters import draft_letter
from catalog.foi.permissions import require_manager
from catalog.viewer import Viewer

MAX_LETTER = 20_000


@dataclass(frozen=True)
class Draft:
    """What someone asks for; the letter is drafted from it."""

    title: str
    date_from: str = ""
    date_to: str = ""
    breakdown: str = ""
    search_query: str = ""

    def problems(self) -> dict[str, str]:
        problems = {}
        if len(self.title.strip()) < 5:
            problems["title"] = "Say what information you want, in a few words."
        elif len(self.title) > 300:
            problems["title"] = "Keep the title under 300 characters; the letter says more."
        for name in ("date_from", "date_to"):
            if len(getattr(self, name)) > 100:
                problems[name] = "At most 100 characters."
        if len(self.breakdown) > 1000:
            problems["breakdown"] = "At most 1,000 characters."
        return problems


def create_request(
    session: Session,
    viewer: Viewer,
    authority: Authority,
    draft: Draft,
    today: dt.date,
) -> InfoRequest:
    """A draft request with the letter we suggest; the requester edits it before sending."""
    if not viewer.signed_in:
        raise NotAuthorised("Sign in to draft an FOI request.")
    problems = draft.problems()
    if problems:
        raise InvalidInput("Some details of the request need fixing.", problems)
    letter_args = {
        k: v
        for k, v in {
            "date_from": draft.date_from.strip(),
            "date_to": draft.date_to.strip(),
            "breakdown": draft.breakdown.strip(),
        }.items()
        if v
    }
    template = draft_letter(authority.name, draft.title.strip(), today, **letter_args)
    request = InfoRequest(
        title=draft.title.strip(),
        authority=authority,
        requester_id=viewer.id,
        date_from=draft.date_from.strip(),
        date_to=draft.date_to.strip(),
        breakdown=draft.breakdown.strip(),
        letter=template,
        template=template,
        search_query=draft.search_query.strip()[:500],
        state="draft",
        created=utcnow(),
        modified=utcnow(),
    )
    request.events.append(RequestEvent(state="draft", happened_on=today, user_id=viewer.id))
    session.add(request)
    session.flush()
    return request


def update_letter(session: Session, viewer: Viewer, request: InfoRequest, letter: str) -> None:
    """The requester's own letter in place of ours, while the request is a draft."""
    require_manager(viewer, request)
    if request.state != "draft":
        raise InvalidInput(
            "The letter cannot change once it has been sent: it is the record of what you asked."
        )
    letter = letter.replace("\r\n", "\n").strip()
    if not letter:
        raise InvalidInput("The letter is empty.", {"letter": "write the letter"})
    if len(letter) > MAX_LETTER:
        raise InvalidInput(
            f"The letter is longer than {MAX_LETTER:,} characters; a shorter, more focused "
            "request is answered sooner.",
            {"letter": "too long"},
        )
    request.letter = letter + "\n"
    request.modified = utcnow()
