"""Getting an account in the browser (issue 15, points 1 and 6): the sign-up rule (anyone,
the event's code, nobody), the code set on the admin page, invitations that work once,
the per-address limit's 429, and an FOI draft carried through sign-up."""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.site import Site
from tests.test_web import PASSWORD, csrf_token


def app_with(settings: Any, **changes: Any) -> Any:
    return create_app(dataclasses.replace(settings, **changes))


def make_admin(site: Any, client: Any, username: str = "organiser") -> None:
    with site.session() as session:
        create_user(session, username, PASSWORD, is_admin=True)
        session.commit()
    form = {"username": username, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
    assert client.post("/login", data=form).status_code == 302


def set_code(client: Any, code: str) -> Any:
    token = csrf_token(client, "/admin/sign-up")
    return client.post("/admin/sign-up", data={"csrf_token": token, "action": "code", "code": code})


def sign_up(client: Any, path: str = "/register", **fields: str) -> Any:
    form = {
        "username": "sam",
        "display_name": "Sam Jones",
        "password": PASSWORD,
        "csrf_token": csrf_token(client, path),
        **fields,
    }
    return client.post(path, data=form)


def signed_in_as(client: Any) -> str:
    page = client.get("/account/profile")
    if page.status_code != 200:
        return ""
    found = re.search(r"You sign in as <strong>([^<]+)</strong>", page.text)
    return found.group(1) if found else ""


def test_with_the_event_code_a_volunteer_signs_up_and_is_signed_in(
    app: Any, client: Any, site: Any
) -> None:
    assert "Sign up" in client.get("/").text  # the default rule is the event's code
    page = client.get("/register")
    assert page.status_code == 200 and "The event&#39;s code" in page.text
    assert "has not set the event's code yet" in page.text
    refused = sign_up(client, code="ANYTHING")
    assert refused.status_code == 403 and "has not set the event&#39;s code yet" in refused.text

    organiser = app.test_client()
    make_admin(site, organiser)
    bad = set_code(organiser, "ab!")
    assert bad.status_code == 400 and "An event code is 4 to 40 letters" in bad.text
    assert set_code(organiser, "Brum-2026").status_code == 303
    assert "Brum-2026" in organiser.get("/admin/sign-up").text
    assert "Brum-2026" in organiser.get("/admin/sign-up/screen").text

    wrong = sign_up(client, code="Leeds-2026")
    assert wrong.status_code == 400 and "That is not the event&#39;s code" in wrong.text
    assert signed_in_as(client) == ""
    done = sign_up(client, code=" brum 2026 ", email="sam@example.org")  # case and dashes
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert signed_in_as(client) == "sam"
    profile = client.get("/account/profile").text
    assert 'value="Sam Jones"' in profile and 'value="sam@example.org"' in profile
    assert "Sign up" not in client.get("/").text and 'href="/account/profile">Account' in profile

    # A rotated code replaces the old one.
    token = csrf_token(organiser, "/admin/sign-up")
    organiser.post("/admin/sign-up", data={"csrf_token": token, "action": "rotate"})
    other = app.test_client()
    stale = sign_up(other, username="kim", code="Brum-2026")
    assert stale.status_code == 400
    # The same user name twice is refused beside the field.
    code = re.search(r'class="event-code">([^<]+)<', organiser.get("/admin/sign-up").text)
    assert code
    taken = sign_up(other, code=code.group(1))
    assert taken.status_code == 409 and "There is already a user called" in taken.text
    assert sign_up(other, username="kim", code=code.group(1)).status_code == 303


def test_the_rule_anyone_nobody_and_the_admins_choice_over_the_setting(settings: Any) -> None:
    app = app_with(settings, sign_up="anyone")
    try:
        client = app.test_client()
        page = client.get("/register")
        assert page.status_code == 200 and 'name="code"' not in page.text  # no code asked
        # Where they were going, on this site only.
        assert sign_up(client, "/register?next=/requests").headers["Location"] == "/requests"
        other = app.test_client()
        away = sign_up(other, "/register?next=https://elsewhere.example/", username="kim")
        assert away.headers["Location"] == "/"

        organiser = app.test_client()
        make_admin(app.extensions["site"], organiser)
        token = csrf_token(organiser, "/admin/sign-up")
        form = {"csrf_token": token, "action": "rule", "rule": "nobody"}
        assert organiser.post("/admin/sign-up", data=form).status_code == 303
        visitor = app.test_client()
        assert "Sign up" not in visitor.get("/").text
        closed = visitor.get("/register").text
        assert "by invitation only" in closed and "Make my account" not in closed
        assert "by invitation only" in visitor.get("/login").text
        refused = visitor.post("/register", data={"csrf_token": csrf_token(visitor, "/login")})
        assert refused.status_code in (400, 403)
        full = {
            "csrf_token": csrf_token(visitor, "/login"),
            "username": "lee",
            "display_name": "Lee",
            "password": PASSWORD,
        }
        answer = visitor.post("/register", data=full)
        assert answer.status_code == 403 and "by invitation only" in answer.text
    finally:
        app.extensions["site"].close()


def test_a_setting_that_is_no_rule_stops_the_site_starting(settings: Any) -> None:
    site = Site(dataclasses.replace(settings, sign_up="everyone"))
    try:
        with pytest.raises(ValueError, match="DATASTORE_SIGN_UP must be one of"):
            create_app(site=site)
    finally:
        site.close()


def test_an_invitation_makes_one_account_and_says_so_when_used_again(
    settings: Any,
) -> None:
    app = app_with(settings, sign_up="nobody")
    try:
        organiser = app.test_client()
        make_admin(app.extensions["site"], organiser)
        token = csrf_token(organiser, "/admin/invitations")
        made = organiser.post(
            "/admin/invitations",
            data={"csrf_token": token, "names": "Priya Shah\n\n  Tom   O'Neil \n"},
        )
        assert made.status_code == 200 and "2 invitations to print" in made.text
        links = re.findall(r"http://localhost(/register/[\w-]+)", made.text)
        assert len(links) == 2
        assert made.headers["Cache-Control"] == "no-store"

        volunteer = app.test_client()
        page = volunteer.get(links[0])
        assert (
            page.status_code == 200 and "An invitation for <strong>Priya Shah</strong>" in page.text
        )
        assert 'value="priya.shah"' in page.text and "event&#39;s code" not in page.text
        done = sign_up(volunteer, links[0], username="priya", display_name="Priya Shah")
        assert done.status_code == 303 and signed_in_as(volunteer) == "priya"

        again = app.test_client()
        used = again.get(links[0])
        assert used.status_code == 410 and "has been used already" in used.text
        second = again.post(
            links[0],
            data={
                "csrf_token": csrf_token(again, "/login"),
                "username": "priya2",
                "display_name": "Priya again",
                "password": PASSWORD,
            },
        )
        assert second.status_code == 410 and signed_in_as(again) == ""
        wrong = again.get("/register/not-a-real-token")
        assert wrong.status_code == 410 and "not one this site made" in wrong.text

        listed = organiser.get("/admin/invitations").text
        assert "Priya Shah" in listed and "used" in listed and "priya" in listed
    finally:
        app.extensions["site"].close()


def test_invitations_from_a_csv_with_a_name_column_capped(app: Any, site: Any) -> None:
    organiser = app.test_client()
    make_admin(site, organiser)

    def send(content: bytes, names: str = "") -> Any:
        data = {
            "csrf_token": csrf_token(organiser, "/admin/invitations"),
            "names": names,
            "file": (io.BytesIO(content), "people.csv"),
        }
        return organiser.post("/admin/invitations", data=data, content_type="multipart/form-data")

    made = send("Team,Name\nA,Zoë Brown\nB,Ali Khan\n".encode())
    assert made.status_code == 200 and "Zoë Brown" in made.text and "Ali Khan" in made.text
    no_column = send(b"who\nA\n")
    assert no_column.status_code == 400 and "no column called name" in no_column.text
    many = send(("name\n" + "\n".join(f"person {i}" for i in range(250))).encode())
    assert many.status_code == 400 and "At most 200 invitations" in many.text
    huge = send(b"name\n" + b"x" * 300_000)
    assert huge.status_code == 400 and "larger than 200 kB" in huge.text


def test_too_many_sign_up_attempts_from_one_address_are_a_429(settings: Any) -> None:
    app = app_with(settings, sign_up_limit="3/hour")
    try:
        organiser = app.test_client()
        make_admin(app.extensions["site"], organiser)
        set_code(organiser, "ROOM-1234")
        client = app.test_client()
        for _ in range(3):  # wrong codes count
            assert sign_up(client, code="WRONG-0000").status_code == 400
        over = sign_up(client, code="ROOM-1234")  # even the right one waits
        assert over.status_code == 429
        assert "Too many sign-up attempts from your address. Try again in" in over.text
        assert int(over.headers["Retry-After"]) > 0 and signed_in_as(client) == ""
    finally:
        app.extensions["site"].close()


def test_an_foi_draft_is_kept_through_sign_up(settings: Any) -> None:
    app = app_with(settings, sign_up="anyone")
    try:
        client = app.test_client()
        draft = {
            "csrf_token": csrf_token(client, "/requests/new"),
            "title": "Potholes reported in 2024",
            "authority": "Birmingham City Council",
            "breakdown": "by ward & by month",
        }
        assert "make an account" in client.get("/requests/new").text
        sent = client.post("/requests/new", data=draft)
        assert sent.status_code == 303 and "/login" in sent.headers["Location"]
        back = parse_qs(urlparse(sent.headers["Location"]).query)["next"][0]
        login = client.get(sent.headers["Location"]).text
        assert "make an account" in login or "Sign up" in login
        register = f"/register?{urlparse(sent.headers['Location']).query}"
        assert "/register?next=" in login.replace("&amp;", "&")
        done = sign_up(client, register)
        assert done.status_code == 303 and done.headers["Location"] == back
        form = client.get(back).text
        assert 'value="Potholes reported in 2024"' in form
        assert 'value="Birmingham City Council"' in form
        assert 'value="by ward &amp; by month"' in form
    finally:
        app.extensions["site"].close()
