"""Recording what happened to an FOI request: each step (sent, clarification asked for or
sent, answered, refused, internal review, withdrawn) on the day it happened, and taking
back a step entered by mistake. The caller commits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from catalog.db.models import InfoRequest, RequestEvent, utcnow
from catalog.errors import InvalidInput
from catalog.foi.permissions import require_manager
from catalog.foi.states import FOIA_IN_FORCE, NEXT_STATES, STATES, settle_request
from catalog.viewer import Viewer

MAX_NOTE = 2000


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
    require_manager(viewer, request)
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
    if len(note) > MAX_NOTE:
        raise InvalidInput("Keep the note under 2,000 characters.", {"note": "too long"})
    # Every check is made before anything changes: a page that catches the error answers
    # 400 without raising, and the app then commits whatever the session holds.
    for event in request.events:
        if event.state == "draft" and event.happened_on > on:
            event.happened_on = on
    request.events.append(
        RequestEvent(state=state, happened_on=on, note=note.strip(), user_id=viewer.id)
    )
    settle_request(request)
    request.modified = utcnow()


def undo_step(session: Session, viewer: Viewer, request: InfoRequest) -> None:
    """Take back the last step recorded (entered by mistake: a wrong state or date)."""
    require_manager(viewer, request)
    if request.dataset_id is not None:
        raise InvalidInput(
            "The answer has been published and linked to this request, so its steps stay."
        )
    steps = [e for e in request.events if e.state != "draft"]
    if not steps:
        raise InvalidInput("There is no step to take back: the request is still a draft.")
    request.events.remove(steps[-1])
    settle_request(request)
    request.modified = utcnow()
