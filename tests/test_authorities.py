"""The directory of public bodies: seeding from the real lists, the type-ahead, resolving a
typed name, suggestions for a topic, the pages and their JSON, and admins' changes."""

from __future__ import annotations

import csv
import dataclasses
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.accounts.users import create_user
from catalog.app import create_app
from catalog.db.models import Authority
from catalog.errors import InvalidInput, NotAuthorised, NotFound
from catalog.foi.authorities import (
    LOCAL_AUTHORITIES,
    PUBLIC_BODIES,
    SEED,
    authority_by_slug,
    authority_summary,
    resolve_authority,
    save_authority,
    search_authorities,
    seed_authorities,
    suggest_authorities,
)
from catalog.viewer import Viewer
from tests.test_web import PASSWORD, csrf_token, sign_in

ADMIN = Viewer.user(1, "admin", is_admin=True)
VOLUNTEER = Viewer.user(2, "volunteer")


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEED / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def seeded(site: Any) -> Any:
    with site.session() as session:
        seed_authorities(session)
        session.commit()
    return site


def sign_in_admin(client: Any, site: Any) -> None:
    with site.session() as session:
        create_user(session, "admin", PASSWORD, is_admin=True)
        session.commit()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def names(found: list[dict[str, Any]]) -> list[str]:
    return [a["name"] for a in found]


# Seeding


def test_seed_loads_both_lists_once(site):
    bodies, councils = seed_rows(PUBLIC_BODIES), seed_rows(LOCAL_AUTHORITIES)
    assert len(bodies) == 5362
    with site.session() as session:
        added = seed_authorities(session)
        session.commit()
        assert seed_authorities(session) == 0
        sources = dict(
            session.execute(select(Authority.source, func.count()).group_by(Authority.source)).all()
        )
        total = session.scalar(select(func.count()).select_from(Authority))
    new_councils = sources[LOCAL_AUTHORITIES]
    merged = sources[f"{PUBLIC_BODIES} {LOCAL_AUTHORITIES}"]
    assert added == total == 5362 + new_councils
    assert sources[PUBLIC_BODIES] + merged == 5362
    assert merged + new_councils == len(councils)
    assert merged > 400  # most councils are in the register under some name


def test_merged_council_has_nation_kind_and_names(seeded):
    with seeded.session() as session:
        leeds = authority_summary(authority_by_slug(session, "leeds-city-council"))
        barnet = authority_summary(authority_by_slug(session, "barnet-borough-council"))
    assert (leeds["nation"], leeds["kind"], leeds["defunct"]) == (
        "England",
        "Metropolitan district",
        False,
    )
    assert "Leeds" in leeds["other_names"]
    assert leeds["whatdotheyknow_url"] == "https://www.whatdotheyknow.com/body/leeds-city-council"
    assert barnet["kind"] == "London borough"
    assert "London Borough of Barnet" in barnet["other_names"]


def test_former_council_is_defunct_and_missing_council_is_added(seeded):
    with seeded.session() as session:
        # Abolished in 2020; its successor is a new body from mySociety's list.
        old = authority_by_slug(session, "buckinghamshire-county-council")
        new = resolve_authority(session, "Buckinghamshire Council")
        assert old.defunct and old.kind == "County"
        assert new is not None and not new.defunct
        assert new.source == LOCAL_AUTHORITIES
        assert authority_summary(new)["whatdotheyknow_url"] == ""


def test_register_tags_give_nation_defunct_and_foi(seeded):
    bodies = {row["id"].removeprefix("gb/"): row for row in seed_rows(PUBLIC_BODIES)}
    defunct = next(s for s, row in bodies.items() if "defunct" in row["tags"].split())
    no_foi = next(s for s, row in bodies.items() if "foi_no" in row["tags"].split())
    scottish = next(s for s, row in bodies.items() if row["tags"].split() == ["scotland", "police"])
    with seeded.session() as session:
        assert authority_by_slug(session, defunct).defunct
        assert not authority_by_slug(session, no_foi).subject_to_foi
        assert authority_by_slug(session, scottish).nation == "Scotland"
        assert authority_by_slug(session, "aaib").subject_to_foi


