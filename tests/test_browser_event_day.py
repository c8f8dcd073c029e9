"""The event day as it happens in the room, in a real browser (Chromium through Playwright),
one journey in steps, each step one test, on one site and one browser that carry on from
the step before:

the organiser sets the event's code; a new volunteer signs up with it, publishes a dataset
under a new organisation, uploads a second version of it, edits its title, deletes it and
restores it; a second volunteer signs up and asks to join that organisation; the first
approves; the second can then add a version.

Only the organiser's own account is made outside the browser (by `datastore user create
--admin`, as on the day). The pages met on the way pass axe-core at 1280 px and 390 px and
do not scroll sideways on a phone. A step that fails makes those after it fail at once,
saying which step broke the journey.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import browser_page, check_page, live_server
from tests.conftest import DATA, Runner, make_settings
from tests.test_browser_journeys import PASSWORD, published_after_review

pytestmark = pytest.mark.browser
GDP = DATA / "valid/gdp/data/gdp.csv"
CODE = "TOWN-2026"
TITLE = "Gross domestic product of every country, year by year"


class Journey:
    """What the steps hand on: the site, its address, the browser's page, the dataset."""

    def __init__(self, server: Any, page: Any, shots: Path | None) -> None:
        self.server = server
        self.page = page
        self.shots = shots
        self.dataset_url = ""
        self.broken = ""

    def go(self, path: str) -> None:
        self.page.goto(f"{self.server.url}{path}")

    def check(self, name: str) -> None:
        check_page(self.page, self.shots, name)


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    import os

    from catalog.app import create_app

    folder = tmp_path_factory.mktemp("event-day")
    settings = make_settings(folder, "")
    made = Runner(settings)("user", "create", "ana", "--admin", "--password-stdin", input=PASSWORD)
    assert made.exit_code == 0, made.output
    app = create_app(settings)
    shots_root = os.environ.get("DATASTORE_TEST_SCREENSHOTS")
    shots = Path(shots_root) / "event-day" if shots_root else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    try:
        for server in live_server(app):
            for page in browser_page():
                yield Journey(server, page, shots)
    finally:
        app.extensions["site"].close()


@pytest.fixture
def day(journey: Journey, request: pytest.FixtureRequest) -> Iterator[Journey]:
    if journey.broken:
        pytest.fail(f"the journey broke at an earlier step: {journey.broken}")
    failed_before = request.session.testsfailed
    yield journey
    if request.session.testsfailed > failed_before:  # the step's own report is counted
        journey.broken = request.node.name


def sign_in(day: Journey, username: str) -> None:
    day.go("/login")
    day.page.get_by_label("User name").fill(username)
    day.page.get_by_label("Password").fill(PASSWORD)
    day.page.get_by_role("button", name="Sign in").click()
    day.page.wait_for_url(f"{day.server.url}/")


def sign_out(day: Journey) -> None:
    day.page.get_by_role("button", name=re.compile("^Sign out")).click()
    day.page.get_by_text("Signed out.").wait_for()


def sign_up(day: Journey, display_name: str, username: str) -> None:
    day.go("/")
    day.page.get_by_role("link", name="Sign up").first.click()
    day.page.get_by_role("heading", name="Sign up").wait_for()
    day.page.get_by_label("The event's code").fill(CODE.lower())  # as typed off the screen
    day.page.get_by_label("Your name as others see it").fill(display_name)
    day.page.get_by_label("User name").fill(username)
    day.page.get_by_label("Password").fill(PASSWORD)
    day.page.get_by_role("button", name="Make my account").click()
    day.page.get_by_text(f"Welcome, {display_name}: you are signed in.").wait_for()


def upload_new_version(day: Journey, number: int) -> None:
    day.page.goto(day.dataset_url)
    day.page.get_by_role("link", name="Upload a new version").click()
    day.page.set_input_files("input[type=file][name=file]", str(GDP))
    day.page.get_by_role("button", name="Check and publish").click()
    published_after_review(day.page, number)


