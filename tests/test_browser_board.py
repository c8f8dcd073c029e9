"""The organisers' room in a real browser (Chromium through Playwright): a volunteer stuck
on a report asks for a hand, the event board open in another window shows it at its next
refresh without reloading, and the mentor takes it and marks it done while the volunteer's
page says so. /admin, /admin/organisations and /admin/board pass axe-core at 1280 px and
390 px and do not scroll sideways on a phone; without JavaScript the board reloads itself."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog.accounts.users import create_user
from catalog.config import Settings
from tests.browser_support import AXE, check_page, database_url, page, server, shots  # noqa: F401
from tests.conftest import DATA, make_settings
from tests.test_browser_journeys import published_after_review, sign_in
from tests.test_web import PASSWORD

pytestmark = pytest.mark.browser
GDP = DATA / "valid/gdp/data/gdp.csv"
WRONG_TYPES = DATA / "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv"
WRONG_SCHEMA = DATA / "invalid/uk-spend-bis-wrong-types/bis-modified.json"
REFRESH = 2  # seconds: the board's refresh, short for the test


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:  # noqa: F811
    return dataclasses.replace(make_settings(tmp_path, database_url), board_refresh_seconds=REFRESH)


@pytest.fixture
def mentor(page: Any, server: Any, site: Any) -> Iterator[Any]:  # noqa: F811
    """A second window, signed in as a mentor (a site admin), in a browser context of its own."""
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    other = context.new_page()
    other.refused = []
    other.on(
        "console",
        lambda m: "Content Security Policy" in m.text and other.refused.append(m.text),
    )
    other.set_default_timeout(30_000)
    with site.session() as session:
        create_user(session, "mentor", PASSWORD, is_admin=True)
        session.commit()
    other.goto(f"{server.url}/login")
    other.get_by_label("User name").fill("mentor")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    other.wait_for_url(f"{server.url}/")
    yield other
    context.close()


def send(
    page: Any,
    server: Any,
    path: Path,
    title: str,
    organisation: str = "",
    schema: Path | None = None,
) -> None:
    page.goto(f"{server.url}/upload")
    page.set_input_files("input[type=file][name=file]", str(path))
    if schema is not None:
        page.get_by_label("My own Table Schema (a JSON file)").check()
        page.set_input_files("input[type=file][name=schema_file]", str(schema))
    page.get_by_label("Title", exact=True).fill(title)
    if organisation:
        page.get_by_label("Organisation", exact=True).fill(organisation)
    page.get_by_role("button", name="Check and publish").click()


def test_a_volunteer_asks_for_a_hand_and_the_mentor_comes(
    page: Any,  # noqa: F811
    mentor: Any,
    server: Any,  # noqa: F811
    site: Any,
    shots: Path | None,  # noqa: F811
) -> None:
    sign_in(page, server, site, "lee")
    send(page, server, GDP, "GDP of the world", organisation="Open Town Volunteers")
    published_after_review(page)

    mentor.get_by_role("link", name="Admin", exact=True).click()
    mentor.get_by_role("heading", name="Admin").wait_for()
    check_page(mentor, shots, "admin")
    mentor.get_by_role("link", name="Organisations").click()
    mentor.get_by_role("heading", name="Organisations").wait_for()
    assert mentor.get_by_role("link", name="Open Town Volunteers").count() == 1
    check_page(mentor, shots, "admin-organisations")
    mentor.goto(f"{server.url}/admin/board")
    mentor.get_by_text("Nobody is waiting for a hand.").wait_for()
    assert mentor.get_by_role("heading", name="Published: 1").count() == 1
    check_page(mentor, shots, "board-quiet")
    mentor.evaluate("() => { window.notReloaded = true; }")

    # The volunteer's upload is refused; on its report they ask for a hand.
    send(page, server, WRONG_TYPES, "Spend over 25k", schema=WRONG_SCHEMA)
    page.get_by_role("heading", name=re.compile("before publishing")).wait_for()
    page.get_by_role("button", name="Apply and publish").click()
    page.get_by_role("heading", name=re.compile("was not published")).wait_for()
    page.get_by_label("What are you stuck on? (optional)").fill("The dates will not go in")
    page.get_by_role("button", name="I need a hand").click()
    page.get_by_text("A mentor has been asked").first.wait_for()
    assert page.get_by_role("button", name="I need a hand").count() == 0
    check_page(page, shots, "report-asked")

    # The board, open all along, shows it at its next refresh, drawn in place.
    mentor.get_by_text("The dates will not go in").wait_for(timeout=5_000 * REFRESH)
    assert mentor.evaluate("() => window.notReloaded === true")
    assert mentor.get_by_role("heading", name="Needs fixing: 1").count() == 1
    assert mentor.get_by_text("Waiting longest for a fix").count() == 1
    check_page(mentor, shots, "board-asked")
    mentor.get_by_role("button", name="Take lee's request").click()
    mentor.get_by_text("You have taken lee's request").wait_for()
    mentor.get_by_text("mentor took it at").wait_for()
    check_page(mentor, shots, "board-taken")

    page.reload()
    page.get_by_text("mentor is on the way").wait_for()
    mentor.get_by_role("button", name="Done with lee's request").click()
    mentor.get_by_text("Nobody is waiting for a hand.").wait_for()
    page.reload()
    page.get_by_text("mentor marked your last request for help done").wait_for()
    assert page.get_by_role("button", name="I need a hand").count() == 1


def test_without_javascript_the_board_reloads_itself(
    page: Any,  # noqa: F811
    mentor: Any,
    server: Any,  # noqa: F811
) -> None:
    context = page.context.browser.new_context(java_script_enabled=False)
    try:
        quiet = context.new_page()
        context.add_cookies(mentor.context.cookies())
        quiet.goto(f"{server.url}/admin/board")
        quiet.get_by_role("heading", name="The event board").wait_for()
        with quiet.expect_navigation(timeout=5_000 * REFRESH):
            pass  # the <noscript> refresh, after REFRESH seconds
        assert quiet.url == f"{server.url}/admin/board"
    finally:
        context.close()
