"""FOI requests: drafting, the states a request goes through, its due date, who may see and
change it, and linking the published answer. One function per operation, shared by the
pages (catalog.web.views.requests) and the API (catalog.api.foi).

A request's history is its events, each a state on the day it happened (the requester
records the day they sent it, the day the body asked for clarification, and so on: we send
no email, so we only know what they tell us). `state`, `sent_on` and `due` are worked out
from the events and kept on the request so that lists can filter by them. "Overdue" is
never stored: a request whose clock is running and whose due date has passed shows as
overdue from the next day.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session
from whoosh.analysis import StemmingAnalyzer

from catalog.datasets.permissions import can_see as can_see_dataset
from catalog.db.models import (
    Authority,
    Dataset,
    InfoRequest,
    RequestEvent,
    RequestFollower,
    User,
    utcnow,
)
from catalog.errors import InvalidInput, NotAuthorised, NotFound
from catalog.foi.deadlines import due_date
from catalog.foi.letters import draft_letter, lint_letter
from catalog.viewer import Viewer

STATES = {
    "draft": "Draft",
    "sent": "Sent",
    "awaiting-response": "Awaiting response",
    "clarification-requested": "Clarification requested",
    "overdue": "Overdue",
    "partially-successful": "Partially successful",
    "successful": "Successful",
    "refused": "Refused",
    "internal-review": "Internal review",
    "withdrawn": "Withdrawn",
}
# What each state may become. "awaiting-response" after "clarification-requested" means the
# requester sent the clarification: its day becomes the date of receipt (FOIA s.10(6)(b)).
# A request that went unanswered may go to internal review, as a refused one may.
NEXT_STATES = {
    "draft": ("sent", "withdrawn"),
    "sent": (
        "awaiting-response",
        "clarification-requested",
        "partially-successful",
        "successful",
        "refused",
        "internal-review",
        "withdrawn",
    ),
    "awaiting-response": (
        "clarification-requested",
        "partially-successful",
        "successful",
        "refused",
        "internal-review",
        "withdrawn",
    ),
    "clarification-requested": ("awaiting-response", "refused", "withdrawn"),
    "partially-successful": ("internal-review", "successful", "withdrawn"),
    "refused": ("internal-review", "successful", "partially-successful", "withdrawn"),
    "internal-review": ("successful", "partially-successful", "refused", "withdrawn"),
    "successful": (),
    "withdrawn": (),
}
# How the page asks "what happened next?" for each state.
STEP_WORDS = {
    "sent": "was sent by me",
    "awaiting-response": "was acknowledged, or I sent the clarification asked for",
    "clarification-requested": "needs clarifying: the body asked me a question",
    "partially-successful": "was partly answered",
    "successful": "was answered in full",
    "refused": "was refused",
    "internal-review": "went to internal review (I asked for one: late, refused or part answered)",
    "withdrawn": "was withdrawn by me",
}
# States in which the body owes an answer by `due`; past it they show as overdue.
CLOCK_RUNNING = ("sent", "awaiting-response", "internal-review")
MAX_LETTER = 20_000
FOIA_IN_FORCE = dt.date(2005, 1, 1)
PER_PAGE = 25


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


# Reading -------------------------------------------------------------------------------


def shown_state(request: InfoRequest, today: dt.date) -> str:
    """The state to show: the stored one, or "overdue" once the due date has passed."""
    if request.state in CLOCK_RUNNING and request.due is not None and request.due < today:
        return "overdue"
    return request.state


def can_manage(viewer: Viewer, request: InfoRequest) -> bool:
    """The requester and site admins edit the letter, record its progress, add the answer."""
    return viewer.is_admin or (viewer.id is not None and viewer.id == request.requester_id)


def can_see(viewer: Viewer, request: InfoRequest) -> bool:
    """A draft is the requester's own until they send it; after that everyone sees it."""
    return request.state != "draft" or can_manage(viewer, request)


def get_request(session: Session, viewer: Viewer, request_id: int) -> InfoRequest:
    request = session.get(InfoRequest, request_id)
    if request is None or not can_see(viewer, request):
        raise NotFound("There is no FOI request with that number.")
    return request