def test_1_the_organiser_sets_the_event_code(day: Journey) -> None:
    sign_in(day, "ana")
    day.go("/admin/sign-up")
    day.page.get_by_label("Or set the code yourself").fill(CODE)
    day.page.get_by_role("button", name="Set this code").click()
    day.page.get_by_text("The event's code is set.").wait_for()
    assert day.page.locator(".event-code").inner_text() == CODE
    day.check("organiser-code")
    sign_out(day)


def test_2_a_new_volunteer_signs_up_with_the_code(day: Journey) -> None:
    sign_up(day, "Priya Shah", "priya")
    assert day.page.get_by_role("button", name="Sign out priya").count() == 1


def test_3_she_publishes_a_dataset_under_a_new_organisation(day: Journey) -> None:
    day.go("/upload")
    day.page.set_input_files("input[type=file][name=file]", str(GDP))
    day.page.get_by_label("Title", exact=True).fill("GDP")
    day.page.get_by_label("Organisation", exact=True).fill("Parks Team")
    day.page.get_by_role("button", name="Check and publish").click()
    published_after_review(day.page)
    day.page.locator("p.status.ok a").first.click()
    day.page.get_by_role("heading", name="GDP", exact=True).wait_for()
    day.dataset_url = day.page.url
    assert day.page.get_by_text(re.compile("published by Priya Shah, Parks Team")).count() >= 1
    day.check("dataset-v1")


def test_4_she_uploads_a_second_version(day: Journey) -> None:
    upload_new_version(day, 2)


def test_5_she_edits_its_title(day: Journey) -> None:
    day.page.goto(day.dataset_url)
    day.page.get_by_role("link", name="Edit", exact=True).click()
    day.page.get_by_role("heading", name="Edit GDP").wait_for()
    day.page.get_by_label("Title", exact=True).fill(TITLE)
    day.page.get_by_role("button", name="Save changes").click()
    day.page.get_by_role("heading", name=TITLE).wait_for()
    assert day.page.get_by_text(f"Saved the changes to {TITLE}.").count() == 1


def test_6_she_deletes_it_and_restores_it(day: Journey) -> None:
    day.page.goto(day.dataset_url)
    day.page.get_by_role("link", name="Delete", exact=True).click()
    day.page.get_by_role("heading", name=f"Delete {TITLE}?").wait_for()
    day.page.get_by_role("button", name="Yes, delete it").click()
    day.page.get_by_text(re.compile("This dataset was deleted by")).wait_for()
    day.go("/search?q=gross")
    assert day.page.get_by_role("link", name=TITLE).count() == 0
    day.go("/organisation/parks-team")
    day.page.get_by_role("link", name="Deleted datasets").click()
    day.page.get_by_role("button", name=f"Restore {TITLE}").click()
    day.page.get_by_text(f"Restored {TITLE}").wait_for()
    day.go("/search?q=gross")
    day.page.get_by_role("link", name=TITLE).wait_for()
    sign_out(day)


def test_7_a_second_volunteer_signs_up_and_asks_to_join(day: Journey) -> None:
    sign_up(day, "Sam Jones", "sam")
    day.page.goto(day.dataset_url)
    assert day.page.get_by_role("link", name="Upload a new version").count() == 0
    day.go("/organisation/parks-team")
    day.page.get_by_label(re.compile("A note for its admins")).fill("I count trees.")
    day.page.get_by_role("button", name="Ask to join").click()
    day.page.get_by_text("Your request to join is sent").wait_for()
    day.check("asked-to-join")
    sign_out(day)


def test_8_the_first_volunteer_approves(day: Journey) -> None:
    sign_in(day, "priya")
    day.go("/organisation/parks-team")
    day.page.get_by_text("I count trees.").wait_for()
    day.page.get_by_role("button", name="Approve sam").click()
    day.page.get_by_text(re.compile("(sam|Sam Jones) is now its editor")).wait_for()
    sign_out(day)


def test_9_the_second_volunteer_can_then_add_a_version(day: Journey) -> None:
    sign_in(day, "sam")
    upload_new_version(day, 3)
    day.page.goto(day.dataset_url)
    assert day.page.get_by_text(re.compile("published by Sam Jones, Parks Team")).count() >= 1
    day.check("dataset-v3")
