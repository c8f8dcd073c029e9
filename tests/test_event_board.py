"""The organisers' room (issue 15, point 4): the event board shows a published upload, a
rejected one and a request for help from three accounts within one refresh, the day's
CSV lists them, mentors take and finish requests, and nobody else sees any of it."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import zipfile
from typing import Any

import pytest

from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.event.day import event_day
from catalog.event.day_export import safe_cell
from catalog.site import Site
from tests.factories import spend_workbook
from tests.test_requests import draft, make_authority
from tests.test_web import (
    PASSWORD,
    csrf_token,
    finished,
    post_multipart,
    reviewed,
    sign_in,
    upload,
)

WRONG_TYPES = "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv"
WRONG_SCHEMA = "invalid/uk-spend-bis-wrong-types/bis-modified.json"
ADMIN_PAGES = ("/admin", "/admin/organisations", "/admin/board", "/admin/board.json")


def sign_in_admin(client: Any, site: Any, username: str = "organiser") -> Any:
    with site.session() as session:
        create_user(session, username, PASSWORD, is_admin=True)
        session.commit()
    token = csrf_token(client, "/login")
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    return client


def volunteer(client: Any, site: Any, username: str) -> Any:
    other = client.application.test_client()
    sign_in(other, site, username)
    return other


def ask_for_help(client: Any, page: Any, note: str = "") -> Any:
    """The "I need a hand" form of a report or job page, sent with `note`."""
    form = re.search(r'<form method="post" action="/help">(.*?)</form>', page.text, re.S)
    assert form, "no help form on the page"
    fields = dict(re.findall(r'name="(csrf_token|page|job_id)" value="([^"]*)"', form.group(1)))
    return client.post("/help", data={**fields, "note": note})


def rejected(client: Any, site: Any) -> Any:
    """An upload past its review (its fixes taken) to its report: it needs fixing."""
    review = finished(client, site, upload(client, WRONG_TYPES, WRONG_SCHEMA, title="Spend"))
    page = reviewed(client, site, review)
    assert "was not published" in page.text
    return page


def failed(client: Any, site: Any, tmp_path: Any) -> None:
    """An upload that fails: a workbook whose workbook part is lost."""
    workbook = spend_workbook(tmp_path / "spend.xlsx")
    broken = io.BytesIO()
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(broken, "w") as out:
        for name in source.namelist():
            if name != "xl/workbook.xml":
                out.writestr(name, source.read(name))
    form = {
        "csrf_token": csrf_token(client, "/upload"),
        "file": (io.BytesIO(broken.getvalue()), "broken.xlsx"),
        "schema_source": "infer",
        "title": "Broken",
        "licence": "uk-ogl",
    }
    page = finished(client, site, post_multipart(client, "/upload", form))
    assert "could not be read" in page.text


def test_the_board_shows_a_published_upload_a_rejected_one_and_a_help_request(
    client: Any, site: Any, tmp_path: Any
) -> None:
    priya, sam, lee = (volunteer(client, site, name) for name in ("priya", "sam", "lee"))
    page = finished(
        priya,
        site,
        upload(priya, "valid/gdp/data/gdp.csv", None, title="GDP", organisation="Open Town"),
    )
    assert "Published version 1" in page.text
    rejected(sam, site)
    report = rejected(lee, site)
    failed(sam, site, tmp_path)
    asked = ask_for_help(lee, report, "The amounts column says =SUM(A1) is wrong")
    assert asked.status_code == 303
    assert "A mentor has been asked" in lee.get(asked.headers["Location"]).text
    sign_in_admin(client, site)

    board = client.get("/admin/board")  # one refresh of the page, and one of its twin
    twin = client.get("/admin/board.json").json
    assert board.status_code == 200 and board.headers["Cache-Control"] == "no-store"
    assert '<meta http-equiv="refresh" content="15">' in board.text
    assert twin["counts"] == {"published": 1, "needs_fixing": 2, "failed": 1, "in_progress": 0}
    [shown] = twin["uploads"]["published"]
    assert (shown["file"], shown["who"], shown["dataset_name"]) == ("gdp.csv", "priya", "gdp")
    assert shown["when"] == re.findall(r"\d\d:\d\d", shown["at"])[0]
    assert {u["who"] for u in twin["uploads"]["needs_fixing"]} == {"sam", "lee"}
    [flag] = twin["help"]["open"]
    assert flag["who"] == "lee" and flag["note"].startswith("The amounts column")
    assert flag["page"] == asked.headers["Location"] and flag["job_id"] in flag["page"]
    assert twin["per_person"] == [{"who": "priya", "datasets": 1, "versions": 1}]
    assert [(t["title"], t["datasets"]) for t in twin["per_team"]] == [("Open Town", 1)]
    assert twin["oldest_waiting"]["who"] == "sam"
    text = board.text
    assert 'gdp.csv</a> <span class="meta">priya, ' in text and "Published: 1" in text
    assert "Needs fixing: 2" in text and "Waiting longest for a fix" in text
    assert "Failed: 1" in text and "broken.xlsx</a>" in text
    assert "<strong>lee</strong> asked at" in text and "nobody has taken it yet" in text
    assert "The amounts column says =SUM(A1) is wrong" in text

    export = client.get("/admin/export.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text)))
    kinds = [(r["kind"], r["who"]) for r in rows]
    assert kinds == [
        ("published", "priya"),
        ("needs-fixing", "sam"),
        ("needs-fixing", "lee"),
        ("failed", "sam"),
        ("help", "lee"),
    ]
    assert rows[0]["dataset"] == "gdp" and rows[0]["version"] == "1"
    assert rows[0]["organisation"] == "Open Town" and rows[0]["state"] == "published"
    assert "could not be read" in rows[3]["note"] and rows[3]["title"] == "broken.xlsx"
    assert rows[4]["note"] == "The amounts column says =SUM(A1) is wrong"  # not a formula here
    assert rows[4]["upload"] == flag["job_id"]


def test_only_site_admins_see_the_organisers_room(client: Any, site: Any) -> None:
    for path in (*ADMIN_PAGES, "/admin/export.csv"):
        answer = client.get(path)  # a visitor is sent to sign in
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
    sign_in(client, site, "sam")
    for path in (*ADMIN_PAGES, "/admin/export.csv"):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/upload")
    assert client.post("/admin/help/1/take", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/help/1/done", data={"csrf_token": token}).status_code == 404
    assert 'href="/admin"' not in client.get("/").text  # the nav link is for admins only

    admin = sign_in_admin(client.application.test_client(), site)
    home = admin.get("/").text
    assert 'href="/admin">Admin</a>' in home
    index = admin.get("/admin").text
    for link in ("/admin/board", "/admin/organisations", "/admin/export.csv"):
        assert f'href="{link}"' in index
    for link in ("/admin/users", "/admin/sign-up", "/admin/invitations"):  # branch accounts'
        assert f'href="{link}"' in index


def test_a_mentor_takes_a_request_and_marks_it_done(client: Any, site: Any) -> None:
    lee = volunteer(client, site, "lee")
    report = rejected(lee, site)
    here = lee.get(ask_for_help(lee, report).headers["Location"])
    assert "A mentor has been asked" in here.text and "I need a hand</button>" not in here.text
    again = ask_for_help(lee, report, "still stuck")  # the same page: the same request
    assert "You have asked already" in lee.get(again.headers["Location"]).text
    mentor = sign_in_admin(client, site, "mentor")
    [flag] = mentor.get("/admin/board.json").json["help"]["open"]
    assert flag["note"] == "still stuck"

    token = csrf_token(mentor, "/admin/board")
    taken = mentor.post(flag["take_url"], data={"csrf_token": token})
    assert taken.status_code == 303 and taken.headers["Location"] == "/admin/board"
    assert "You have taken lee&#39;s request" in mentor.get("/admin/board").text
    twin = mentor.get("/admin/board.json").json["help"]
    assert twin["open"] == [] and [f["mentor"] for f in twin["taken"]] == ["mentor"]
    assert "mentor is on the way" in lee.get(report.request.path).text

    other = sign_in_admin(client.application.test_client(), site, "second")
    refused = other.post(flag["take_url"], data={"csrf_token": csrf_token(other, "/admin")})
    assert refused.status_code == 409 and "mentor has already taken" in refused.text

    assert mentor.post(flag["done_url"], data={"csrf_token": token}).status_code == 303
    assert mentor.get("/admin/board.json").json["help"] == {"open": [], "taken": []}
    page = lee.get(report.request.path).text
    assert "mentor marked your last request for help done" in page
    assert "I need a hand</button>" in page  # and may ask again
    rows = list(csv.DictReader(io.StringIO(mentor.get("/admin/export.csv").text)))
    assert [(r["kind"], r["state"], r["mentor"]) for r in rows if r["kind"] == "help"] == [
        ("help", "done", "mentor")
    ]


def test_asking_for_help_is_checked_before_anything_is_kept(client: Any, site: Any) -> None:
    token = csrf_token(client, "/login")
    assert client.post("/help", data={"csrf_token": token, "page": "/"}).status_code == 302
    lee = volunteer(client, site, "lee")
    report = rejected(lee, site)
    job_id = report.request.path.rsplit("/", 1)[-1]
    token = csrf_token(lee, report.request.path)

    def ask(**form: str) -> Any:
        return lee.post("/help", data={"csrf_token": token, "page": "/", **form})

    assert ask(note="x" * 501).status_code == 400
    assert ask(page="https://elsewhere.example/").status_code == 400
    for elsewhere in ("//elsewhere.example/", "/\t/elsewhere.example/", "/\\elsewhere.example"):
        assert ask(page=elsewhere).status_code == 400, elsewhere
    assert lee.post("/help", data={"page": "/", "note": "hi"}).status_code == 400  # no CSRF
    sam = volunteer(client, site, "sam")
    sams = sam.post(
        "/help", data={"csrf_token": csrf_token(sam, "/upload"), "page": "/", "job_id": job_id}
    )
    assert sams.status_code == 404  # someone else's upload
    for n in range(3):
        assert ask(page=f"/uploads/{n}").status_code == 303
    assert "requests for help waiting already" in ask(page="/uploads/4").text


def test_the_export_guards_against_formulas_and_keeps_foi_letters_private(
    client: Any, site: Any
) -> None:
    assert [safe_cell(v) for v in ("=1+1", "+44", "-2", "@SUM", "\tx", "plain", None, 3)] == [
        "'=1+1",
        "'+44",
        "'-2",
        "'@SUM",
        "'\tx",
        "plain",
        "",
        "3",
    ]
    make_authority(site)
    sign_in(client, site, "ada")
    draft(client, '=HYPERLINK("http://x") Potholes repaired', letter="Ada, 1 Secret Street")
    admin = sign_in_admin(client.application.test_client(), site)
    export = admin.get("/admin/export.csv").text
    [row] = [r for r in csv.DictReader(io.StringIO(export)) if r["kind"] == "foi-request"]
    assert row["title"].startswith("'=HYPERLINK")
    assert (row["authority"], row["state"], row["who"]) == ("Leeds City Council", "draft", "")
    assert "Secret Street" not in export


def test_the_day_is_the_sites_day() -> None:
    summer = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)  # already 2 July in London
    london = event_day("Europe/London", summer)
    assert london.date == dt.date(2026, 7, 2)
    assert (london.start, london.end) == (dt.datetime(2026, 7, 1, 23), dt.datetime(2026, 7, 2, 23))
    assert london.clock(dt.datetime(2026, 7, 2, 10, 42)) == "11:42"
    utc = event_day("", summer)
    assert utc.date == dt.date(2026, 7, 1) and utc.zone_name == "UTC"
    with pytest.raises(ValueError, match="DATASTORE_TIME_ZONE"):
        event_day("Mars/Olympus")


def test_a_wrong_time_zone_stops_the_site_at_its_start(settings: Any) -> None:
    site = Site(dataclasses.replace(settings, time_zone="Europe/Atlantis"))
    try:
        with pytest.raises(ValueError, match="DATASTORE_TIME_ZONE must be a time zone name"):
            create_app(site=site)
    finally:
        site.close()
    london = create_app(dataclasses.replace(settings, time_zone="Europe/London"))
    london.extensions["site"].close()
