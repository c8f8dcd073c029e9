"""Sign-up on the event day in a real browser (Chromium through Playwright): the organiser
sets the event's code on /admin/sign-up, a new volunteer signs up with it and is signed in;
a visitor signs up on the way from the FOI form and comes back to it as they left it.
Every page of accounts (sign-up, invitations, reset, profile, the admin pages and the
room's screen) passes axe-core at 1280 px and 390 px and does not scroll sideways."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from catalog.accounts.sign_up import set_event_code
from catalog.accounts.users import create_user
from tests.browser_support import check_page, database_url, page, server, shots  # noqa: F401
from tests.test_browser_forms import assert_as_typed, fill_request
from tests.test_browser_journeys import PASSWORD
from tests.test_requests import make_authority

pytestmark = pytest.mark.browser


def sign_in_as_organiser(page: Any, server: Any, site: Any) -> None:
    with site.session() as session:
        create_user(session, "organiser", PASSWORD, is_admin=True, display_name="Ana Organiser")
        create_user(session, "tom", PASSWORD, display_name="Tom with a rather long name here")
        session.commit()
    page.goto(f"{server.url}/login")
    page.get_by_label("User name").fill("organiser")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/")


def test_the_organiser_sets_a_code_and_a_volunteer_signs_up_with_it(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in_as_organiser(page, server, site)
    page.goto(f"{server.url}/admin/sign-up")
    page.get_by_label("Or set the code yourself").fill("BRUM-2026")
    page.get_by_role("button", name="Set this code").click()
    page.get_by_text("The event's code is set.").wait_for()
    assert page.locator(".event-code").inner_text() == "BRUM-2026"
    check_page(page, shots, "admin-sign-up")
    page.get_by_role("link", name="Show it full screen for the room").click()
    page.locator(".event-code.huge").wait_for()
    check_page(page, shots, "admin-screen")

    page.goto(f"{server.url}/admin/invitations")
    check_page(page, shots, "admin-invitations")
    page.get_by_label("Names, one per line").fill("Priya Shah\nTom O'Neil")
    page.get_by_role("button", name="Make the invitations").click()
    page.get_by_role("heading", name="2 invitations to print").wait_for()
    check_page(page, shots, "admin-invitations-made")
    invitation = page.locator(".invitation-card code").first.inner_text()

    page.goto(f"{server.url}/admin/users")
    page.get_by_role("button", name="Disable tom").click()
    page.get_by_text("tom is disabled").wait_for()
    check_page(page, shots, "admin-users")
    page.get_by_role("button", name="Reset password of organiser").click()
    page.get_by_role("heading", name=re.compile("Password reset link")).wait_for()
    check_page(page, shots, "admin-reset")
    reset = page.locator("code.token").inner_text()

    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.goto(f"{server.url}/login")
    check_page(page, shots, "login")
    page.get_by_role("link", name="Sign up").last.click()
    page.get_by_role("heading", name="Sign up").wait_for()
    check_page(page, shots, "sign-up")
    page.get_by_label("The event's code").fill("brum-2026")
    page.get_by_label("Your name as others see it").fill("Sam Jones")
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Make my account").click()
    page.get_by_text("Welcome, Sam Jones: you are signed in.").wait_for()
    assert page.get_by_role("button", name="Sign out sam").count() == 1
    page.get_by_role("link", name="Account").click()
    page.get_by_role("heading", name="Your account").wait_for()
    check_page(page, shots, "profile")
    page.get_by_role("button", name="Sign out sam").click()

    page.goto(invitation)
    page.get_by_text("An invitation for").wait_for()
    assert page.get_by_label("User name").input_value() == "priya.shah"
    check_page(page, shots, "invitation")
    page.goto(f"{server.url}/register/not-a-real-link")
    page.get_by_text("not one this site made").wait_for()
    check_page(page, shots, "invitation-wrong")
    page.goto(reset)
    page.get_by_role("heading", name="Set a new password").wait_for()
    check_page(page, shots, "reset")


def test_a_visitor_with_no_account_signs_up_from_the_foi_form_and_keeps_the_draft(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    make_authority(site)
    with site.session() as session:
        set_event_code(session, "ROOM-4242")
        session.commit()
    page.goto(f"{server.url}/requests/new")
    fill_request(page)
    page.get_by_role("button", name="Draft my letter").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_role("link", name="Sign up").last.click()
    page.wait_for_url(re.compile(r"/register\?next="))
    page.get_by_text("After signing up you come back to where you were").wait_for()
    check_page(page, shots, "sign-up-from-foi")
    page.get_by_label("The event's code").fill("ROOM-4242")
    page.get_by_label("Your name as others see it").fill("Lee Smith")
    page.get_by_label("User name").fill("lee")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Make my account").click()
    page.get_by_text("Welcome, Lee Smith: you are signed in.").wait_for()
    assert page.url.startswith(f"{server.url}/requests/new?")
    assert_as_typed(page)
    page.get_by_role("button", name="Draft my letter").click()
    page.wait_for_url(re.compile(r"/request/\d+$"))
