"""The dataset page's charts in a real browser (Chromium through Playwright), on the sample
datasets that have such columns: a line chart, a bar chart and a map, each with its values
as a table, following the preview's filter; each page passes axe-core at 1280 px and
390 px, does not scroll sideways on a phone, and its CSP refuses nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import check_page, database_url, page, server, shots  # noqa: F401
from tests.test_charts import publish_sample

pytestmark = pytest.mark.browser


def chart_table(page: Any, label: str) -> Any:
    """The rows of a chart's table, its <details> opened first."""
    page.locator(f'details:has([aria-label="{label}"]) > summary').click()
    return page.get_by_role("region", name=label).locator("tbody tr")


def test_line_bar_and_map_appear_with_their_tables(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    prices = publish_sample(site, "uk-house-prices-nationwide")
    councils = publish_sample(site, "uk-local-authorities")

    page.goto(f"{server.url}/dataset/{prices}")
    line = page.locator("svg.line-chart")
    line.wait_for()
    assert line.get_attribute("role") == "img"
    assert line.get_attribute("aria-label").startswith("Price (All) by Date: 288 points")
    rows = chart_table(page, "The line chart's values (scrolls sideways)")
    assert rows.count() == 288
    assert rows.first.locator("td").all_inner_texts() == ["1953-02-01", "1,891", "1"]
    check_page(page, shots, "line")
    # Another number, chosen with the chart's own form (no script).
    page.get_by_label("Number").select_option("Price (New)")
    page.locator("#charts").get_by_role("button", name="Draw").click()
    page.get_by_role("heading", name="Price (New) by Date").wait_for()
    assert "chart_value=Price+%28New%29" in page.url

    page.goto(f"{server.url}/dataset/{councils}")
    bars = page.locator("svg.bar-chart")
    assert bars.get_attribute("aria-label").startswith(
        "The most common values of nation: England (380), Northern Ireland (36)"
    )
    rows = chart_table(page, "The bar chart's values (scrolls sideways)")
    assert [r.locator("td").first.inner_text() for r in rows.all()] == [
        "England",
        "Northern Ireland",
        "Scotland",
        "Wales",
    ]
    places = page.locator("svg.point-map")
    assert places.get_attribute("aria-label").startswith("Map of 412 places by lat and long")
    assert places.locator("circle.place").count() == 412
    rows = chart_table(page, "The map's places (scrolls sideways)")
    assert rows.count() == 200
    check_page(page, shots, "bars-and-map")


def test_a_filtered_preview_draws_filtered_charts(
    page: Any, server: Any, site: Any, shots: Path | None
) -> None:
    gdp = publish_sample(site, "gdp")
    councils = publish_sample(site, "uk-local-authorities")

    page.goto(f"{server.url}/dataset/{gdp}")
    heading = page.locator("#charts h3").first
    assert heading.inner_text() == "Average Value by Year"  # every country in a year
    form = page.locator("form.preview-filter")
    form.locator("select[name=field]").select_option("Country Name")
    form.locator("input[name=value]").fill("United Kingdom")
    form.get_by_role("button", name="Show rows").click()
    page.get_by_role("heading", name="Value by Year", exact=True).wait_for()
    rows = chart_table(page, "The line chart's values (scrolls sideways)")
    assert rows.count() == 64
    assert {r.locator("td").last.inner_text() for r in rows.all()} == {"1"}  # a row a year
    bars = page.locator("svg.bar-chart")
    assert bars.get_attribute("aria-label") == (
        "The most common values of Country Name: United Kingdom (64)"
    )
    check_page(page, shots, "filtered-line")
    # The chart's form keeps the filter.
    page.locator("#charts form").first.get_by_role("button", name="Draw").click()
    assert "value=United+Kingdom" in page.url
    assert page.locator("svg.bar-chart").get_attribute("aria-label").endswith("(64)")

    page.goto(f"{server.url}/dataset/{councils}?field=nation&op=eq&value=Wales")
    places = page.locator("svg.point-map")
    assert places.get_attribute("aria-label").startswith("Map of 22 places")
    assert places.locator("circle.place").count() == 22
    check_page(page, shots, "filtered-map")
