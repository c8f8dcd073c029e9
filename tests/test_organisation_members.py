"""An organisation's members and requests to join (catalog/datasets/members.py), through
its functions, its pages and the API: who may do what, the last admin who stays, and
refusals that say who can grant the right."""

from __future__ import annotations

import re
from typing import Any

import pytest

from catalog.accounts.users import create_user
from catalog.datasets import members
from catalog.datasets.organisations import create_organisation
from catalog.errors import Conflict, InvalidInput, NotAuthorised
from catalog.viewer import Viewer
from tests.test_organisation_creators import call, token_for
from tests.test_web import PASSWORD, csrf_token


def people(site: Any, *names: str) -> dict[str, Viewer]:
    with site.session() as session:
        made = [create_user(session, n, PASSWORD) for n in names]
        session.flush()
        for user in made:
            user.display_name = user.username.capitalize() + " Shah"
        session.commit()
        return {u.username: Viewer.user(u.id, u.username) for u in made}


def test_the_members_functions_keep_an_admin_and_say_who_can_grant(site: Any) -> None:
    v = people(site, "priya", "sam", "ola")
    with site.session() as db:
        parks = create_organisation(db, v["priya"], "parks", "Parks")  # she is its admin
        with pytest.raises(NotAuthorised, match=r"Ask Priya Shah \(priya\) \(its admin\)"):
            members.add_member(db, v["sam"], parks, "sam", "admin")
        with pytest.raises(Conflict, match="only admin of Parks, so you cannot leave"):
            members.remove_member(db, v["priya"], parks, "priya")  # herself: leaving
        with pytest.raises(Conflict, match=r"\(priya\) is the only admin of Parks, so they"):
            members.remove_member(db, Viewer.system(), parks, "priya")  # not even the site
        with pytest.raises(Conflict, match="cannot leave it yet: make another member an admin"):
            members.leave_organisation(db, v["priya"], parks)
        with pytest.raises(Conflict, match="cannot become its editor: make another member"):
            members.change_role(db, v["priya"], parks, "priya", "editor")
        with pytest.raises(InvalidInput, match="no account called 'nobody'"):
            members.add_member(db, v["priya"], parks, "nobody", "editor")
        with pytest.raises(InvalidInput, match="A role is one of admin, editor, member"):
            members.add_member(db, v["priya"], parks, "sam", "owner")
        # Sam asks; a second request is not made; the note is capped.
        with pytest.raises(InvalidInput, match="at most 500 characters"):
            members.ask_to_join(db, v["sam"], parks, "x" * 501)
        asked = members.ask_to_join(db, v["sam"], parks, "I run the tree survey")
        with pytest.raises(Conflict, match=r"waiting for Priya Shah \(priya\)"):
            members.ask_to_join(db, v["sam"], parks)
        seen = members.membership(db, v["sam"], parks)
        assert seen["your_request"]["note"] == "I run the tree survey"
        assert not seen["can_ask"] and seen["waiting_for"] == "Priya Shah (priya)"
        with pytest.raises(NotAuthorised):
            members.join_requests(db, v["sam"], parks)
        assert [r["username"] for r in members.join_requests(db, v["priya"], parks)] == ["sam"]
        done = members.approve_request(db, v["priya"], parks, asked["id"])
        assert done == {"username": "sam", "name": "Sam Shah", "role": "editor"}
        with pytest.raises(Conflict, match="already approved"):
            members.decline_request(db, v["priya"], parks, asked["id"])
        # Ola asks, withdraws, asks again and is declined; then is added directly.
        members.ask_to_join(db, v["ola"], parks)
        members.withdraw_request(db, v["ola"], parks)
        again = members.ask_to_join(db, v["ola"], parks)
        members.decline_request(db, v["priya"], parks, again["id"])
        assert members.membership(db, v["ola"], parks)["can_ask"]
        members.ask_to_join(db, v["ola"], parks)
        members.add_member(db, v["priya"], parks, "ola", "member")  # answers her request
        assert members.join_requests(db, v["priya"], parks) == []
        # Two admins: now either may go.
        members.change_role(db, v["priya"], parks, "sam", "admin")
        members.leave_organisation(db, v["priya"], parks)
        listed = members.members_of(db, v["ola"], parks)
        assert [(m["username"], m["name"], m["role"]) for m in listed] == [
            ("sam", "Sam Shah", "admin"),
            ("ola", "Ola Shah", "member"),
        ]
        with pytest.raises(NotAuthorised):
            members.members_of(db, Viewer.anonymous(), parks)
        db.rollback()