def test_start_up_seeds_when_the_setting_is_on(settings):
    app = create_app(dataclasses.replace(settings, seed_authorities=True))
    try:
        client = app.test_client()
        assert client.get("/authorities.json?q=aaib").json[0]["slug"] == "aaib"
    finally:
        app.extensions["site"].close()


def test_start_up_leaves_the_directory_empty_when_off(client):
    assert client.get("/authorities.json?q=leeds").json == []


# The type-ahead


def test_typeahead_puts_the_council_first(seeded):
    with seeded.session() as session:
        leeds = search_authorities(session, "leeds")
        assert leeds[0]["name"] == "Leeds City Council"
        assert all("leeds" in n.lower() for n in names(leeds))
        assert len(leeds) == 10
        assert names(search_authorities(session, "LEEDS CITY"))[0] == "Leeds City Council"


def test_typeahead_orders_start_then_word_then_inside(seeded):
    with seeded.session() as session:
        found = [n.lower() for n in names(search_authorities(session, "water", limit=200))]
    starts = [i for i, n in enumerate(found) if n.startswith("water")]
    words = [i for i, n in enumerate(found) if not n.startswith("water") and " water" in n]
    inside = [i for i, n in enumerate(found) if i not in starts and i not in words]
    assert starts and words and inside
    assert max(starts) < min(words) and max(words) < min(inside)


def test_typeahead_finds_abbreviations_and_other_names(seeded):
    with seeded.session() as session:
        assert names(search_authorities(session, "AAIB")) == ["Air Accidents Investigation Branch"]
        assert names(search_authorities(session, "aaib"))[0] == "Air Accidents Investigation Branch"
        barnet = search_authorities(session, "london borough of barnet")
        assert names(barnet) == ["Barnet Borough Council"]


def test_typeahead_takes_wildcards_literally(seeded):
    with seeded.session() as session:
        assert search_authorities(session, "%") == []
        assert search_authorities(session, "_") == []
        assert search_authorities(session, "le_ds") == []
        assert search_authorities(session, "   ") == []
        save_authority(session, ADMIN, {"name": "Fund 100% Ltd_x", "subject_to_foi": True})
        assert names(search_authorities(session, "100%")) == ["Fund 100% Ltd_x"]
        assert names(search_authorities(session, "ltd_x")) == ["Fund 100% Ltd_x"]


def test_typeahead_leaves_out_defunct_bodies_unless_asked(seeded):
    with seeded.session() as session:
        assert "Buckinghamshire County Council" not in names(
            search_authorities(session, "buckinghamshire county", limit=50)
        )
        included = search_authorities(
            session, "buckinghamshire county", limit=50, include_defunct=True
        )
    assert "Buckinghamshire County Council" in names(included)


# Resolving what the request form received


def test_resolve_by_slug_name_or_abbreviation(seeded):
    with seeded.session() as session:
        assert resolve_authority(session, "leeds-city-council").name == "Leeds City Council"
        assert resolve_authority(session, "  leeds  city COUNCIL ").slug == "leeds-city-council"
        assert resolve_authority(session, "aaib").slug == "aaib"
        assert resolve_authority(session, "Leeds") is None  # not exact: the form asks again
        assert resolve_authority(session, "") is None
        with pytest.raises(NotFound, match="no public body called 'nowhere'"):
            authority_by_slug(session, "nowhere")


# Suggestions


def test_suggestions_come_from_publishers_then_query_words(seeded):
    with seeded.session() as session:
        found = suggest_authorities(session, ["Environment Agency"], "leeds potholes")
    assert [(a["name"], a["reason"]) for a in found[:2]] == [
        ("Environment Agency", "publishes data on this topic here"),
        ("Leeds City Council", "name matches 'leeds'"),
    ]
    assert len(found) <= 5


def test_suggestions_skip_short_and_stop_words(seeded):
    with seeded.session() as session:
        assert suggest_authorities(session, [], "the data on city council") == []
        assert names(suggest_authorities(session, [], "leeds potholes", limit=1)) == [
            "Leeds City Council"
        ]


