"""FOI requests in the Action API: foi_request_list, foi_request_states, foi_request_show,
foi_request_create and foi_request_update, in CKAN's envelope like the rest. Reading needs
no token (drafts are seen only by their requester's token); writing does."""

from __future__ import annotations

from typing import Any

from flask import url_for

from catalog.api.auth import require_token
from catalog.api.registry import action
from catalog.context import current_viewer, request_session
from catalog.errors import BadParameter, InvalidInput
from catalog.foi import authorities
from catalog.foi.deadlines import uk_today
from catalog.foi.drafting import Draft, create_request, update_letter
from catalog.foi.links import request_data
from catalog.foi.reading import PER_PAGE, get_request, list_requests
from catalog.foi.states import NEXT_STATES, STATES, parse_day
from catalog.foi.steps import change_state, undo_step
from catalog.params import parse_bool, parse_int


@action
def foi_request_list(params: dict[str, Any]) -> dict[str, Any]:
    """Requests, newest first: authority (its URL name), state (any of foi_request_states,
    "overdue" included), rows (up to 100), page; mine=true for the token's own, drafts too."""
    rows = parse_int(params, "rows", PER_PAGE, minimum=1, maximum=100, cap=True)
    page = parse_int(params, "page", 1, minimum=1, maximum=10**6, cap=True)
    return list_requests(
        request_session(),
        uk_today(),
        viewer=current_viewer(),
        authority=str(params.get("authority") or ""),
        state=str(params.get("state") or ""),
        mine=parse_bool(params, "mine", False),
        page=page,
        per_page=rows,
    )


@action
def foi_request_states(params: dict[str, Any]) -> dict[str, Any]:
    """Every state, and which states each may become (overdue is worked out, never set)."""
    return {
        "states": STATES,
        "next": {state: list(following) for state, following in NEXT_STATES.items()},
    }


@action
def foi_request_show(params: dict[str, Any]) -> dict[str, Any]:
    """One request: id. The letter is included for its requester's token only."""
    return _answer(_request_id(params))


@action
def foi_request_create(params: dict[str, Any]) -> dict[str, Any]:
    """Draft a request: title, authority (URL name or exact name), date_from, date_to,
    breakdown, and optionally letter (else the suggested draft). It stays a draft, seen only
    by you, until you record the day you sent it with foi_request_update."""
    viewer = require_token()
    draft = Draft(
        title=str(params.get("title") or ""),
        date_from=str(params.get("date_from") or ""),
        date_to=str(params.get("date_to") or ""),
        breakdown=str(params.get("breakdown") or ""),
        search_query=str(params.get("search_query") or ""),
    )
    db = request_session()
    authority = authorities.resolve_authority(db, str(params.get("authority") or ""))
    if authority is None:
        raise InvalidInput(
            "There is no such public body: give its URL name from /authorities.",
            {"authority": "Not a known public body"},
        )
    created = create_request(db, viewer, authority, draft, uk_today())
    if params.get("letter"):
        update_letter(db, viewer, created, str(params["letter"]))
    db.flush()
    return _answer(created.id)


@action
def foi_request_update(params: dict[str, Any]) -> dict[str, Any]:
    """Record a step: id, state (sent, awaiting-response, clarification-requested, ...),
    date (YYYY-MM-DD, the day it happened; today if not given), note. Or, while it is a
    draft, letter: the new text of the letter. undo=true first takes back the last step
    (one entered by mistake)."""
    viewer = require_token()
    request_id = _request_id(params)
    today = uk_today()
    db = request_session()
    found = get_request(db, request_id, viewer=viewer)
    if parse_bool(params, "undo", False):
        undo_step(db, viewer, found)
    if params.get("letter"):
        update_letter(db, viewer, found, str(params["letter"]))
    if params.get("state"):
        on = parse_day(str(params.get("date") or today.isoformat()), "date")
        note = str(params.get("note") or "")
        change_state(db, viewer, found, str(params["state"]), on, today, note)
    db.flush()
    return _answer(request_id)


def _request_id(params: dict[str, Any]) -> int:
    if params.get("id") in (None, ""):
        raise BadParameter("Give the request's number as id.", {"id": "Missing value"})
    return parse_int(params, "id", 0, minimum=1)


def _answer(request_id: int) -> dict[str, Any]:
    return request_data(request_session(), request_id, uk_today(), url_for, viewer=current_viewer())