def signed_in(app: Any, site: Any, username: str) -> Any:
    client = app.test_client()
    token = csrf_token(client, "/login")
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token})  # fmt: skip
    assert answer.status_code == 302
    return client


def post(client: Any, path: str, form_page: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **data})


def test_the_pages_show_each_one_the_buttons_they_may_use(app: Any, site: Any) -> None:
    people(site, "priya", "sam")
    key = token_for(site, "maker")
    assert call(app.test_client(), key, "organization_create", name="parks",
                title="Parks").status_code == 200  # fmt: skip
    call(app.test_client(), key, "organization_member_create", id="parks", username="priya",
         role="admin")  # fmt: skip
    visitor = app.test_client().get("/organisation/parks").text
    assert "Priya Shah" not in visitor and "Ask to join" not in visitor and "Sign in" in visitor
    assert app.test_client().get("/organisation/parks/members.json").status_code == 403
    sam = signed_in(app, site, "sam")
    page = sam.get("/organisation/parks").text
    assert "Priya Shah" in page and "Ask to join" in page
    assert "Manage members" not in page and "Leave" not in page
    refused = sam.get("/organisation/parks/members")
    assert refused.status_code == 403 and "Ask maker or Priya Shah (priya)" in refused.text
    no_token = sam.post("/organisation/parks/join", data={"note": "hello"})
    assert no_token.status_code == 400  # CSRF
    asked = post(sam, "/organisation/parks/join", "/organisation/parks", note="<b>trees</b>")
    assert asked.status_code == 303
    page = sam.get("/organisation/parks").text
    assert "your request is\n    waiting for maker and Priya Shah (priya)" in page
    assert "Withdraw my request" in page and "Ask to join</button>" not in page
    priya = signed_in(app, site, "priya")
    page = priya.get("/organisation/parks").text
    assert "Manage members" in page and "&lt;b&gt;trees&lt;/b&gt;" in page
    request_id = re.search(r"/organisation/parks/requests/(\d+)/approve", page).group(1)
    approved = post(priya, f"/organisation/parks/requests/{request_id}/approve",
                    "/organisation/parks", role="member")  # fmt: skip
    assert approved.status_code == 303
    assert "Sam Shah is now its member." in priya.get("/organisation/parks").text
    page = sam.get("/organisation/parks").text
    assert "You are its <strong>member</strong>" in page and "Leave Parks" in page
    # The members page: change a role, the last admin's rows, remove.
    changed = post(priya, "/organisation/parks/members/role", "/organisation/parks/members",
                   username="sam", role="editor")  # fmt: skip
    assert changed.status_code == 303
    listed = call(app.test_client(), key, "member_list", id="parks").get_json()["result"]
    assert sorted(listed) == [["maker", "user", "admin"], ["priya", "user", "admin"],
                              ["sam", "user", "editor"]]  # fmt: skip
    assert post(priya, "/organisation/parks/leave", "/organisation/parks").status_code == 303
    gone = call(app.test_client(), key, "organization_member_delete", id="parks",
                username="sam")  # fmt: skip
    assert gone.status_code == 200
    alone = call(app.test_client(), key, "organization_member_delete", id="parks",
                 username="maker")  # fmt: skip
    assert alone.status_code == 409
    assert "You are the only admin of Parks" in alone.get_json()["error"]["message"]
    page = signed_in(app, site, "maker").get("/organisation/parks/members").text
    assert "Its only admin." in page and "Remove maker" not in page
    added = post(signed_in(app, site, "maker"), "/organisation/parks/members",
                 "/organisation/parks/members", username="nobody", role="editor")  # fmt: skip
    assert added.status_code == 303


def test_an_outsider_cannot_change_members_through_the_api(client: Any, site: Any) -> None:
    maker, outsider = token_for(site, "maker"), token_for(site, "outsider")
    call(client, maker, "organization_create", name="parks", title="Parks")
    for action, body in (
        ("organization_member_create", {"username": "outsider", "role": "admin"}),
        ("organization_member_delete", {"username": "maker"}),
    ):
        refused = call(client, outsider, action, id="parks", **body)
        assert refused.status_code == 403, action
        assert "Ask maker (its admin)" in refused.get_json()["error"]["message"]
    assert client.get("/api/3/action/member_list?id=parks").status_code == 403
    with_token = call(client, outsider, "member_list", id="parks", capacity="editor")
    assert with_token.get_json()["result"] == []