def test_suggestions_skip_defunct_and_non_foi_bodies(seeded):
    with seeded.session() as session:
        save_authority(session, ADMIN, {"name": "Quangoville Trust", "subject_to_foi": False})
        save_authority(
            session,
            ADMIN,
            {"name": "Quangoville Board", "subject_to_foi": True, "defunct": True},
        )
        save_authority(session, ADMIN, {"name": "Quangoville Council", "subject_to_foi": True})
        found = suggest_authorities(session, ["Quangoville Trust"], "quangoville")
        assert names(found) == ["Quangoville Council"]


# Pages and JSON


def test_directory_page_searches_filters_and_credits(seeded, client):
    page = client.get("/authorities?q=leeds")
    assert page.status_code == 200
    assert page.text.index("Leeds City Council") < page.text.index("Leeds City College")
    assert "mySociety" in page.text and "CC BY 4.0" in page.text
    assert 'data-typeahead="/authorities.json"' in page.text
    welsh = client.get("/authorities?nation=Wales")
    assert "Cardiff Council" in welsh.text and "Leeds City Council" not in welsh.text
    assert client.get("/authorities?nation=Narnia").status_code == 400


def test_directory_pages_by_fifty(seeded, client):
    first = client.get("/authorities")
    assert "Page 1 of" in first.text and first.text.count('<li><a href="/authority/') == 50
    second = client.get("/authorities?page=2")
    assert "Page 2 of" in second.text and "← Previous" in second.text
    assert client.get("/authorities?page=x").status_code == 400


def test_directory_shows_defunct_only_when_asked(seeded, client):
    assert (
        "Buckinghamshire County Council"
        not in client.get("/authorities?q=buckinghamshire+county").text
    )
    shown = client.get("/authorities?q=buckinghamshire+county&defunct=1")
    assert "Buckinghamshire County Council" in shown.text


def test_typeahead_json(seeded, client):
    answer = client.get("/authorities.json?q=leeds")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert len(answer.json) == 10
    assert answer.json[0]["slug"] == "leeds-city-council"
    assert client.get("/authorities.json?q=").json == []
    assert client.get("/authorities.json").json == []


def test_body_page_and_json(seeded, client):
    page = client.get("/authority/leeds-city-council")
    assert page.status_code == 200
    assert "https://www.whatdotheyknow.com/body/leeds-city-council" in page.text
    assert 'id="requests"' in page.text
    assert "mySociety" in page.text
    twin = client.get("/authority/leeds-city-council.json")
    assert twin.json["name"] == "Leeds City Council" and twin.json["nation"] == "England"
    assert client.get("/authority/nowhere").status_code == 404
    assert client.get("/authority/nowhere.json").status_code == 404


def test_body_page_warns_about_defunct_and_non_foi(site, client):
    with site.session() as session:
        save_authority(
            session,
            ADMIN,
            {"name": "Gone Board", "defunct": True, "subject_to_foi": False},
        )
        save_authority(
            session,
            ADMIN,
            {"name": "Open Office", "subject_to_foi": True, "foi_email": "foi@open.example"},
        )
        session.commit()
    gone = client.get("/authority/gone-board").text
    assert "no longer exists" in gone and "not subject to the Freedom of Information Act" in gone
    open_office = client.get("/authority/open-office").text
    assert 'href="mailto:foi@open.example"' in open_office
    assert "no longer exists" not in open_office and "whatdotheyknow" not in open_office.lower()


def test_names_are_escaped(site, client):
    with site.session() as session:
        save_authority(
            session, ADMIN, {"name": "<script>alert(1)</script> Board", "subject_to_foi": True}
        )
        session.commit()
    listing = client.get("/authorities?q=alert").text
    page = client.get("/authority/script-alert-1-script-board").text
    for text in (listing, page):
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Board" in text
    assert client.get("/authorities.json?q=alert").json[0]["name"].startswith("<script>")


# Admins add and edit


