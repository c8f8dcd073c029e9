"""What a volunteer does, in a real browser (Chromium through Playwright): each page of the
journey passes axe-core at 1280 px and 390 px and does not scroll sideways on a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from catalog.accounts.users import create_user
from tests.browser_support import check_page, database_url, page, server, shots  # noqa: F401
from tests.conftest import DATA
from tests.factories import spend_workbook
from tests.test_fixes import check_published_table

PASSWORD = "a long enough password"
pytestmark = pytest.mark.browser


def sign_in(page: Any, server: Any, site: Any, username: str = "volunteer") -> None:
    with site.session() as session:
        create_user(session, username, PASSWORD)
        session.commit()
    page.goto(f"{server.url}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/")


def published_after_review(page: Any, number: int = 1) -> None:
    """Past the review page, its columns accepted as shown, if the upload stopped there."""
    done = page.get_by_text(f"Published version {number}")
    done.or_(page.get_by_role("heading", name=re.compile("before publishing"))).wait_for()
    if page.get_by_role("button", name="Apply and publish").count():
        page.get_by_role("button", name="Apply and publish").click()
    done.wait_for()


def test_a_clean_file_is_published_from_the_upload_page(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site)
    check_page(page, shots, "home")
    page.goto(f"{server.url}/upload")
    check_page(page, shots, "upload")
    page.set_input_files("input[type=file][name=file]", str(DATA / "valid/gdp/data/gdp.csv"))
    steps = 0
    page.get_by_label("Work it out from the file").check()
    steps += 1
    page.get_by_label("Title", exact=True).fill("GDP by country")
    steps += 1
    page.get_by_role("button", name="Check and publish").click()
    steps += 1
    # The columns, in plain words, before anything is published.
    page.get_by_role("heading", name=re.compile("before publishing")).wait_for()
    check_page(page, shots, "columns")
    assert page.get_by_label("Holds").first.input_value() == "text"
    page.get_by_role("button", name="Apply and publish").click()
    steps += 1
    page.get_by_text("Published version 1").wait_for()
    check_page(page, shots, "job")
    page.get_by_role("link", name="gdp-by-country").click()
    steps += 1
    page.get_by_role("heading", name="GDP by country").wait_for()
    check_page(page, shots, "dataset")
    assert steps <= 8


SPEND = sorted((DATA / "invalid").glob("uk-*/*.csv"))
# With the ready spend schema, the files that publish with the fixes offered alone (the
# other has cells only a person can fix: "Some Date", "Five Hundred").
SPEND_READY = [p for p in SPEND if p.parent.name != "uk-spend-bis-wrong-types"]


def upload_with_the_spend_schema(page: Any, server: Any, path: Path, title: str) -> None:
    """The upload page sent with the file, the ready spend schema and a title (4 steps)."""
    page.goto(f"{server.url}/upload")
    page.set_input_files("input[type=file][name=file]", str(path))
    page.get_by_label("A ready schema from the library").check()
    page.get_by_label("Ready schema", exact=True).select_option("uk-spend-over-25k")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("button", name="Check and publish").click()


def publish_with_fixes(page: Any, server: Any, path: Path, shots: Path | None, ready: bool) -> int:
    """The volunteer's steps after choosing the file, to the published dataset."""
    page.goto(f"{server.url}/upload")
    page.set_input_files("input[type=file][name=file]", str(path))
    steps = 0
    if ready:
        page.get_by_label("A ready schema from the library").check()
        page.get_by_label("Ready schema", exact=True).select_option("uk-spend-over-25k")
        steps += 2
    page.get_by_label("Title", exact=True).fill(f"Spend {path.parent.name}")
    page.get_by_role("button", name="Check and publish").click()
    steps += 2
    done = page.get_by_text("Published version 1")
    done.or_(page.get_by_role("heading", name=re.compile("before publishing"))).wait_for()
    if page.get_by_role("button", name="Apply and publish").count():
        check_page(page, shots, f"review-{path.parent.name}")
        page.get_by_role("button", name="Apply and publish").click()
        steps += 1
    page.get_by_text("Published version 1").wait_for()
    return steps


