"""A volunteer's own work: My datasets and My uploads list what they published and sent,
the rejected uploads waiting for a fix included, and nobody else's (issue 15, point 3)."""

from __future__ import annotations

from typing import Any

from tests.test_web import PASSWORD, csrf_token, finished, sign_in, upload

WRONG_TYPES = "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv"
WRONG_SCHEMA = "invalid/uk-spend-bis-wrong-types/bis-modified.json"


def test_my_datasets_and_my_uploads_list_the_volunteers_own_work(client: Any, site: Any) -> None:
    assert client.get("/account/uploads").status_code == 302  # a visitor is sent to sign in
    assert client.get("/account/datasets.json").status_code == 302
    sign_in(client, site)
    published = finished(client, site, upload(client, "valid/gdp/data/gdp.csv", None, title="GDP"))
    assert "Published version 1" in published.text
    finished(client, site, upload(client, WRONG_TYPES, WRONG_SCHEMA, title="Spend"))  # stops

    uploads = client.get("/account/uploads.json").json
    assert uploads["total"] == 2 and uploads["waiting_for_fix"] == 1
    states = [(u["original_name"], u["label"]) for u in uploads["uploads"]]
    assert states == [
        ("invalid-on-bis-modified-schema.csv", "Needs fixing"),
        ("gdp.csv", "Published"),
    ]
    page = client.get("/account/uploads")
    assert page.status_code == 200 and "1 waiting for a fix" in page.text
    assert 'Published as <a href="/dataset/gdp">gdp</a>, version 1' in page.text
    assert f'<a href="/uploads/{uploads["uploads"][0]["id"]}">Needs fixing</a>' in page.text

    datasets = client.get("/account/datasets.json").json
    assert [d["name"] for d in datasets["datasets"]] == ["gdp"] and datasets["total"] == 1
    assert "GDP" in client.get("/account/datasets").text
    nav = client.get("/").text
    assert (
        'href="/account/datasets">My datasets' in nav
        and 'href="/account/uploads">My uploads' in nav
    )

    # Another volunteer sees none of it: their own lists are empty.
    other = site_client(client)
    sign_in(other, site, "other")
    assert other.get("/account/uploads.json").json["total"] == 0
    assert other.get("/account/datasets.json").json["datasets"] == []
    assert "You have not sent an upload yet" in other.get("/account/uploads").text


def site_client(client: Any) -> Any:
    return client.application.test_client()


def test_a_page_beyond_the_last_is_empty_not_an_error(client: Any, site: Any) -> None:
    sign_in(client, site)
    answer = client.get("/account/uploads.json?page=99")
    assert answer.status_code == 200 and answer.json["uploads"] == [] and answer.json["page"] == 99
    assert client.get("/account/datasets?page=x").status_code == 400
    assert csrf_token and PASSWORD  # the helpers the other tests share


def test_every_version_says_who_published_it(client: Any, site: Any) -> None:
    sign_in(client, site, "priya")
    page = finished(
        client,
        site,
        upload(client, "valid/gdp/data/gdp.csv", None, title="GDP", organisation="Open Town"),
    )
    assert "Published version 1" in page.text
    shown = client.get("/api/3/action/package_show?id=gdp").json["result"]
    assert shown["name"] == "gdp"
    twin = client.get("/dataset/gdp.json").json
    assert twin["version"]["published_by"] == "priya"
    assert [v["published_by"] for v in twin["all_versions"]] == ["priya"]
    text = client.get("/dataset/gdp").text
    when = twin["version"]["created"][:16].replace("T", " ")
    assert f"version 1 published by priya, Open Town, {when}" in text
    assert "rows, published by priya</li>" in text


def test_the_new_version_link_is_shown_only_to_who_may_use_it_and_a_refusal_says_who_grants(
    client: Any, site: Any
) -> None:
    sign_in(client, site, "priya")
    finished(
        client,
        site,
        upload(client, "valid/gdp/data/gdp.csv", None, title="GDP", organisation="Open Town"),
    )
    assert "Upload a new version" in client.get("/dataset/gdp").text
    assert client.get("/dataset/gdp.json").json["can_edit"] is True

    other = client.application.test_client()
    sign_in(other, site, "sam")
    assert "Upload a new version" not in other.get("/dataset/gdp").text
    assert other.get("/dataset/gdp.json").json["can_edit"] is False
    assert client.application.test_client().get("/dataset/gdp.json").json["can_edit"] is False
    refused = upload(other, "valid/gdp/data/gdp.csv", None, dataset="gdp", allow_copy="y")
    assert refused.status_code == 403  # the form says so at once, what was typed kept
    text = refused.text.replace("&#39;", "'")
    assert "You may not change the dataset 'gdp'." in text, text[-3000:]
    assert "ask priya (its admin) to add you as an editor" in text


def test_a_volunteer_changes_their_own_password_and_only_this_browser_stays_in(
    client: Any, site: Any
) -> None:
    sign_in(client, site, "priya")
    elsewhere = client.application.test_client()  # the same account on another machine
    token = csrf_token(elsewhere, "/login")
    form = {"username": "priya", "password": PASSWORD, "csrf_token": token}
    assert elsewhere.post("/login", data=form).status_code == 302
    assert elsewhere.get("/account/uploads").status_code == 200

    page = client.get("/account/password")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    new = "a new and longer passphrase"

    def change(current: str, first: str, again: str) -> Any:
        data = {"current": current, "new": first, "again": again}
        return client.post(
            "/account/password",
            data={**data, "csrf_token": csrf_token(client, "/account/password")},
        )

    wrong = change("not it at all", new, new)
    assert wrong.status_code == 400 and "That is not your password now." in wrong.text
    differ = change(PASSWORD, new, new + "x")
    assert differ.status_code == 400 and "The two new passwords differ." in differ.text
    short = change(PASSWORD, "short", "short")
    assert short.status_code == 400 and "10 characters or more" in short.text
    done = change(PASSWORD, new, new)
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/datasets")
    assert client.get("/account/uploads").status_code == 200  # this browser stays in
    assert elsewhere.get("/account/uploads").status_code == 302  # the other is signed out
    again = {"username": "priya", "csrf_token": csrf_token(elsewhere, "/login")}
    assert elsewhere.post("/login", data={**again, "password": PASSWORD}).status_code == 401
    assert elsewhere.post("/login", data={**again, "password": new}).status_code == 302