def test_admin_adds_a_body(site, client):
    sign_in_admin(client, site)
    form = {
        "csrf_token": csrf_token(client, "/authorities/new"),
        "name": "Tiny Parish Council",
        "slug": "",
        "foi_email": "clerk@tiny.example",
        "foi_address": "The Hall\nTiny Lane",
        "nation": "Wales",
        "url": "https://tiny.example",
        "subject_to_foi": "y",
    }
    response = client.post("/authorities/new", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/authority/tiny-parish-council")
    body = client.get("/authority/tiny-parish-council.json").json
    assert (body["nation"], body["foi_email"], body["source"]) == (
        "Wales",
        "clerk@tiny.example",
        "added-here",
    )
    assert body["subject_to_foi"] and not body["defunct"]
    again = client.post("/authorities/new", data=form)
    assert again.status_code == 302
    assert again.headers["Location"].endswith("/authority/tiny-parish-council-2")


def test_admin_edits_a_body(seeded, client):
    sign_in_admin(client, seeded)
    form_page = client.get("/authority/aaib/edit")
    assert (
        form_page.status_code == 200
        and 'value="Air Accidents Investigation Branch"' in form_page.text
    )
    form = {
        "csrf_token": csrf_token(client, "/authority/aaib/edit"),
        "name": "Air Accidents Investigation Branch",
        "abbreviation": "AAIB",
        "foi_email": "foi@aaib.example",
        "url": "https://www.gov.uk/aaib",
        "subject_to_foi": "y",
    }
    assert client.post("/authority/aaib/edit", data=form).status_code == 302
    body = client.get("/authority/aaib.json").json
    assert body["foi_email"] == "foi@aaib.example" and body["url"] == "https://www.gov.uk/aaib"
    assert body["slug"] == "aaib" and body["whatdotheyknow_url"]


def test_validation_errors_are_shown_on_the_form(site, client):
    sign_in_admin(client, site)
    form = {
        "csrf_token": csrf_token(client, "/authorities/new"),
        "name": "",
        "slug": "Bad Slug!",
        "foi_email": "not an email",
        "url": "javascript:alert(1)",
    }
    response = client.post("/authorities/new", data=form)
    assert response.status_code == 400
    for problem in (
        "a name is needed",
        "not an email address",
        "a web address starting http:// or https://",
        "2 to 200 lower-case letters, digits, dashes or underscores",
    ):
        assert problem in response.text
    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(Authority)) == 0


def test_forms_need_a_csrf_token(site, client):
    sign_in_admin(client, site)
    response = client.post("/authorities/new", data={"name": "No Token Council"})
    assert response.status_code == 400
    assert client.get("/authorities.json?q=token").json == []


def test_only_admins_add_or_edit(seeded, client):
    assert client.get("/authorities/new").status_code == 302  # to the sign-in page
    assert "/login" in client.get("/authority/aaib/edit").headers["Location"]
    sign_in(client, seeded)
    assert client.get("/authorities/new").status_code == 403
    assert client.get("/authority/aaib/edit").status_code == 403
    token = csrf_token(client, "/authorities")  # the sign-out form carries one
    response = client.post("/authority/aaib/edit", data={"csrf_token": token, "name": "Mine"})
    assert response.status_code == 403
    with seeded.session() as session:
        with pytest.raises(NotAuthorised):
            save_authority(session, VOLUNTEER, {"name": "Mine"})
        with pytest.raises(NotAuthorised):
            save_authority(session, Viewer.anonymous(), {"name": "Mine"})


def test_save_checks_lengths_and_unique_slugs(seeded):
    with seeded.session() as session:
        with pytest.raises(InvalidInput) as error:
            save_authority(session, ADMIN, {"name": "x" * 301, "slug": "aaib"})
        assert error.value.fields == {
            "name": "at most 300 characters",
            "slug": "another body already has this URL name",
        }
        with pytest.raises(InvalidInput) as error:
            save_authority(session, ADMIN, {"name": "Somewhere", "nation": "Narnia"})
        assert set(error.value.fields) == {"nation"}
        with pytest.raises(NotFound):
            save_authority(session, ADMIN, {"name": "Somewhere"}, slug="nowhere")