@pytest.mark.parametrize("path", SPEND, ids=lambda p: p.parent.name)
def test_each_spend_file_publishes_by_accepting_the_fixes(
    page: Any, server: Any, site: Any, shots: Path | None, path: Path
) -> None:
    sign_in(page, server, site)
    assert publish_with_fixes(page, server, path, shots, ready=False) <= 8
    check_published_table(site, path)


@pytest.mark.parametrize("path", SPEND_READY, ids=lambda p: p.parent.name)
def test_each_spend_file_publishes_with_the_ready_spend_schema(
    page: Any, server: Any, site: Any, shots: Path | None, path: Path
) -> None:
    sign_in(page, server, site)
    assert publish_with_fixes(page, server, path, shots, ready=True) <= 8
    check_published_table(site, path, ready=True)


def test_upload_a_corrected_file_keeps_what_was_typed_and_chosen(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site)
    page.goto(f"{server.url}/upload")
    gla = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
    page.set_input_files("input[type=file][name=file]", str(gla))
    page.get_by_label("Work it out from the file").check()
    page.get_by_label("Title", exact=True).fill("GLA payments, December 2009")
    page.get_by_label("Organisation", exact=True).fill("Greater London Authority")
    page.get_by_label("Licence").select_option("uk-ogl")
    page.get_by_label("Tags (separated by commas)").fill("spending, london")
    page.get_by_role("button", name="Check and publish").click()
    page.get_by_role("link", name="Upload a different file instead").wait_for()
    check_page(page, shots, "review")
    page.get_by_role("link", name="Upload a different file instead").click()
    page.get_by_label("Title", exact=True).wait_for()
    assert page.get_by_label("Title", exact=True).input_value() == "GLA payments, December 2009"
    assert page.get_by_label("Organisation", exact=True).input_value() == "Greater London Authority"
    assert page.get_by_label("Licence").input_value() == "uk-ogl"
    assert page.get_by_label("Tags (separated by commas)").input_value() == "spending, london"
    assert page.get_by_label("Work it out from the file").is_checked()
    check_page(page, shots, "upload-again")


def test_a_file_already_published_is_named_before_a_second_copy(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site)
    prices = DATA / "valid/uk-house-prices-nationwide/data/data.csv"
    for attempt in (1, 2):
        page.goto(f"{server.url}/upload")
        page.set_input_files("input[type=file][name=file]", str(prices))
        page.get_by_label("Title", exact=True).fill(f"House prices {attempt}")
        page.get_by_role("button", name="Check and publish").click()
        if attempt == 1:
            published_after_review(page)
    page.get_by_role("heading", name="data.csv is already published").wait_for()
    link = page.get_by_role("link", name="House prices 1, version 1")
    assert link.get_attribute("href").startswith("/dataset/house-prices-1")
    check_page(page, shots, "duplicate")
    page.get_by_role("link", name="upload it again").click()
    assert page.get_by_label("Title", exact=True).input_value() == "House prices 2"
    page.set_input_files("input[type=file][name=file]", str(prices))
    page.get_by_label("Publish it even if this exact file is already published").check()
    page.get_by_role("button", name="Check and publish").click()
    published_after_review(page)
    assert "house-prices-2" in page.content()


def test_the_next_version_of_the_same_kind_publishes_with_no_new_questions(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site)
    path = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
    publish_with_fixes(page, server, path, shots, ready=False)
    page.goto(f"{server.url}/upload?dataset=spend-uk-gla-payments-dec-2009")
    page.set_input_files("input[type=file][name=file]", str(path))
    page.get_by_role("button", name="Check and publish").click()
    page.get_by_text("Published version 2").wait_for()  # no review this time
    page.goto(f"{server.url}/dataset/spend-uk-gla-payments-dec-2009")
    page.get_by_text("Published after these fixes").wait_for()
    check_page(page, shots, "dataset-with-recipe")


