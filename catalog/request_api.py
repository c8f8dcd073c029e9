"""FOI requests in the Action API: foi_request_list, foi_request_show, foi_request_create
and foi_request_update, in CKAN's envelope like the rest (catalog.api). Reading needs no
token (drafts are seen only by their requester's token); writing does."""

from __future__ import annotations

from typing import Any

from catalog import authorities
from catalog import requests as foi
from catalog.api import _site, action
from catalog.api_actions import _optional_user, _token_user
from catalog.deadlines import uk_today
from catalog.errors import Conflict, InvalidInput
from catalog.request_pages import request_data
from catalog.tables import int_param


@action
def foi_request_list(params: dict[str, Any]) -> dict[str, Any]:
    """Requests, newest first: authority (its URL name), state (any of foi_request_states,
    "overdue" included), rows (up to 100), page; mine=true for the token's own, drafts too."""
    user = _optional_user()
    rows = int_param(params, "rows", foi.PER_PAGE, 100, cap=True)
    page = int_param(params, "page", 1, 10**6, cap=True)
    with _site().session() as db:
        return _valid(
            foi.list_requests,
            db,
            user,
            uk_today(),
            authority=str(params.get("authority") or ""),
            state=str(params.get("state") or ""),
            mine=str(params.get("mine") or "").lower() in ("true", "1", "yes"),
            page=max(page, 1),
            per_page=max(rows, 1),
        )


@action
def foi_request_states(params: dict[str, Any]) -> dict[str, Any]:
    """Every state, and which states each may become (overdue is worked out, never set)."""
    return {
        "states": foi.STATES,
        "next": {state: list(following) for state, following in foi.NEXT_STATES.items()},
    }


@action
def foi_request_show(params: dict[str, Any]) -> dict[str, Any]:
    """One request: id. The letter is included for its requester's token only."""
    return request_data(_request_id(params), _optional_user())


@action
def foi_request_create(params: dict[str, Any]) -> dict[str, Any]:
    """Draft a request: title, authority (URL name or exact name), date_from, date_to,
    breakdown, and optionally letter (else the suggested draft). It stays a draft, seen only
    by you, until you record the day you sent it with foi_request_update."""
    user = _token_user()
    draft = foi.Draft(
        title=str(params.get("title") or ""),
        date_from=str(params.get("date_from") or ""),
        date_to=str(params.get("date_to") or ""),
        breakdown=str(params.get("breakdown") or ""),
        search_query=str(params.get("search_query") or ""),
    )
    with _site().session() as db:
        authority = authorities.resolve_authority(db, str(params.get("authority") or ""))
        if authority is None:
            raise Conflict(
                "There is no such public body: give its URL name from /authorities.",
                {"authority": "Not a known public body"},
            )
        created = _valid(foi.create_request, db, user, authority, draft, uk_today())
        if params.get("letter"):
            _valid(foi.update_letter, db, user, created, str(params["letter"]))
        db.commit()
        request_id = created.id
    return request_data(request_id, user)


@action
def foi_request_update(params: dict[str, Any]) -> dict[str, Any]:
    """Record a step: id, state (sent, awaiting-response, clarification-requested, ...),
    date (YYYY-MM-DD, the day it happened; today if not given), note. Or, while it is a
    draft, letter: the new text of the letter. undo=true first takes back the last step
    (one entered by mistake)."""
    user = _token_user()
    request_id = _request_id(params)
    today = uk_today()
    with _site().session() as db:
        found = foi.get_request(db, user, request_id)
        if str(params.get("undo") or "").lower() in ("true", "1", "yes"):
            _valid(foi.undo_step, db, user, found)
        if params.get("letter"):
            _valid(foi.update_letter, db, user, found, str(params["letter"]))
        if params.get("state"):
            day = str(params.get("date") or today.isoformat())
            on = _valid(foi.parse_day, day, "date")
            state = str(params["state"])
            _valid(
                foi.change_state, db, user, found, state, on, today, str(params.get("note") or "")
            )
        db.commit()
    return request_data(request_id, user)


def _request_id(params: dict[str, Any]) -> int:
    raw = str(params.get("id") or "")
    if not raw.isdigit():
        raise Conflict("Give the request's number as id.", {"id": "Missing value"})
    return int(raw)


def _valid(function: Any, *args: Any, **kwargs: Any) -> Any:
    """CKAN answers a bad value with 409 Validation Error."""
    try:
        return function(*args, **kwargs)
    except InvalidInput as error:
        raise Conflict(error.message, error.fields) from None