def request_summary(
    session: Session, request: InfoRequest, viewer: Viewer, today: dt.date
) -> dict[str, Any]:
    """Plain data for the request's page, its JSON twin and the API. The letter (which
    holds the requester's name and address) only for those who manage the request."""
    state = shown_state(request, today)
    manager = can_manage(viewer, request)
    followers = session.scalar(select(func.count()).where(RequestFollower.request_id == request.id))
    following = viewer.id is not None and (
        session.get(RequestFollower, (request.id, viewer.id)) is not None
    )
    dataset = session.get(Dataset, request.dataset_id) if request.dataset_id else None
    if dataset is not None and not can_see_dataset(session, viewer, dataset):
        dataset = None  # published privately: its title is not everyone's to read
    requester = session.get(User, request.requester_id)
    summary: dict[str, Any] = {
        "id": request.id,
        "title": request.title,
        "authority": {"slug": request.authority.slug, "name": request.authority.name},
        "requester": requester.username if requester else "",
        "date_from": request.date_from,
        "date_to": request.date_to,
        "breakdown": request.breakdown,
        "search_query": request.search_query,
        "state": state,
        "state_label": STATES[state],
        "sent_on": request.sent_on.isoformat() if request.sent_on else None,
        "due": request.due.isoformat() if request.due else None,
        "clock_running": request.state in CLOCK_RUNNING,
        "working_days_note": _due_note(request, today),
        "events": [
            {
                "state": e.state,
                "state_label": STATES.get(e.state, e.state),
                "on": e.happened_on.isoformat(),
                "note": e.note,
            }
            for e in request.events
        ],
        "followers": followers or 0,
        "following": following,
        "dataset": {"name": dataset.name, "title": dataset.title} if dataset else None,
        "created": request.created.isoformat(timespec="seconds"),
        "modified": request.modified.isoformat(timespec="seconds"),
        "can_manage": manager,
        "next_states": [
            {"state": s, "label": STATES[s], "words": STEP_WORDS[s]}
            for s in NEXT_STATES[request.state]
        ]
        if manager
        else [],
    }
    if manager:
        summary["letter"] = request.letter
        problems = lint_letter(request.letter, request.template) if request.state == "draft" else []
        summary["problems"] = [
            {"code": p.code, "message": p.message, "guidance": p.guidance} for p in problems
        ]
        summary["foi_email"] = request.authority.foi_email
    return summary


def _due_note(request: InfoRequest, today: dt.date) -> str:
    if request.state == "clarification-requested":
        return (
            "No reply is due until the body has your clarification: the 20 working days "
            "start again from the day it receives it. Record that day when you send it."
        )
    if request.due is None or request.state not in CLOCK_RUNNING:
        return ""
    days = (request.due - today).days
    if days > 1:
        return f"Due in {days} days."
    if days == 1:
        return "Due tomorrow."
    if days == 0:
        return "Due today."
    late = -days
    return f"Overdue by {late} day{'s' if late != 1 else ''}: the body has not answered in time."


