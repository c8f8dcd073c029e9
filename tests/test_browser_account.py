"""A volunteer's own pages in a real browser (Chromium through Playwright): My datasets, My
uploads (a published upload and one waiting for a fix) and the password page each pass
axe-core at 1280 px and 390 px and do not scroll sideways on a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import check_page, database_url, page, server, shots  # noqa: F401
from tests.conftest import DATA
from tests.test_browser_journeys import sign_in

pytestmark = pytest.mark.browser
GDP = DATA / "valid/gdp/data/gdp.csv"
WRONG_TYPES = DATA / "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv"


def send(page: Any, server: Any, path: Path, title: str, publish: bool = False) -> None:
    """Upload with the schema worked out from the file; to the published page if `publish`
    (past the review page, its choices as offered), else to the first answer."""
    page.goto(f"{server.url}/upload")
    page.set_input_files("input[type=file][name=file]", str(path))
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("button", name="Check and publish").click()
    done = page.get_by_text("Published version 1")
    review = page.get_by_role("heading", name=re.compile("before publishing"))
    done.or_(review).wait_for()
    if publish and review.count():
        page.get_by_role("button", name="Apply and publish").click()
        done.wait_for()


def test_my_own_pages_pass_axe_at_both_widths(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site)
    send(page, server, GDP, "GDP of the world", publish=True)
    send(page, server, WRONG_TYPES, "Spend with a long title that should wrap on a phone")
    page.get_by_role("link", name="My uploads").click()
    page.get_by_role("heading", name="My uploads").wait_for()
    assert page.get_by_role("link", name="Needs fixing").count() == 1
    assert page.get_by_text("Published as").count() == 1
    # The GDP upload stopped at its review and was checked again: it waits for no fix.
    assert page.get_by_text("Checked again with your answers").count() == 1
    assert page.get_by_text("3 uploads, 1 waiting for a fix").count() == 1  # not 2
    check_page(page, shots, "my-uploads")
    page.get_by_role("link", name="My datasets").first.click()
    page.get_by_role("heading", name="My datasets").wait_for()
    assert page.get_by_role("link", name="GDP of the world").count() == 1
    check_page(page, shots, "my-datasets")
    page.get_by_role("link", name="Change your password").click()
    page.get_by_role("heading", name="Change your password").wait_for()
    check_page(page, shots, "my-password")
