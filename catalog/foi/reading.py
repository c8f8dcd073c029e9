"""FOI requests as plain data, as the one looking may see them: one request (for its page,
its JSON twin and the API), the public list and a user's own, and the requests a dataset
answers. Every function here sees as a visitor unless told who is looking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from catalog.datasets.permissions import can_see as can_see_dataset
from catalog.db.models import Authority, Dataset, InfoRequest, RequestFollower, User
from catalog.errors import InvalidInput, NotAuthorised, NotFound
from catalog.foi.letters import lint_letter
from catalog.foi.permissions import can_manage, can_see
from catalog.foi.states import (
    CLOCK_RUNNING,
    NEXT_STATES,
    STATES,
    STEP_WORDS,
    describe_due,
    shown_state,
)
from catalog.viewer import ANONYMOUS, Viewer

PER_PAGE = 25


def get_request(session: Session, request_id: int, *, viewer: Viewer = ANONYMOUS) -> InfoRequest:
    """The request, if `viewer` may see it; else NotFound (a draft is not admitted to)."""
    request = session.get(InfoRequest, request_id)
    if request is None or not can_see(viewer, request):
        raise NotFound("There is no FOI request with that number.")
    return request


def request_summary(
    session: Session, request: InfoRequest, today: dt.date, *, viewer: Viewer = ANONYMOUS
) -> dict[str, Any]:
    """Plain data for the request's page, its JSON twin and the API. The letter (which
    holds the requester's name and address) only for those who manage the request."""
    if not can_see(viewer, request):
        raise NotFound("There is no FOI request with that number.")
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
        "working_days_note": describe_due(request, today),
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


def list_requests(
    session: Session,
    today: dt.date,
    *,
    viewer: Viewer = ANONYMOUS,
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
        "results": [request_card(r, today) for r in found],
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


def request_card(request: InfoRequest, today: dt.date) -> dict[str, Any]:
    """A request in a list: what everyone may read of it (never the letter)."""
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


def requests_for_dataset(
    session: Session, dataset_id: int, today: dt.date, *, viewer: Viewer = ANONYMOUS
) -> list[dict[str, Any]]:
    """The requests this dataset answers, for the link back from the dataset's page."""
    found = session.scalars(
        select(InfoRequest).where(InfoRequest.dataset_id == dataset_id).order_by(InfoRequest.id)
    )
    return [request_card(r, today) for r in found if can_see(viewer, r)]
