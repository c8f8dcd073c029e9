"""Organisations and roles in a real browser (Chromium through Playwright): volunteer A
publishes a dataset under a new organisation, so is its admin; volunteer B asks to join
it; A approves; B then uploads a new version of A's dataset. The organisation and members
pages pass axe-core at 1280 px and 390 px and do not scroll sideways on a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import check_page, database_url, page, server, shots  # noqa: F401
from tests.conftest import DATA
from tests.test_browser_journeys import PASSWORD, published_after_review, sign_in

pytestmark = pytest.mark.browser
GDP = DATA / "valid/gdp/data/gdp.csv"


def sign_out(page: Any) -> None:
    page.get_by_role("button", name=re.compile("^Sign out")).click()
    page.get_by_text("Signed out.").wait_for()


def sign_in_again(page: Any, server: Any, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/")


def test_a_volunteer_joins_an_organisation_and_adds_a_version(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    # A publishes GDP under a new organisation: its maker, so its admin.
    sign_in(page, server, site, "priya")
    page.goto(f"{server.url}/upload")
    page.set_input_files("input[type=file][name=file]", str(GDP))
    page.get_by_label("Title", exact=True).fill("GDP of the world")
    page.get_by_label("Organisation", exact=True).fill("Parks Team")
    page.get_by_role("button", name="Check and publish").click()
    published_after_review(page)
    dataset_url = page.locator("p.status.ok a").get_attribute("href")
    sign_out(page)

    # B, signed in, is no member: the page offers to ask, not to upload a version.
    sign_in(page, server, site, "sam")
    page.goto(f"{server.url}{dataset_url}")
    assert page.get_by_role("link", name="Upload a new version").count() == 0
    page.goto(f"{server.url}/organisation/parks-team")
    assert page.get_by_role("link", name="Manage members").count() == 0
    page.get_by_text("priya").first.wait_for()  # its members, to anyone signed in
    check_page(page, shots, "organisation-outsider")
    page.get_by_label(re.compile("A note for its admins")).fill("I count trees on Saturdays.")
    page.get_by_role("button", name="Ask to join").click()
    page.get_by_text("Your request to join is sent").wait_for()
    assert page.get_by_text(re.compile("your request is\\s+waiting for priya")).count() == 1
    assert page.get_by_role("button", name="Ask to join").count() == 0
    check_page(page, shots, "organisation-waiting")
    sign_out(page)

    # A sees the request on the organisation page and approves it (as an editor).
    sign_in_again(page, server, "priya")
    page.goto(f"{server.url}/organisation/parks-team")
    page.get_by_text("I count trees on Saturdays.").wait_for()
    assert page.get_by_label("Role").input_value() == "editor"
    check_page(page, shots, "organisation-admin")
    page.get_by_role("button", name="Approve sam").click()
    page.get_by_text("sam is now its editor.").wait_for()
    assert page.get_by_text("No one is waiting to join.").count() == 1
    page.get_by_role("link", name="Manage members").click()
    page.get_by_role("heading", name="Members of Parks Team").wait_for()
    assert page.get_by_text("Its only admin.").count() == 1
    check_page(page, shots, "organisation-members")
    sign_out(page)

    # B, now an editor, uploads version 2 of A's dataset.
    sign_in_again(page, server, "sam")
    page.goto(f"{server.url}{dataset_url}")
    page.get_by_role("link", name="Upload a new version").click()
    page.set_input_files("input[type=file][name=file]", str(GDP))
    page.get_by_role("button", name="Check and publish").click()
    published_after_review(page, 2)
    page.goto(f"{server.url}/organisation/parks-team")
    assert page.get_by_text("You are its").count() == 1
    assert page.get_by_role("button", name="Leave Parks Team").count() == 1
    check_page(page, shots, "organisation-member")
