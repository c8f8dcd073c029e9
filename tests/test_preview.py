"""The dataset page's preview: paged, sorted and filtered on the server, without JavaScript."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import Any

import pytest

from catalog.datasets.publishing import DatasetMetadata, publish_file

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "school", "type": "string"},
        {"name": "pupils", "type": "integer"},
    ]
}


@pytest.fixture
def page_url(site: Any, tmp_path: Path) -> str:
    path = tmp_path / "schools.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "school", "pupils"])
        for i in range(1, 61):
            school = f"{['Oak', 'Elm', 'Ash'][i % 3]} {'Primary' if i % 2 else 'Academy'} {i}"
            writer.writerow([i, school, "" if i == 7 else (i * 37) % 500])
    outcome = publish_file(
        site, path, original_name=path.name, schema=SCHEMA, metadata=DatasetMetadata("Schools")
    )
    return f"/dataset/{outcome.dataset_name}"


def first_column(text: str) -> list[int]:
    body = text.split('<table class="preview">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td class=\"n\">\d+</td><td[^>]*>(\d+)</td>", body)
    return [int(r) for r in rows]


def test_sorting_by_a_column_header(client: Any, page_url: str) -> None:
    page = client.get(page_url + "?sort=-pupils")
    assert page.status_code == 200
    pupils = {i: (i * 37) % 500 for i in range(1, 61) if i != 7}
    expected = sorted(pupils, key=lambda i: (-pupils[i], i))[:20]
    assert first_column(page.text) == expected
    assert 'aria-sort="descending"' in page.text
    assert "sort=pupils" in page.text  # the header now links to the ascending sort


def test_filter_search_and_pages_keep_the_view(client: Any, page_url: str) -> None:
    page = client.get(page_url + "?field=school&op=starts&value=oak&sort=id")
    oaks = [i for i in range(1, 61) if i % 3 == 0]
    assert first_column(page.text) == oaks[:20]
    assert "Rows 1 to 20 of 20 matching (of 60 in all)" in page.text
    words = client.get(page_url + "?q=elm+academy")
    assert first_column(words.text) == [i for i in range(1, 61) if i % 3 == 1 and i % 2 == 0]
    more = client.get(page_url + "?field=pupils&op=ge&value=100&sort=id")
    assert "Next rows" in more.text
    next_link = html.unescape(re.search(r'href="([^"]+)">Next rows', more.text).group(1))
    assert "field=pupils" in next_link and "offset=20" in next_link and "sort=id" in next_link
    following = client.get(next_link.split("#")[0])
    big = [i for i in range(1, 61) if i != 7 and (i * 37) % 500 >= 100]
    assert first_column(following.text) == big[20:40]
    empty = client.get(page_url + "?field=pupils&op=null")
    assert first_column(empty.text) == [7]


def test_a_view_the_table_cannot_answer_is_explained(client: Any, page_url: str) -> None:
    page = client.get(page_url + "?field=pupils&op=gt&value=lots")
    assert page.status_code == 200
    said = html.unescape(page.text)
    assert '"lots" is not a whole number, so "pupils" cannot be compared with it' in said
    assert "Showing the first rows instead" in said
    assert first_column(page.text) == list(range(1, 21))
    unknown = client.get(page_url + "?sort=%3Cscript%3E")
    assert unknown.status_code == 200 and "<script>" not in unknown.text
    assert "There is no field" in unknown.text
    bogus = client.get(page_url + "?field=pupils&op=bogus&value=3")
    assert "is not a way to filter here" in bogus.text
    assert "Give a value" in client.get(page_url + "?field=pupils&op=gt").text
