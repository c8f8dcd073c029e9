"""The states an FOI request goes through and its clock: what each state may become, how
the page words each step, the state shown (overdue once the due date has passed), the
due date worked out from the request's events, and the day a step happened as written.

A request's history is its events, each a state on the day it happened (the requester
records the day they sent it, the day the body asked for clarification, and so on: we send
no email, so we only know what they tell us). `state`, `sent_on` and `due` are worked out
from the events and kept on the request so that lists can filter by them. "Overdue" is
never stored: a request whose clock is running and whose due date has passed shows as
overdue from the next day.
"""

from __future__ import annotations

import datetime as dt
import re

from catalog.db.models import InfoRequest, RequestEvent
from catalog.errors import InvalidInput
from catalog.foi.deadlines import due_date

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
FOIA_IN_FORCE = dt.date(2005, 1, 1)


def shown_state(request: InfoRequest, today: dt.date) -> str:
    """The state to show: the stored one, or "overdue" once the due date has passed."""
    if request.state in CLOCK_RUNNING and request.due is not None and request.due < today:
        return "overdue"
    return request.state


def describe_due(request: InfoRequest, today: dt.date) -> str:
    """The due date in words, for the request's page: "Due in 3 days.", "Overdue by ..."."""
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


def settle_request(request: InfoRequest) -> None:
    """State, day sent and due date, from the events (after every step recorded or undone)."""
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
