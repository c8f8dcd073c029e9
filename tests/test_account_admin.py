"""The organiser's account pages and your own profile (issue 15, point 1): only site admins
reach /admin/...; an admin finds accounts, makes site admins, disables an account (its
sessions end, it cannot sign in, its API tokens are refused) and makes a password reset
link that works once; a volunteer's display name is shown where their work is named."""

from __future__ import annotations

import re
from typing import Any

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from tests.test_sign_up import make_admin, signed_in_as
from tests.test_web import PASSWORD, csrf_token, finished, sign_in, upload


def user_id(site: Any, username: str) -> int:
    from sqlalchemy import select

    from catalog.db.models import User

    with site.session() as session:
        found = session.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found


def press(client: Any, path: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/users")})


def test_only_site_admins_reach_the_admin_pages(app: Any, client: Any, site: Any) -> None:
    pages = ("/admin/users", "/admin/sign-up", "/admin/invitations", "/admin/sign-up/screen")
    for path in pages:
        assert client.get(path).status_code == 302  # a visitor is sent to sign in
    sign_in(client, site, "volunteer")
    for path in pages:
        refused = client.get(path)
        assert refused.status_code == 403 and "ask the site&#39;s organiser" in refused.text
    other = user_id(site, "volunteer")
    assert client.post(f"/admin/users/{other}/admin", data={}).status_code in (400, 403)
    organiser = app.test_client()
    make_admin(site, organiser)
    for path in pages:
        page = organiser.get(path)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        for link in ("/admin/users", "/admin/sign-up", "/admin/invitations"):
            assert f'href="{link}"' in page.text or path.endswith("screen")


def test_an_admin_finds_accounts_and_makes_a_site_admin(app: Any, site: Any) -> None:
    with site.session() as session:
        create_user(session, "priya", PASSWORD, display_name="Priya Shah")
        create_user(session, "tom", PASSWORD)
        session.commit()
    organiser = app.test_client()
    make_admin(site, organiser)
    found = organiser.get("/admin/users?q=SHAH").text
    assert "priya" in found and "tom" not in found and "1 account matching" in found
    assert "3 accounts" in organiser.get("/admin/users").text
    assert "0 accounts" in organiser.get("/admin/users?q=%25").text  # % is no wildcard
    priya = user_id(site, "priya")
    assert press(organiser, f"/admin/users/{priya}/admin").status_code == 303
    assert "priya is now a site admin" in organiser.get("/admin/users").text
    promoted = app.test_client()
    form = {"username": "priya", "password": PASSWORD, "csrf_token": csrf_token(promoted, "/login")}
    promoted.post("/login", data=form)
    assert promoted.get("/admin/users").status_code == 200
    assert press(organiser, f"/admin/users/{priya}/unadmin").status_code == 303
    assert promoted.get("/admin/users").status_code == 403
    # An admin cannot lock themselves out.
    own = user_id(site, "organiser")
    refused = press(organiser, f"/admin/users/{own}/disable")
    assert refused.status_code == 400 and "another site admin can" in refused.text


def test_a_disabled_account_is_signed_out_cannot_sign_in_and_its_tokens_stop(
    app: Any, client: Any, site: Any
) -> None:
    sign_in(client, site, "tom")
    tom = user_id(site, "tom")
    with site.session() as session:
        _, token = create_token(session, tom, "script")
        session.commit()
    api = app.test_client()
    headers = {"Authorization": token}
    assert api.get("/api/3/action/api_token_list", headers=headers).status_code == 200
    organiser = app.test_client()
    make_admin(site, organiser)
    assert press(organiser, f"/admin/users/{tom}/disable").status_code == 303

    assert signed_in_as(client) == ""  # this browser's session ended
    form = {"username": "tom", "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
    refused = client.post("/login", data=form)
    assert refused.status_code == 403 and "This account is disabled" in refused.text
    answer = api.get("/api/3/action/api_token_list", headers=headers)
    assert answer.status_code == 403 and "disabled" in answer.json["error"]["message"]

    assert press(organiser, f"/admin/users/{tom}/enable").status_code == 303
    form["csrf_token"] = csrf_token(client, "/login")
    assert client.post("/login", data=form).status_code == 302
    assert api.get("/api/3/action/api_token_list", headers=headers).status_code == 200


def test_a_reset_link_sets_a_new_password_once_and_ends_other_sessions(
    app: Any, client: Any, site: Any
) -> None:
    sign_in(client, site, "tom")  # a browser signed in as tom, say a lost laptop
    organiser = app.test_client()
    make_admin(site, organiser)
    tom = user_id(site, "tom")
    first = press(organiser, f"/admin/users/{tom}/reset")
    made = press(organiser, f"/admin/users/{tom}/reset")
    assert made.status_code == 200 and "shown only now" in made.text
    links = [re.search(r"http://localhost(/reset/[\w-]+)", p.text) for p in (first, made)]
    assert links[0] and links[1]
    old, link = links[0].group(1), links[1].group(1)
    holder = app.test_client()
    assert holder.get(old).status_code == 410  # a newer link replaced it
    page = holder.get(link)
    assert page.status_code == 200 and "tom" in page.text
    new = "a brand new password"
    token = csrf_token(holder, link)
    differ = holder.post(link, data={"csrf_token": token, "new": new, "again": "something else"})
    assert differ.status_code == 400
    done = holder.post(link, data={"csrf_token": token, "new": new, "again": new})
    assert done.status_code == 303 and signed_in_as(holder) == "tom"
    assert signed_in_as(client) == ""  # the other browser is signed out
    again = app.test_client().get(link)
    assert again.status_code == 410 and "has been used already" in again.text
    form = {"username": "tom", "password": new, "csrf_token": csrf_token(client, "/login")}
    assert client.post("/login", data=form).status_code == 302


def test_a_volunteer_names_themselves_and_their_work_shows_it(client: Any, site: Any) -> None:
    assert client.get("/account/profile").status_code == 302
    sign_in(client, site, "priya")
    token = csrf_token(client, "/account/profile")
    bad = client.post(
        "/account/profile", data={"csrf_token": token, "display_name": "Priya", "email": "no"}
    )
    assert bad.status_code == 400 and "does not look like one" in bad.text
    long = client.post("/account/profile", data={"csrf_token": token, "display_name": "x" * 101})
    assert long.status_code == 400
    saved = client.post(
        "/account/profile",
        data={"csrf_token": token, "display_name": "  Priya   Shah ", "email": "p@example.org"},
    )
    assert saved.status_code == 303
    assert 'value="Priya Shah"' in client.get("/account/profile").text
    finished(client, site, upload(client, "valid/gdp/data/gdp.csv", None, title="GDP"))
    twin = client.get("/dataset/gdp.json").json
    assert twin["version"]["published_by"] == "Priya Shah"
    assert "published by Priya Shah" in client.get("/dataset/gdp").text