def test_next_months_file_is_offered_the_saved_mapping_and_asks_only_what_differs(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site)
    august = DATA / "invalid/uk-rpa-spend-aug-2010/rpa-over-25k-1008.csv"
    publish_with_fixes(page, server, august, shots, ready=False)
    name = "spend-uk-rpa-spend-aug-2010"
    page.goto(f"{server.url}/dataset/{name}")
    page.get_by_role("link", name="Upload a new version").click()
    steps = 0
    page.set_input_files(
        "input[type=file][name=file]",
        str(DATA / "invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv"),
    )
    page.get_by_role("button", name="Check and publish").click()
    steps += 1
    page.get_by_role("heading", name=re.compile("before publishing")).wait_for()
    # Only what differs from August: its renamed columns, the empty ones, £ in amounts.
    for words in ("Renamed columns: ", "empty column", "£ signs"):
        assert page.get_by_text(words).count(), words
    check_page(page, shots, "next-month-review")
    page.get_by_role("button", name="Apply and publish").click()
    steps += 1
    page.get_by_text("Published version 2").wait_for()
    assert steps <= 8
    fields = [
        page.request.get(f"{server.url}/dataset/{name}.json?version={n}").json()["schema"]["fields"]
        for n in (1, 2)
    ]
    assert [(f["name"], f["type"]) for f in fields[1]] == [
        (f["name"], f["type"]) for f in fields[0]
    ]


def test_a_workbook_asks_for_its_sheet_and_a_dos_pound_for_its_reading(
    page: Any, server: Any, site: Any, shots: Path | None, tmp_path: Path
) -> None:
    sign_in(page, server, site)
    workbook = spend_workbook(tmp_path / "spend.xlsx")
    page.goto(f"{server.url}/upload")
    page.set_input_files("input[type=file][name=file]", str(workbook))
    page.get_by_label("Title", exact=True).fill("Cabinet Office spend")
    page.get_by_role("button", name="Check and publish").click()
    page.get_by_role("heading", name=re.compile("before publishing")).wait_for()
    assert page.get_by_label("Spend (", exact=False).is_checked()
    check_page(page, shots, "review-workbook")
    page.get_by_role("button", name="Apply and publish").click()
    page.get_by_text("Published version 1").wait_for()

    dos = DATA / "derived/uk-rpa-spend-feb-2011-cp850/rpa-over-25k-1102-cp850.csv"
    page.goto(f"{server.url}/upload")
    page.set_input_files("input[type=file][name=file]", str(dos))
    page.get_by_label("Title", exact=True).fill("RPA spend")
    page.get_by_role("button", name="Check and publish").click()
    page.get_by_role("heading", name=re.compile("before publishing")).wait_for()
    assert "can be read more than one way" in page.content()
    assert "£196,538.13" in page.content() and "œ196,538.13" in page.content()
    check_page(page, shots, "review-encoding")
    page.get_by_role("button", name="Apply and publish").click()
    page.get_by_text("Published version 1").wait_for()


def test_a_missing_title_comes_back_with_everything_else_kept(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site)
    page.goto(f"{server.url}/upload")
    assert page.locator("input[type=file][name=file]").get_attribute("required") is not None
    page.set_input_files("input[type=file][name=file]", str(DATA / "valid/gdp/data/gdp.csv"))
    page.get_by_label("Organisation", exact=True).fill("World Bank")
    page.get_by_label("Tags (separated by commas)").fill("economy, gdp")
    page.get_by_label("Licence").select_option("cc-by")
    page.get_by_role("button", name="Check and publish").click()
    page.get_by_text("Give the dataset a title").first.wait_for()
    assert page.get_by_label("Organisation", exact=True).input_value() == "World Bank"
    assert page.get_by_label("Tags (separated by commas)").input_value() == "economy, gdp"
    assert page.get_by_label("Licence").input_value() == "cc-by"
    check_page(page, shots, "upload-missing-title")


def test_cells_no_rule_can_fix_are_put_right_in_the_page(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site)
    path = DATA / "invalid/uk-spend-bis-wrong-types/invalid-on-bis-modified-schema.csv"
    upload_with_the_spend_schema(page, server, path, "Department of Data spend")
    steps = 4
    page.get_by_role("button", name="Apply and publish").click()
    steps += 1
    page.get_by_role("heading", name="Put these cells right here").wait_for()
    check_page(page, shots, "report-cells")
    page.get_by_label("Row 3, Date").fill("02/01/2015")
    page.get_by_label("Row 4, Amount").fill("500")
    page.get_by_role("button", name="Save these cells and publish").click()
    steps += 3
    page.get_by_text("Published version 1").wait_for()
    assert steps <= 8
    page.get_by_role("link", name="department-of-data-spend").click()
    page.get_by_text("Changed row 3, column 'Date' to '02/01/2015'").wait_for()
