"""The SQL page in a real browser (issue 16, point 5): a query typed and run shows its
answer, and its address is the query, to share; a wrong one shows what is wrong and a
caret under the place, a long line of it scrolling in its own box. Each page passes
axe-core at 1280 px and 390 px with nothing scrolling sideways (tests/browser_support.py).
The page with an answer is in the phone check too (tests/test_browser_phone.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser_support import check_page, database_url, page, server, shots  # noqa: F401
from tests.test_sql import GILTS, HOUSES, JOINED, publish_sample

pytestmark = pytest.mark.browser


def test_a_query_typed_runs_and_a_wrong_one_shows_where(
    site: Any, server: Any, page: Any, shots: Path | None
) -> None:
    publish_sample(site, 0, HOUSES, None)
    publish_sample(site, 1, GILTS, None)
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="SQL", exact=True).click()
    check_page(page, shots, "empty")
    page.get_by_label("Query", exact=True).fill(JOINED)
    page.get_by_role("button", name="Run").click()
    page.get_by_role("heading", name="Answer").wait_for()
    sent = parse_qs(urlparse(page.url).query)["q"]
    assert [q.replace("\r\n", "\n") for q in sent] == [JOINED]  # the address is the query
    assert page.get_by_role("cell", name="2001", exact=True).count() == 1
    assert page.locator("#top-q").input_value() == ""  # the site's search box is not the SQL
    check_page(page, shots, "answer")
    wrong = f'SELECT "Date", "Pricee", {", ".join(["1"] * 60)} FROM "{HOUSES}"'  # noqa: S608
    page.get_by_label("Query", exact=True).fill(wrong)
    page.get_by_role("button", name="Run").click()
    page.get_by_role("heading", name="The query did not run").wait_for()
    assert "At line 1, column 16:" in page.locator("#sql-error").inner_text()
    caret = page.locator("pre.sql-where").inner_text().split("\n")[1]
    assert caret == " " * 15 + "^"
    assert page.get_by_label("Query", exact=True).input_value() == wrong  # kept as typed
    check_page(page, shots, "error")
