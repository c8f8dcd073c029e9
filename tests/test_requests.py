"""FOI requests, driven through the real app: from a search that found nothing, through the
letter and its linter, sending, the deadline, to the answer published as a dataset."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

import icalendar
import pytest
from sqlalchemy import select

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.db.models import User
from catalog.foi.authorities import save_authority, seed_authorities
from catalog.foi.deadlines import due_date, uk_today
from catalog.viewer import Viewer
from tests.test_web import PASSWORD, csrf_token, published, reviewed, sign_in, upload

GOOD_LETTER = """Subject: Freedom of Information request: annual average 10-year gilt yields

{today}

Dear UK Debt Management Office,

Under the Freedom of Information Act 2000, please send me the following recorded information:

The annual average yield of the 10-year conventional gilt, for each calendar year from 1984
to 2024.

Under section 11(1A) of the Act, please provide the information as a dataset in a re-usable,
machine-readable form, such as a CSV file, and tell me the licence under which I may re-use it.

Yours faithfully,

Ada Lovelace
ada.lovelace@example.org
"""


def state_of(client: Any, request_id: int) -> str:
    return str(client.get(f"/request/{request_id}.json").json["state"])


def post_form(client: Any, page: str, action: str, **data: Any) -> Any:
    return client.post(action, data={"csrf_token": csrf_token(client, page), **data})


def sign_in_as(client: Any, site: Any, username: str) -> None:
    """Sign out whoever is signed in, and in as `username` (made on first use)."""
    client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    with site.session() as db:
        if db.scalar(select(User).where(User.username == username)) is None:
            create_user(db, username, PASSWORD)
            db.commit()
    token = csrf_token(client, "/login")
    login = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302


def test_the_whole_loop_from_a_failed_search_to_a_published_answer(client: Any, site: Any) -> None:
    with site.session() as db:
        seed_authorities(db)
        db.commit()
    sign_in(client, site, "ada")

    # 1. A search that finds nothing offers to ask for the data, pre-filled from the search.
    page = client.get("/search?q=gilt+yields+annual")
    assert page.status_code == 200
    assert "Can't find it? Ask for it" in page.text
    ask = re.search(r'href="(/requests/new\?[^"]+)"', page.text)
    assert ask, page.text
    ask_url = ask.group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(ask_url).query)["q"] == ["gilt yields annual"]
    client.get("/search?q=gilt+yields+annual&sort=title")  # the same visitor: counted once
    assert client.get("/requests/wanted.json").json == []
    # A second visitor's miss: it is now "most wanted".
    client.application.test_client().get("/search?q=Gilt   yields annual")
    wanted = client.get("/requests/wanted.json").json
    assert [(w["query"], w["searches"]) for w in wanted] == [("gilt yields annual", 2)]

    form = client.get(ask_url)
    assert 'value="Gilt yields annual"' in form.text
    # The type-ahead finds the body that holds it.
    names = [a["name"] for a in client.get("/authorities.json?q=debt management").json]
    assert "UK Debt Management Office" in names

    # 2. A draft: the letter is written for them, and the linter says what is missing.
    created = post_form(
        client,
        ask_url,
        "/requests/new",
        title="Annual average 10-year gilt yields",
        authority="UK Debt Management Office",
        date_from="1984",
        date_to="2024",
        breakdown="by calendar year",
        search_query="gilt yields annual",
    )
    assert created.status_code == 303, created.text
    request_url = created.headers["Location"]
    request_id = int(request_url.rsplit("/", 1)[-1])
    page = client.get(request_url)
    assert "Dear UK Debt Management Office" in page.text
    codes = set(re.findall(r'data-code="([a-z-]+)"', page.text))
    assert codes == {"template-unchanged", "no-real-name", "no-contact-address"}

    # A bad letter is explained problem by problem, in plain words with ICO links.
    shouting = (
        "SUBJECT: FOI\n\nWHY DID YOU STOP PUBLISHING GILT YIELDS? SEND ME ALL INFORMATION "
        "ABOUT IT.\n\nYOURS FAITHFULLY,\n\nADA\n"
    )
    saved = post_form(client, request_url, f"{request_url}/letter", letter=shouting)
    assert saved.status_code == 303
    page = client.get(request_url)
    codes = set(re.findall(r'data-code="([a-z-]+)"', page.text))
    assert {"asks-a-question", "all-capitals", "too-broad", "no-date-range"} <= codes
    assert "ico.org.uk" in page.text

    # A good letter: nothing to fix.
    letter = GOOD_LETTER.format(today=uk_today().strftime("%-d %B %Y"))
    post_form(client, request_url, f"{request_url}/letter", letter=letter)
    page = client.get(request_url)
    assert "data-code=" not in page.text
    assert "The letter has everything a valid request needs" in page.text

    # We send nothing: the letter as a mailto link, a .txt and an .eml to send yourself.
    mailto = re.search(r'href="(mailto:[^"]+)"', page.text)
    assert mailto
    query = parse_qs(urlparse(mailto.group(1).replace("&amp;", "&")).query)
    assert query["subject"] == [
        "Freedom of Information request: annual average 10-year gilt yields"
    ]
    assert "Ada Lovelace" in unquote(query["body"][0])
    text = client.get(f"{request_url}/letter.txt")
    assert text.headers["Content-Disposition"].startswith("attachment")
    assert b"Ada Lovelace\r\n" in text.data
    eml = email.message_from_bytes(
        client.get(f"{request_url}/letter.eml").data, policy=email.policy.default
    )
    assert eml["X-Unsent"] == "1"
    assert "Ada Lovelace" in eml.get_content()

    # 3. Sent: the requester records the day; six weeks on, it is overdue.
    sent_on = uk_today() - dt.timedelta(days=60)
    recorded = post_form(
        client, request_url, f"{request_url}/state", state="sent", on=sent_on.isoformat()
    )
    assert recorded.status_code == 303, recorded.text
    shown = client.get(f"{request_url}.json").json
    assert shown["state"] == "overdue"
    assert shown["sent_on"] == sent_on.isoformat()
    assert shown["due"] == due_date(sent_on).isoformat()
    assert "Overdue by" in client.get(request_url).text
    listed = client.get("/requests.json?state=overdue").json
    assert [r["id"] for r in listed["results"]] == [request_id]
    assert client.get("/requests.json?state=sent").json["total"] == 0
    calendar = icalendar.Calendar.from_ical(client.get(f"{request_url}/deadline.ics").data)
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("DTSTART") == due_date(sent_on)

    # Another researcher wants the same data: they are shown the request and follow it.
    sign_in_as(client, site, "grace")
    again = client.get("/requests/new?q=10-year+gilt+yields")
    assert "Has someone asked already?" in again.text
    assert f"/request/{request_id}" in again.text
    other_view = client.get(request_url)
    assert "Ada Lovelace" not in other_view.text  # the letter holds her address: hers only
    post_form(client, request_url, f"{request_url}/follow")
    assert client.get(f"{request_url}.json").json["followers"] == 1
    assert client.get(f"{request_url}/letter.txt").status_code == 403

    # 4. The answer arrives: "Add the answer as a dataset" opens the upload, pre-filled.
    sign_in_as(client, site, "ada")
    page = client.get(request_url)
    assert f'href="/upload?request={request_id}"' in page.text
    form = client.get(f"/upload?request={request_id}")
    assert 'value="Annual average 10-year gilt yields"' in form.text
    assert 'value="UK Debt Management Office"' in form.text
    assert re.search(
        r'<option selected value="uk-ogl">|<option value="uk-ogl" selected>', form.text
    )
    assert f"http://localhost/request/{request_id}" in form.text
    response = upload(
        client,
        "valid/uk-gilt-yields-10y/data/annual.csv",
        None,
        title="Annual average 10-year gilt yields",
        organisation="UK Debt Management Office",
        licence="uk-ogl",
        source_url=f"http://localhost/request/{request_id}",
        request_id=str(request_id),
    )
    name = published(client, site, response)

    # 5. Published: the request is successful and the two link to each other.
    shown = client.get(f"{request_url}.json").json
    assert shown["state"] == "successful"
    assert shown["dataset"]["name"] == name
    assert f"/dataset/{name}" in client.get(request_url).text
    dataset_page = client.get(f"/dataset/{name}")
    assert "Published in answer to the FOI request" in dataset_page.text
    assert f"/request/{request_id}" in dataset_page.text
    assert client.get(f"/dataset/{name}.json").json["foi_requests"][0]["id"] == request_id
    # Its data now answers the search, so it leaves the "most wanted" list.
    assert client.get("/requests/wanted.json").json == []


# The pieces -------------------------------------------------------------------------------


def make_authority(site: Any, name: str = "Leeds City Council", **fields: Any) -> str:
    with site.session() as db:
        admin = Viewer.system()
        authority = save_authority(db, admin, {"name": name, **fields})
        db.commit()
        return authority.slug


def draft(client: Any, title: str, authority: str = "Leeds City Council", **fields: Any) -> int:
    created = post_form(
        client,
        "/requests/new",
        "/requests/new",
        title=title,
        authority=authority,
        date_from="2022",
        date_to="2024",
        **fields,
    )
    assert created.status_code == 303, created.text
    return int(created.headers["Location"].rsplit("/", 1)[-1])


def record(client: Any, request_id: int, state: str, on: dt.date, **fields: Any) -> Any:
    url = f"/request/{request_id}"
    return post_form(client, url, f"{url}/state", state=state, on=on.isoformat(), **fields)


def sent_request(client: Any, site: Any, title: str) -> int:
    """Leeds City Council asked, by ada (signed in), for `title`, sent today."""
    make_authority(site)
    sign_in(client, site, "ada")
    request_id = draft(client, title)
    record(client, request_id, "sent", uk_today())
    return request_id


def test_a_draft_is_its_requesters_until_sent(client: Any, site: Any) -> None:
    make_authority(site)
    assert client.post("/requests/new", data={}).status_code in (302, 303, 400)
    sign_in(client, site, "ada")
    request_id = draft(client, "Pothole repairs by ward")
    assert client.get("/requests.json").json["total"] == 0  # drafts are not public
    assert client.get("/requests.json?mine=1").json["total"] == 1
    sign_in_as(client, site, "grace")
    assert client.get(f"/request/{request_id}").status_code == 404
    assert client.get(f"/request/{request_id}.json").status_code == 404
    # Nor may anyone else change it.
    sign_in_as(client, site, "ada")
    record(client, request_id, "sent", uk_today())
    sign_in_as(client, site, "grace")
    refused = record(client, request_id, "successful", uk_today())
    assert refused.status_code == 403
    assert client.get("/requests.json").json["total"] == 1


def test_states_follow_the_act_and_the_clock_stops_for_clarification(
    client: Any, site: Any
) -> None:
    make_authority(site)
    sign_in(client, site, "ada")
    request_id = draft(client, "Pothole repairs by ward")
    today = uk_today()
    sent = today - dt.timedelta(days=40)
    asked = sent + dt.timedelta(days=7)
    answered = asked + dt.timedelta(days=14)
    # Nothing can be recorded in the future, or out of order, or skipping "sent".
    assert record(client, request_id, "successful", today).status_code == 400
    assert record(client, request_id, "sent", today + dt.timedelta(days=1)).status_code == 400
    assert record(client, request_id, "overdue", today).status_code == 400
    assert record(client, request_id, "sent", sent).status_code == 303
    assert record(client, request_id, "clarification-requested", sent).status_code == 303
    assert (
        record(client, request_id, "awaiting-response", sent - dt.timedelta(1)).status_code == 400
    )
    shown = client.get(f"/request/{request_id}.json").json
    assert shown["state"] == "clarification-requested"
    assert shown["due"] is None  # the clock is stopped
    assert record(client, request_id, "awaiting-response", answered).status_code == 303
    shown = client.get(f"/request/{request_id}.json").json
    assert shown["due"] == due_date(sent, [(sent, answered)]).isoformat()
    assert [e["state"] for e in shown["events"]] == [
        "draft",
        "sent",
        "clarification-requested",
        "awaiting-response",
    ]
    # Refused, then an internal review, due 20 working days after it was asked for.
    assert record(client, request_id, "refused", today, note="Section 12: cost").status_code == 303
    assert record(client, request_id, "internal-review", today).status_code == 303
    shown = client.get(f"/request/{request_id}.json").json
    assert shown["due"] == due_date(today).isoformat()
    assert shown["state"] == "internal-review"
    assert "Section 12: cost" in client.get(f"/request/{request_id}").text
    assert record(client, request_id, "withdrawn", today).status_code == 303
    assert client.get(f"/request/{request_id}.json").json["next_states"] == []


def test_the_letter_is_frozen_once_sent_and_outputs_are_the_requesters(
    client: Any, site: Any
) -> None:
    make_authority(site, foi_email="foi@leeds.gov.uk")
    sign_in(client, site, "ada")
    request_id = draft(client, "Pothole repairs by ward")
    url = f"/request/{request_id}"
    eml = email.message_from_bytes(
        client.get(f"{url}/letter.eml").data, policy=email.policy.default
    )
    assert eml["To"] == "foi@leeds.gov.uk"
    assert 'href="mailto:foi@leeds.gov.uk?subject=' in client.get(url).text.replace("&amp;", "&")
    assert client.get(f"{url}/deadline.ics").status_code == 400  # not sent: no due date
    record(client, request_id, "sent", uk_today())
    assert post_form(client, url, f"{url}/letter", letter="Changed").status_code == 400
    assert client.get(f"{url}/deadline.ics").headers["Content-Type"].startswith("text/calendar")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    assert client.get(f"{url}/letter.txt").status_code in (302, 303)
    assert client.get(f"{url}/deadline.ics").status_code == 200  # the deadline is public


def test_the_ask_form_needs_a_known_body_and_names_whats_wrong(client: Any, site: Any) -> None:
    make_authority(site)
    sign_in(client, site, "ada")
    missing = post_form(
        client, "/requests/new", "/requests/new", title="Potholes", authority="Nowhere Council"
    )
    assert missing.status_code == 400
    assert "Pick a body from the list" in missing.text
    short = post_form(
        client, "/requests/new", "/requests/new", title="x", authority="Leeds City Council"
    )
    assert short.status_code == 400
    assert "Say what information you want" in short.text
    escaped = post_form(
        client,
        "/requests/new",
        "/requests/new",
        title="<script>alert(1)</script> repairs",
        authority="Leeds City Council",
    )
    assert escaped.status_code == 303
    page = client.get(escaped.headers["Location"])
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    without_csrf = client.post(
        "/requests/new", data={"title": "Potholes again", "authority": "Leeds City Council"}
    )
    assert without_csrf.status_code == 400


def test_similar_requests_are_offered_before_a_new_one(client: Any, site: Any) -> None:
    make_authority(site)
    sign_in(client, site, "ada")
    first = draft(client, "Pothole repairs by ward")
    record(client, first, "sent", uk_today())
    sign_in_as(client, site, "grace")
    refused = post_form(
        client,
        "/requests/new",
        "/requests/new",
        title="Potholes repaired in each ward",
        authority="Leeds City Council",
    )
    assert refused.status_code == 400
    assert "Has someone asked already?" in refused.text
    assert f"/request/{first}" in refused.text
    second = draft(client, "Potholes repaired in each ward", confirm_new="y")
    assert second != first
    # Different topics are not offered.
    assert "Has someone asked" not in client.get("/requests/new?q=school+meals").text


def test_the_public_list_filters_by_body_and_state(client: Any, site: Any) -> None:
    leeds = make_authority(site)
    york = make_authority(site, "City of York Council")
    sign_in(client, site, "ada")
    a = draft(client, "Pothole repairs by ward")
    b = draft(client, "School meals served", authority="City of York Council")
    record(client, a, "sent", uk_today())
    record(client, b, "sent", uk_today() - dt.timedelta(days=90))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    assert [r["id"] for r in client.get(f"/requests.json?authority={leeds}").json["results"]] == [a]
    assert [r["id"] for r in client.get(f"/requests.json?authority={york}").json["results"]] == [b]
    assert [r["id"] for r in client.get("/requests.json?state=sent").json["results"]] == [a]
    assert [r["id"] for r in client.get("/requests.json?state=overdue").json["results"]] == [b]
    assert client.get("/requests.json?state=nonsense").status_code == 400
    by_name = client.get("/requests.json?authority=City+of+York+Council").json  # type-ahead
    assert [r["id"] for r in by_name["results"]] == [b]
    page = client.get("/requests?state=overdue")
    assert "School meals served" in page.text and "Pothole" not in page.text


def test_most_wanted_needs_repeats_and_admins_can_hide_one(client: Any, site: Any) -> None:
    other = client.application.test_client()
    client.get("/search?q=bus+punctuality")
    client.get("/search?q=bus+punctuality")  # a reload is not a second search
    client.get("/search?q=ferry+timetables")
    other.get("/search?q=Bus   Punctuality")
    other.get("/search?q=bus+punctuality&page=2")  # only first pages count
    wanted = client.get("/requests/wanted.json").json
    assert [(w["query"], w["searches"]) for w in wanted] == [("bus punctuality", 2)]
    with site.session() as db:
        create_user(db, "root", PASSWORD, is_admin=True)
        db.commit()
    sign_in_as(client, site, "volunteer")
    hide = f"/requests/wanted/{wanted[0]['id']}/hide"
    assert post_form(client, "/requests/wanted", hide).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    login = client.post(
        "/login",
        data={"username": "root", "password": PASSWORD, "csrf_token": csrf_token(client, "/login")},
    )
    assert login.status_code == 302
    assert post_form(client, "/requests/wanted", hide).status_code == 303
    assert client.get("/requests/wanted.json").json == []


def test_search_with_few_results_also_offers_to_ask(client: Any, site: Any) -> None:
    sign_in(client, site)
    name = published(
        client, site, upload(client, "valid/gdp/data/gdp.csv", None, title="GDP by country")
    )
    assert name
    few = client.get("/search?q=gdp")
    assert "Can't find it? Ask for it" in few.text
    assert client.get("/requests/wanted.json").json == []  # it found something


@pytest.fixture
def token(site: Any) -> str:
    with site.session() as db:
        user = create_user(db, "ada", PASSWORD)
        db.flush()
        _, secret = create_token(db, user.id, "tests")
        db.commit()
    return secret


def test_the_json_api_lists_shows_creates_and_updates(client: Any, site: Any, token: str) -> None:
    slug = make_authority(site)
    api = "/api/3/action/"
    headers = {"Authorization": token}
    anonymous = client.post(f"{api}foi_request_create", json={"title": "Potholes by ward"})
    assert anonymous.status_code == 403
    assert anonymous.json["success"] is False
    unknown = client.post(
        f"{api}foi_request_create",
        json={"title": "Potholes by ward", "authority": "nowhere"},
        headers=headers,
    )
    assert unknown.status_code == 400
    assert unknown.json["error"]["authority"] == ["Not a known public body"]
    created = client.post(
        f"{api}foi_request_create",
        json={"title": "Potholes by ward", "authority": slug, "date_from": "2022"},
        headers=headers,
    )
    assert created.status_code == 200, created.json
    result = created.json["result"]
    assert result["state"] == "draft"
    assert "Dear Leeds City Council" in result["letter"]
    request_id = result["id"]
    # Drafts are seen by their requester's token only.
    assert client.get(f"{api}foi_request_show?id={request_id}").status_code == 404
    assert client.get(f"{api}foi_request_show?id={request_id}", headers=headers).status_code == 200
    bad = client.post(
        f"{api}foi_request_update",
        json={"id": request_id, "state": "sent", "date": "yesterday"},
        headers=headers,
    )
    assert bad.status_code == 400
    assert "YYYY-MM-DD" in bad.json["error"]["message"]
    sent = client.post(
        f"{api}foi_request_update",
        json={"id": request_id, "state": "sent", "date": "2025-01-06"},
        headers=headers,
    )
    assert sent.status_code == 200
    assert sent.json["result"]["due"] == "2025-02-03"
    assert sent.json["result"]["state"] == "overdue"
    public = client.get(f"{api}foi_request_show?id={request_id}").json["result"]
    assert "letter" not in public
    listed = client.get(f"{api}foi_request_list?authority={slug}&state=overdue").json["result"]
    assert [r["id"] for r in listed["results"]] == [request_id]
    states = client.get(f"{api}foi_request_states").json["result"]
    assert "clarification-requested" in states["next"]["sent"]
    wrong = client.post(
        f"{api}foi_request_update", json={"id": request_id, "state": "draft"}, headers=headers
    )
    assert wrong.status_code == 400
    undone = client.post(
        f"{api}foi_request_update", json={"id": request_id, "undo": True}, headers=headers
    )
    assert undone.json["result"]["state"] == "draft"
    assert undone.json["result"]["due"] is None


def test_an_answer_published_privately_is_not_named_to_everyone(client: Any, site: Any) -> None:
    request_id = sent_request(client, site, "Pothole repairs by ward")
    name = published(
        client,
        site,
        upload(
            client,
            "valid/gdp/data/gdp.csv",
            None,
            title="Secret pothole figures",
            organisation="Leeds Potholes Group",
            private="y",
            request_id=str(request_id),
        ),
    )
    shown = client.get(f"/request/{request_id}.json").json
    assert shown["state"] == "successful"
    assert shown["dataset"]["name"] == name
    client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    public = client.get(f"/request/{request_id}.json").json
    assert public["state"] == "successful"
    assert public["dataset"] is None
    assert "Secret pothole figures" not in client.get(f"/request/{request_id}").text


def test_an_unanswered_request_goes_to_internal_review_and_mistakes_are_taken_back(
    client: Any, site: Any
) -> None:
    make_authority(site)
    sign_in(client, site, "ada")
    request_id = draft(client, "Pothole repairs by ward")
    url = f"/request/{request_id}"
    assert record(client, request_id, "sent", dt.date(2004, 12, 31)).status_code == 400
    sent = uk_today() - dt.timedelta(days=90)
    record(client, request_id, "sent", sent)
    assert state_of(client, request_id) == "overdue"
    assert "internal-review" in [s["state"] for s in client.get(f"{url}.json").json["next_states"]]
    # Recorded with the wrong day: take it back and record it again.
    record(client, request_id, "internal-review", uk_today())
    assert state_of(client, request_id) == "internal-review"
    assert post_form(client, url, f"{url}/undo").status_code == 303
    assert state_of(client, request_id) == "overdue"
    record(client, request_id, "internal-review", uk_today() - dt.timedelta(days=1))
    shown = client.get(f"{url}.json").json
    assert shown["due"] == due_date(uk_today() - dt.timedelta(days=1)).isoformat()
    # A clarification: the 20 working days start again when it arrives.
    other = draft(client, "Road gritting routes")
    asked = uk_today() - dt.timedelta(days=20)
    record(client, other, "sent", asked - dt.timedelta(days=7))
    record(client, other, "clarification-requested", asked)
    note = client.get(f"/request/{other}").text
    assert "start again from the day it receives it" in note
    record(client, other, "awaiting-response", asked + dt.timedelta(days=3))
    shown = client.get(f"/request/{other}.json").json
    assert shown["due"] == due_date(asked + dt.timedelta(days=3)).isoformat()


def test_signing_in_keeps_what_was_written(client: Any, site: Any) -> None:
    make_authority(site)
    with site.session() as db:
        create_user(db, "ada", PASSWORD)
        db.commit()
    form = {
        "csrf_token": csrf_token(client, "/requests/new"),
        "title": "Pothole repairs by ward",
        "authority": "Leeds City Council",
        "date_from": "April 2022",
        "breakdown": ("by ward, " * 112)[:1000],  # as long as it may be, not cut at 300
        "confirm_new": "y",
    }
    answer = client.post("/requests/new?tags=roads", data=form)
    assert answer.status_code == 303
    back = parse_qs(urlparse(answer.headers["Location"]).query)["next"][0]
    assert back.startswith("/requests/new?")
    assert parse_qs(urlparse(back).query)["confirm_new"] == ["y"]
    login = {"username": "ada", "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
    signed_in = client.post(f"/login?next={quote(back)}", data=login)
    assert signed_in.headers["Location"] == back
    page = client.get(back)
    for value in ("Pothole repairs by ward", "Leeds City Council", "April 2022"):
        assert f'value="{value}"' in page.text
    assert f'value="{form["breakdown"]}"' in page.text


def test_your_own_list_keeps_to_your_own(client: Any, site: Any) -> None:
    make_authority(site)
    sign_in(client, site, "ada")
    draft(client, "Pothole repairs by ward")
    page = client.get("/requests?mine=1")
    assert "Pothole repairs by ward" in page.text
    assert 'href="/requests?mine=1&amp;state=draft"' in page.text
    assert "Pothole repairs by ward" in client.get("/requests?mine=1&state=draft").text


def test_suggested_bodies_come_from_public_data_only(client: Any, site: Any) -> None:
    make_authority(site)
    make_authority(site, "City of York Council")
    sign_in(client, site, "ada")
    published(
        client,
        site,
        upload(
            client,
            "valid/gdp/data/gdp.csv",
            None,
            title="Zebra crossings audit",
            organisation="City of York Council",
        ),
    )
    published(
        client,
        site,
        upload(
            client,
            "valid/gdp/data/gdp.csv",
            None,
            title="Confidential pelican crossings audit",
            organisation="Leeds City Council",
            private="y",
            allow_copy="y",  # the same file as the first, on purpose
        ),
    )
    zebra = client.get("/requests/new?q=zebra+crossings")
    assert zebra.status_code == 200
    assert "City of York Council" in zebra.text
    assert "publishes data on this topic here" in zebra.text
    pelican = client.get("/requests/new?q=pelican")
    assert "publishes data on this topic here" not in pelican.text


def test_a_rejected_answer_keeps_its_request_for_the_corrected_file(client: Any, site: Any) -> None:
    request_id = sent_request(client, site, "Spending over 25,000 pounds")
    response = upload(
        client,
        "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv",
        "invalid/uk-spend-bis-wrong-types/bis-modified.json",
        request_id=str(request_id),
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert site.jobs.wait(location.rsplit("/", 1)[-1], timeout=60)
    report = reviewed(client, site, client.get(location))
    assert re.search(rf'href="/upload\?again=[0-9a-f]{{32}}&amp;request={request_id}"', report.text)
    assert state_of(client, request_id) == "sent"
    fixed = upload(
        client, "valid/gdp/data/gdp.csv", None, title="Spend", request_id=str(request_id)
    )
    published(client, site, fixed)
    job = client.get(fixed.headers["Location"])
    assert f'It is the answer to <a href="/request/{request_id}">' in job.text
    assert state_of(client, request_id) == "successful"


def test_a_form_the_request_cannot_take_comes_back_as_it_was_sent(client: Any, site: Any) -> None:
    make_authority(site)
    sign_in(client, site, "ada")
    request_id = draft(client, "Pothole repairs by ward")
    url = f"/request/{request_id}"
    too_long = "Dear Leeds,\n" + "Please send the pothole figures. " * 700
    refused = post_form(client, url, f"{url}/letter", letter=too_long)
    assert refused.status_code == 400
    assert "longer than 20,000 characters" in refused.text
    assert "Please send the pothole figures. Please send" in refused.text  # kept
    assert "Dear Leeds City Council" in client.get(url).text  # nothing was saved
    record(client, request_id, "sent", uk_today())
    early = record(
        client, request_id, "refused", dt.date(2004, 6, 1), note="Section 12: over the cost limit"
    )
    assert early.status_code == 400
    assert "before the Freedom of Information Act came into force" in early.text
    assert "Section 12: over the cost limit" in early.text
    assert '<option value="refused" selected>' in early.text
    assert state_of(client, request_id) == "sent"