def list_requests(
    session: Session,
    viewer: Viewer,
    today: dt.date,
    *,
    authority: str = "",
    state: str = "",
    mine: bool = False,
    following: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> dict[str, Any]:
    """The public list, newest first, filtered by authority (slug) and shown state; with
    `mine`, the user's own (drafts included); with `following`, those they follow."""
    if state and state not in STATES:
        raise InvalidInput(f"{state!r} is not a request state.", {"state": "unknown state"})
    query: Select[Any] = select(InfoRequest)
    if mine or following:
        if not viewer.signed_in:
            raise NotAuthorised("Sign in to see your requests.")
        if mine:
            query = query.where(InfoRequest.requester_id == viewer.id)
        if following:
            query = query.join(
                RequestFollower,
                and_(
                    RequestFollower.request_id == InfoRequest.id,
                    RequestFollower.user_id == viewer.id,
                ),
            ).where(InfoRequest.state != "draft")
    else:
        query = query.where(InfoRequest.state != "draft")
    if authority:
        query = query.join(Authority, Authority.id == InfoRequest.authority_id).where(
            Authority.slug == authority
        )
    if state:
        query = query.where(_state_condition(state, today))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.scalars(
        query.order_by(InfoRequest.created.desc(), InfoRequest.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return {
        "results": [_card(r, today) for r in found],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // per_page)),
        "filters": {
            k: v
            for k, v in {"authority": authority, "state": state}.items()
            if v  # only the filters in use
        },
    }


def _state_condition(state: str, today: dt.date) -> Any:
    late = and_(InfoRequest.state.in_(CLOCK_RUNNING), InfoRequest.due < today)
    if state == "overdue":
        return late
    if state in CLOCK_RUNNING:
        return and_(
            InfoRequest.state == state, or_(InfoRequest.due.is_(None), InfoRequest.due >= today)
        )
    return InfoRequest.state == state


def _card(request: InfoRequest, today: dt.date) -> dict[str, Any]:
    state = shown_state(request, today)
    return {
        "id": request.id,
        "title": request.title,
        "authority": {"slug": request.authority.slug, "name": request.authority.name},
        "state": state,
        "state_label": STATES[state],
        "sent_on": request.sent_on.isoformat() if request.sent_on else None,
        "due": request.due.isoformat() if request.due else None,
        "clock_running": request.state in CLOCK_RUNNING,
    }


def requests_for_dataset(session: Session, dataset_id: int, today: dt.date) -> list[dict[str, Any]]:
    """The requests this dataset answers, for the link back from the dataset's page."""
    found = session.scalars(
        select(InfoRequest).where(InfoRequest.dataset_id == dataset_id).order_by(InfoRequest.id)
    )
    return [_card(r, today) for r in found]


# Similar requests -----------------------------------------------------------------------

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
    return [
        _card(session.get_one(InfoRequest, request_id), today) for _, request_id in scored[:limit]
    ]


# Writing (the caller commits) -----------------------------------------------------------


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
    _require_manager(viewer, request)
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


def change_state(
    session: Session,
    viewer: Viewer,
    request: InfoRequest,
    state: str,
    on: dt.date,
    today: dt.date,
    note: str = "",
) -> None:
    """Record that the request moved to `state` on the day `on` (sent, clarification
    asked for or sent, answered, refused, ...), and work out its due date again."""
    _require_manager(viewer, request)
    if state == "overdue":
        raise InvalidInput(
            "Overdue is worked out from the due date; it cannot be set.", {"state": "overdue"}
        )
    if state not in STATES:
        raise InvalidInput(f"{state!r} is not a request state.", {"state": "unknown state"})
    allowed = NEXT_STATES[request.state]
    if state not in allowed:
        choices = ", ".join(STATES[s].lower() for s in allowed) or "nothing: it is closed"
        raise InvalidInput(
            f"A request that is {STATES[request.state].lower()} can become: {choices}.",
            {"state": f"not after {request.state}"},
        )
    if on > today:
        raise InvalidInput("That date is in the future.", {"on": "a date in the future"})
    if on < FOIA_IN_FORCE:
        raise InvalidInput(
            "That date is before the Freedom of Information Act came into force (1 January "
            "2005): check the year.",
            {"on": "too early"},
        )
    # A letter may have been sent before it was written up here: only the steps after the
    # draft bound the date.
    steps = [e.happened_on for e in request.events if e.state != "draft"]
    if steps and on < steps[-1]:
        raise InvalidInput(
            f"That date is before the request's last step ({steps[-1].isoformat()}).",
            {"on": "before the last step"},
        )
    for event in request.events:
        if event.state == "draft" and event.happened_on > on:
            event.happened_on = on
    if len(note) > 2000:
        raise InvalidInput("Keep the note under 2,000 characters.", {"note": "too long"})
    request.events.append(
        RequestEvent(state=state, happened_on=on, note=note.strip(), user_id=viewer.id)
    )
    _settle(request)
    request.modified = utcnow()


def undo_step(session: Session, viewer: Viewer, request: InfoRequest) -> None:
    """Take back the last step recorded (entered by mistake: a wrong state or date)."""
    _require_manager(viewer, request)
    if request.dataset_id is not None:
        raise InvalidInput(
            "The answer has been published and linked to this request, so its steps stay."
        )
    steps = [e for e in request.events if e.state != "draft"]
    if not steps:
        raise InvalidInput("There is no step to take back: the request is still a draft.")
    request.events.remove(steps[-1])
    _settle(request)
    request.modified = utcnow()


def link_answer(
    session: Session,
    viewer: Viewer,
    request: InfoRequest,
    dataset: Dataset,
    today: dt.date,
) -> None:
    """The answer was published as `dataset`: the request is successful and links to it."""
    check_answerable(viewer, request)
    request.dataset_id = dataset.id
    if request.state != "successful":
        request.events.append(
            RequestEvent(
                state="successful",
                happened_on=max(today, request.events[-1].happened_on),
                note="The answer was published here as a dataset.",
                user_id=viewer.id,
            )
        )
    _settle(request)
    request.modified = utcnow()


def check_answerable(viewer: Viewer, request: InfoRequest) -> None:
    """Raise unless `viewer` may add the answer to this request as a dataset now."""
    _require_manager(viewer, request)
    if request.state == "draft":
        raise InvalidInput(
            "Only a request that has been sent can have an answer: record the day you sent it."
        )
    if request.state == "withdrawn":
        raise InvalidInput(
            "This request was withdrawn, so it cannot have an answer. Publish the data from "
            "the upload page without linking it, or make a new request."
        )


def follow(session: Session, viewer: Viewer, request: InfoRequest) -> None:
    if not viewer.signed_in:
        raise NotAuthorised("Sign in to follow a request.")
    if session.get(RequestFollower, (request.id, viewer.id)) is None:
        session.add(RequestFollower(request_id=request.id, user_id=viewer.id))


def unfollow(session: Session, viewer: Viewer, request: InfoRequest) -> None:
    if not viewer.signed_in:
        raise NotAuthorised("Sign in to follow a request.")
    found = session.get(RequestFollower, (request.id, viewer.id))
    if found is not None:
        session.delete(found)


def _require_manager(viewer: Viewer, request: InfoRequest) -> None:
    if not can_manage(viewer, request):
        raise NotAuthorised("Only the person who made this request can change it.")


def _settle(request: InfoRequest) -> None:
    """State, day sent and due date, from the events."""
    # By day, then in the order recorded (an event not yet flushed has no id: it is the last).
    events = sorted(request.events, key=lambda e: (e.happened_on, e.id or 2**62))
    request.state = events[-1].state if events else "draft"
    sent = [e.happened_on for e in events if e.state == "sent"]
    request.sent_on = sent[0] if sent else None
    request.due = _due(events, request.sent_on)


def _due(events: list[RequestEvent], sent_on: dt.date | None) -> dt.date | None:
    if sent_on is None:
        return None
    reviews = [e.happened_on for e in events if e.state == "internal-review"]
    if events[-1].state == "internal-review":
        # The ICO expects an internal review within 20 working days of asking for it.
        return due_date(reviews[-1])
    clarifications: list[tuple[dt.date, dt.date | None]] = []
    for event in events:
        if event.state == "clarification-requested":
            clarifications.append((event.happened_on, None))
        elif event.state == "awaiting-response" and clarifications and not clarifications[-1][1]:
            clarifications[-1] = (clarifications[-1][0], event.happened_on)
    return due_date(sent_on, clarifications)


def parse_day(text: str, name: str = "on") -> dt.date:
    """A date from a form or the API (YYYY-MM-DD), or a 400 that says how to write it."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise InvalidInput(
            f"Write the date as YYYY-MM-DD (for example {dt.date.today().isoformat()}).",
            {name: "not a date"},
        )
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not a real date.", {name: "not a date"}) from None


def answer_metadata(request: InfoRequest) -> dict[str, str]:
    """What the upload form starts with when the answer is added as a dataset: its title,
    the body as its publisher, the Open Government Licence (what UK public bodies release
    under), and where it came from."""
    authority = request.authority.name
    period = " to ".join(p for p in (request.date_from, request.date_to) if p)
    return {
        "title": request.title,
        "organisation": authority,
        "author": authority,
        "licence": "uk-ogl",
        "description": (
            f"Released by {authority} in answer to a Freedom of Information request"
            f"{f' covering {period}' if period else ''}. The request, its letter's "
            "history and the body's reply dates are linked from this page."
        ),
    }


def link_published_answer(
    session: Session, request_id: int, user_id: int, dataset_name: str, today: dt.date
) -> None:
    """After an upload made from the request's "Add the answer" button is published."""
    found = session.get(InfoRequest, request_id)
    dataset = session.scalar(select(Dataset).where(Dataset.name == dataset_name))
    user = session.get(User, user_id)
    if found is None or dataset is None or user is None:
        raise NotFound("The request or the dataset has gone.")
    link_answer(session, Viewer.user(user.id, user.username, user.is_admin), found, dataset, today)
