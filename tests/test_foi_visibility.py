"""The FOI reads fail closed: told nobody, they see as a visitor, and a visitor sees no draft.
The data is made through our own functions (create_user, save_authority, create_request)."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.accounts.users import create_user
from catalog.errors import NotAuthorised, NotFound
from catalog.foi.asking import similar_requests
from catalog.foi.authorities import authority_by_slug
from catalog.foi.deadlines import uk_today
from catalog.foi.drafting import Draft, create_request
from catalog.foi.links import request_data
from catalog.foi.reading import get_request, list_requests, request_summary
from catalog.foi.steps import change_state
from catalog.viewer import Viewer
from tests.test_requests import make_authority
from tests.test_web import PASSWORD

TITLE = "Pothole repairs by ward"


def drafted(site: Any) -> tuple[int, Viewer]:
    """A draft to Leeds City Council by ada, committed; its number and ada as a Viewer."""
    slug = make_authority(site)
    with site.session() as db:
        user = create_user(db, "ada", PASSWORD)
        ada = Viewer.user(user.id, user.username)
        authority = authority_by_slug(db, slug)
        draft = Draft(title=TITLE, date_from="2022", date_to="2024")
        request_id = create_request(db, ada, authority, draft, uk_today()).id
        db.commit()
    return request_id, ada


def test_reads_told_nobody_see_no_draft(site: Any) -> None:
    request_id, ada = drafted(site)
    today = uk_today()
    with site.session() as db:
        with pytest.raises(NotFound):
            get_request(db, request_id)
        assert list_requests(db, today)["total"] == 0
        found = get_request(db, request_id, viewer=ada)  # its requester sees it
        with pytest.raises(NotFound):
            request_summary(db, found, today)
        with pytest.raises(NotFound):
            request_data(db, request_id, today, lambda *_a, **_k: "")
        with pytest.raises(NotAuthorised):  # a visitor has no requests of their own
            list_requests(db, today, mine=True)

        # The requester, named, sees the draft and its letter.
        assert "letter" in request_summary(db, found, today, viewer=ada)
        mine = list_requests(db, today, viewer=ada, mine=True)
        assert [r["id"] for r in mine["results"]] == [request_id]


def test_a_sent_request_is_everyones_but_its_letter_is_not(site: Any) -> None:
    request_id, ada = drafted(site)
    today = uk_today()
    with site.session() as db:
        assert similar_requests(db, TITLE, today) == []  # a draft is never offered
        found = get_request(db, request_id, viewer=ada)
        change_state(db, ada, found, "sent", today, today)
        db.commit()
    with site.session() as db:
        summary = request_summary(db, get_request(db, request_id), today)
        assert summary["title"] == TITLE
        assert "letter" not in summary and summary["can_manage"] is False
        assert [r["id"] for r in list_requests(db, today)["results"]] == [request_id]
        assert [r["id"] for r in similar_requests(db, TITLE, today)] == [request_id]
