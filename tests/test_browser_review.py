"""The review loop in a real browser: the ready schema a file looks like, before it is
sent; the columns reviewed and checked again; a rejected file's problems grouped; a failed
upload started again from what was typed; a council's workbook published."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import check_page, database_url, page, server, shots  # noqa: F401
from tests.conftest import DATA
from tests.factories import spend_workbook
from tests.test_browser_journeys import (
    publish_with_fixes,
    published_after_review,
    sign_in,
    upload_with_the_spend_schema,
)
from tests.test_fixes import check_published_table

pytestmark = pytest.mark.browser
CABINET = DATA / "invalid/uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv"


def test_a_columns_change_is_checked_again_and_its_effect_shown(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    sign_in(page, server, site)
    page.goto(f"{server.url}/upload")
    page.set_input_files("input[type=file][name=file]", str(DATA / "valid/gdp/data/gdp.csv"))
    page.get_by_label("Title", exact=True).fill("GDP")
    page.get_by_role("button", name="Check and publish").click()
    column = page.locator(".column-review", has=page.get_by_role("heading", name="Country Code"))
    column.get_by_label("Holds").select_option(label="whole numbers")
    page.get_by_role("button", name="Check again").click()
    page.get_by_text(
        re.compile(r"values in Country Code do not fit: “AFG” \(row 2\), “AFE”")
    ).wait_for()
    check_page(page, shots, "columns-checked")
    column = page.locator(".column-review", has=page.get_by_role("heading", name="Country Code"))
    column.get_by_label("Holds").select_option(label="codes (kept as text, leading zeros kept)")
    value = page.locator(".column-review", has=page.get_by_role("heading", name="Value"))
    value.get_by_label("Description").fill("GDP in current US dollars")
    page.get_by_role("button", name="Apply and publish").click()
    page.get_by_text("Published version 1").wait_for()
    fields = page.request.get(f"{server.url}/dataset/gdp.json").json()["schema"]["fields"]
    assert {f["name"]: f.get("description") for f in fields}["Value"] == (
        "GDP in current US dollars"
    )


def test_a_failed_upload_is_started_again_with_what_was_typed(
    page: Any, server: Any, site: Any, shots: Path | None, tmp_path: Path
) -> None:
    import zipfile

    from tests.factories import spend_workbook

    workbook = spend_workbook(tmp_path / "spend.xlsx")
    broken = tmp_path / "broken.xlsx"  # its workbook part lost: no sheet can be read
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(broken, "w") as out:
        for name in source.namelist():
            if name != "xl/workbook.xml":
                out.writestr(name, source.read(name))
    sign_in(page, server, site)
    page.goto(f"{server.url}/upload")
    page.set_input_files("input[type=file][name=file]", str(broken))
    page.get_by_label("Title", exact=True).fill("Cabinet Office spend")
    page.get_by_label("Organisation", exact=True).fill("Cabinet Office")
    page.get_by_label("Tags (separated by commas)").fill("spending")
    page.get_by_role("button", name="Check and publish").click()
    page.get_by_text("could not be read").wait_for()
    check_page(page, shots, "upload-failed")
    page.get_by_role("link", name="Upload it again").click()
    assert page.get_by_label("Title", exact=True).input_value() == "Cabinet Office spend"
    assert page.get_by_label("Organisation", exact=True).input_value() == "Cabinet Office"
    assert page.get_by_label("Tags (separated by commas)").input_value() == "spending"
    page.set_input_files("input[type=file][name=file]", str(workbook))
    page.get_by_role("button", name="Check and publish").click()
    published_after_review(page)


def test_the_upload_page_hints_at_the_ready_schema_before_the_file_is_sent(
    page: Any, server: Any, site: Any, shots: Path | None, tmp_path: Path
) -> None:
    sign_in(page, server, site)
    page.goto(f"{server.url}/upload")
    hint = page.locator("#schema-hint")
    ready = page.get_by_label("Ready schema", exact=True)
    default = ready.input_value()
    spend = DATA / "invalid/uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv"
    page.set_input_files("input[type=file][name=file]", str(spend))
    steps = 1
    page.get_by_text(
        "This file looks like UK central government spend over £25,000: 9 of 15 columns match."
    ).wait_for()
    assert hint.get_attribute("role") == "status"
    # The hint changes nothing by itself.
    assert page.get_by_label("Work it out from the file").is_checked()
    assert ready.input_value() == default != "uk-spend-over-25k"
    check_page(page, shots, "upload-hint")
    page.get_by_role("button", name="Use it").click()
    steps += 1
    assert page.get_by_label("A ready schema from the library").is_checked()
    assert ready.input_value() == "uk-spend-over-25k"
    assert page.evaluate("document.activeElement.name") == "library_name"
    page.get_by_text("Chosen: the ready schema UK central government spend").wait_for()
    check_page(page, shots, "upload-hint-used")

    # A workbook says nothing; neither does a file about something else.
    page.set_input_files("input[type=file][name=file]", str(spend_workbook(tmp_path / "s.xlsx")))
    page.wait_for_function("!document.getElementById('schema-hint').textContent")
    page.set_input_files("input[type=file][name=file]", str(DATA / "valid/gdp/data/gdp.csv"))
    page.wait_for_load_state("networkidle")
    assert hint.inner_text() == ""
    assert ready.input_value() == "uk-spend-over-25k"  # what the volunteer chose stays

    page.set_input_files("input[type=file][name=file]", str(spend))
    page.get_by_role("button", name="Use it").wait_for()
    page.get_by_label("Title", exact=True).fill("Cabinet Office spend, November 2010")
    page.get_by_role("button", name="Check and publish").click()
    steps += 2
    page.get_by_role("heading", name=re.compile("before publishing")).wait_for()
    page.get_by_role("button", name="Apply and publish").click()
    steps += 1
    page.get_by_text("Published version 1").wait_for()
    assert steps <= 8
    schema = page.request.get(
        f"{server.url}/dataset/cabinet-office-spend-november-2010/v1/schema.json"
    ).json()
    assert [f["name"] for f in schema["fields"]][:2] == ["Department family", "Entity"]


def test_a_rejected_file_shows_each_kind_of_problem_once_with_a_few_rows(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    """The fixes declined, a spend file's 23 dates in another form are one group of five
    example rows, each with its bad cell marked, and the page still fits a phone."""
    sign_in(page, server, site)
    path = DATA / "invalid/uk-rpa-spend-aug-2010/rpa-over-25k-1008.csv"
    upload_with_the_spend_schema(page, server, path, "RPA spend")
    page.get_by_role("heading", name=re.compile("before publishing")).wait_for()
    for fix in page.locator("input[name=fix]").all():
        fix.uncheck()
    page.get_by_role("button", name="Apply and publish").click()
    page.get_by_role("heading", name="Date: 23 values are not dates like 31/01/2024").wait_for()
    examples = page.get_by_role("region", name="Date: 23 values", exact=False)
    marked = examples.locator("mark").all_text_contents()
    assert marked == ["⚠ To put right: 02-Aug-10"] * 4 + ["⚠ To put right: 03-Aug-10"]
    page.get_by_text("and 18 more rows").wait_for()
    check_page(page, shots, "report-groups")


@pytest.mark.parametrize("ready", [False, True], ids=["worked-out", "ready-schema"])
def test_a_council_workbook_publishes_by_accepting_the_fixes(
    page: Any, server: Any, site: Any, shots: Path | None, tmp_path: Path, ready: bool
) -> None:
    """The Cabinet Office spend file as a council's .xlsx (a title line, a blank row, a
    second sheet of notes): published typed, with every row, in at most 8 steps."""
    sign_in(page, server, site)
    workbook = spend_workbook(tmp_path / "co-spend-data-nov2010.xlsx")
    assert publish_with_fixes(page, server, workbook, shots, ready=ready) <= 8
    # Its rows: the file's, but for its empty ones (a sheet has no empty rows to drop).
    with CABINET.open(encoding="cp1252", newline="") as text:
        rows = sum(1 for row in list(csv.reader(text))[1:] if any(c.strip() for c in row))
    check_published_table(site, CABINET, ready=ready, rows=rows)
