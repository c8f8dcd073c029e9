"""Fixing your own work in a real browser (Chromium through Playwright): a volunteer edits a
dataset's title, deletes it (confirming) and restores it from the organisation's list of
deleted datasets; the site's admin restores it from theirs. Each page added here (edit,
delete, a deleted dataset's page, the two deleted lists) passes axe-core at 1280 px and
390 px and does not scroll sideways on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalog.accounts.users import create_user
from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.db.models import User
from tests.browser_support import check_page, database_url, page, server, shots  # noqa: F401
from tests.conftest import DATA
from tests.test_browser_journeys import sign_in
from tests.test_web import PASSWORD

pytestmark = pytest.mark.browser
GDP = DATA / "valid/gdp/data/gdp.csv"
TITLE = "Gross domestic product of every country, year by year, with a title that wraps"


def published(site: Any, username: str) -> str:
    """GDP, published by `username` under a new organisation (so they are its admin)."""
    with site.session() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
    metadata = DatasetMetadata(
        title="GDP",
        organisation="Birmingham Open Data volunteers",
        extras={"coverage": "every country"},
    )
    outcome = publish_file(
        site, GDP, original_name="gdp.csv", schema=None, metadata=metadata, user_id=user_id
    )
    assert outcome.published and outcome.dataset_name
    return outcome.dataset_name


def test_a_volunteer_edits_deletes_and_restores_a_dataset(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site, "priya")
    name = published(site, "priya")
    page.goto(f"{server.url}/dataset/{name}")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_role("heading", name="Edit GDP").wait_for()
    assert page.get_by_label("Value of extra field 1").input_value() == "every country"
    check_page(page, shots, "edit")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("heading", name=TITLE).wait_for()
    assert page.get_by_text(f"Saved the changes to {TITLE}.").count() == 1

    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("heading", name=f"Delete {TITLE}?").wait_for()
    check_page(page, shots, "delete")
    page.get_by_role("button", name="Yes, delete it").click()
    page.get_by_text("This dataset was deleted by priya on").wait_for()
    assert page.get_by_role("link", name="Edit", exact=True).count() == 0
    check_page(page, shots, "deleted-dataset")
    page.goto(f"{server.url}/search?q=gross")
    assert page.get_by_role("link", name=TITLE).count() == 0

    page.goto(f"{server.url}/organisation/birmingham-open-data-volunteers/deleted")
    page.get_by_role(
        "heading", name="Deleted datasets of Birmingham Open Data volunteers"
    ).wait_for()
    assert page.get_by_text("deleted by priya").count() == 1
    check_page(page, shots, "organisation-deleted")
    page.get_by_role("button", name=f"Restore {TITLE}").click()
    page.get_by_text(f"Restored {TITLE}").wait_for()
    page.goto(f"{server.url}/search?q=gross")
    page.get_by_role("link", name=TITLE).wait_for()

    # Deleted again, and restored by the site's admin from their list of every deletion.
    page.goto(f"{server.url}/dataset/{name}/delete")
    page.get_by_role("button", name="Yes, delete it").click()
    page.get_by_text("This dataset was deleted by priya on").wait_for()
    page.get_by_role("button", name="Sign out priya").click()
    with site.session() as session:
        create_user(session, "ada", PASSWORD, is_admin=True)
        session.commit()
    page.goto(f"{server.url}/login")
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}/admin/deleted")
    page.get_by_role("heading", name="Deleted datasets", exact=True).wait_for()
    assert page.get_by_text("Birmingham Open Data volunteers · deleted by priya").count() == 1
    check_page(page, shots, "admin-deleted")
    page.get_by_role("button", name=f"Restore {TITLE}").click()
    page.get_by_text(f"Restored {TITLE}").wait_for()
