"""Forms never lose work on the way through sign-in (issue 13, point 7), in a real browser:
a visitor who fills the FOI request form and saves is asked to sign in and comes back to
the form as they left it, a wrong password on the way included; and the upload page sends
a visitor to sign in and back. Each page passes axe-core at 1280 px and 390 px
(tests/browser_support.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from catalog.accounts.users import create_user
from catalog.foi.authorities import resolve_authority
from catalog.foi.deadlines import uk_today
from catalog.foi.drafting import Draft, create_request
from catalog.foi.steps import change_state
from catalog.viewer import Viewer
from tests.browser_support import check_page, database_url, page, server, shots  # noqa: F401
from tests.test_requests import make_authority

PASSWORD = "a long enough password"
pytestmark = pytest.mark.browser

# What the visitor types: a breakdown longer than the other fields' 300 characters.
TYPED = {
    "What information do you want?": "Pothole repairs in Leeds, by ward",
    "Which public body holds it?": "Leeds City Council",
    "From (e.g. April 2022)": "April 2022",
    "To (e.g. March 2024)": "March 2024",
    "Broken down by (e.g. by ward and by month)": (
        "by ward and by month, with for each repair the date it was reported, the date it "
        "was finished, the street, whether it was a temporary or a permanent repair, what it "
        "cost (labour and materials apart), and whether the council or a contractor did it; "
        "and, for each ward, the number of claims for damage to vehicles from potholes, with "
        "how many were paid and the total paid out"
    ),
}


@pytest.fixture
def volunteer(site: Any) -> str:
    """An account, not signed in: the visitor has one but has not used it yet today."""
    with site.session() as session:
        create_user(session, "volunteer", PASSWORD)
        session.commit()
    return "volunteer"


def asked_already(site: Any, title: str) -> None:
    """A request sent by someone else on much the same topic, so the form offers it and
    asks for the "draft a new request" box to be ticked."""
    with site.session() as session:
        user = create_user(session, "ada", PASSWORD)
        session.flush()
        ada = Viewer.user(user.id, user.username, False)
        body = resolve_authority(session, "Leeds City Council")
        assert body is not None
        draft = Draft(title=title, date_from="", date_to="", breakdown="", search_query="")
        made = create_request(session, ada, body, draft, uk_today())
        change_state(session, ada, made, "sent", uk_today(), uk_today())
        session.commit()


def fill_request(page: Any) -> None:
    for label, value in TYPED.items():
        page.get_by_label(label, exact=True).fill(value)


def assert_as_typed(page: Any) -> None:
    for label, value in TYPED.items():
        assert page.get_by_label(label, exact=True).input_value() == value, label


def sign_in_here(page: Any, password: str = PASSWORD) -> None:
    page.get_by_label("User name").fill("volunteer")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def next_target(url: str) -> str:
    (target,) = parse_qs(urlparse(url).query)["next"]
    return target


def test_a_request_filled_in_before_signing_in_comes_back_as_it_was_left(
    page: Any, server: Any, site: Any, shots: Path | None, volunteer: str
) -> None:
    make_authority(site)
    asked_already(site, "Pothole repairs by ward in Leeds")
    page.goto(f"{server.url}/search?q=pothole+repairs")
    page.get_by_role("link", name="Ask for this data").click()
    page.get_by_role("heading", name="Has someone asked already?").wait_for()
    fill_request(page)
    page.get_by_label("None of these asks for what I want").check()
    check_page(page, shots, "request-new-anonymous")
    page.get_by_role("button", name="Draft my letter").click()

    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_text("Sign in, or make an account, to save your request").wait_for()
    check_page(page, shots, "login-on-the-way")
    sign_in_here(page)

    page.get_by_text("Signed in as volunteer.").wait_for()
    assert urlparse(page.url).path == "/requests/new"
    assert_as_typed(page)
    assert page.get_by_label("None of these asks for what I want").is_checked()
    check_page(page, shots, "request-new-back")
    page.get_by_role("button", name="Draft my letter").click()

    page.wait_for_url(re.compile(r"/request/\d+$"))
    page.get_by_role("heading", name=TYPED["What information do you want?"]).wait_for()
    facts = page.locator("dl.facts").inner_text()
    assert "April 2022 to March 2024" in facts
    assert TYPED["Broken down by (e.g. by ward and by month)"] in facts
    check_page(page, shots, "request-drafted")


def test_a_wrong_password_on_the_way_still_comes_back_to_the_form_as_typed(
    page: Any, server: Any, site: Any, shots: Path | None, volunteer: str
) -> None:
    make_authority(site)
    page.goto(f"{server.url}/requests/new")
    fill_request(page)
    page.get_by_role("button", name="Draft my letter").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    target = next_target(page.url)
    assert urlparse(target).path == "/requests/new"

    sign_in_here(page, password="not the password")
    page.get_by_text("That user name and password do not match.").wait_for()
    assert next_target(page.url) == target  # the way back is kept
    assert page.get_by_label("User name").input_value() == "volunteer"
    assert page.get_by_label("Password").input_value() == ""
    check_page(page, shots, "login-wrong-password")
    sign_in_here(page)

    page.get_by_text("Signed in as volunteer.").wait_for()
    assert urlparse(page.url).path == "/requests/new"
    assert_as_typed(page)
    check_page(page, shots, "request-new-back")
    page.get_by_role("button", name="Draft my letter").click()
    page.wait_for_url(re.compile(r"/request/\d+$"))
    page.get_by_role("heading", name=TYPED["What information do you want?"]).wait_for()


def test_the_upload_page_asks_a_visitor_to_sign_in_and_brings_them_back(
    page: Any, server: Any, site: Any, shots: Path | None, volunteer: str
) -> None:
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Publish data").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_text("Sign in first: this needs an account.").wait_for()
    check_page(page, shots, "login-for-upload")
    sign_in_here(page)
    page.get_by_role("heading", name="Publish data").wait_for()
    assert urlparse(page.url).path == "/upload"
    check_page(page, shots, "upload-after-sign-in")

    # A link to the next version of a dataset keeps what it says through sign-in too.
    page.get_by_role("button", name="Sign out volunteer").click()
    page.goto(f"{server.url}/upload?dataset=pothole-repairs")
    page.wait_for_url(re.compile(r"/login\?next="))
    sign_in_here(page)
    page.get_by_role("heading", name="Publish data").wait_for()
    assert page.get_by_label("Add as a new version of (URL name)").input_value() == (
        "pothole-repairs"
    )
