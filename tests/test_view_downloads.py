"""Downloads of what you see: every preview view (each filter kind, words, sort, chosen
columns) links to downloads in every format holding exactly the rows and columns the
preview counts, named after the view; so do datastore_search's answers.

On two real datasets of tests/data (SOURCES.md): Nationwide's house prices (a date and
eight number columns) and mySociety's local authorities (text, numbers, booleans). Each
download is read back, whole, and compared with the preview's total, its columns, its
first page and the Parquet download.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from typing import Any
from urllib.parse import urlencode

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from datastore.json_values import json_value
from tests.real_datasets import COUNCILS, HOUSES, PRICE, councils, houses

__all__ = ["councils", "houses"]  # fixtures

FORMATS = ("csv", "tsv", "json", "ndjson", "parquet")

# (dataset, the preview's parameters, words the file name holds)
HOUSE_VIEWS: list[tuple[dict[str, Any], str]] = [
    ({"field": PRICE, "op": "gt", "value": "200000"}, "price-all-gt-200000"),
    ({"field": PRICE, "op": "ge", "value": "£200,000"}, "price-all-ge-200000"),
    ({"field": PRICE, "op": "lt", "value": "5,000"}, "price-all-lt-5000"),
    ({"field": PRICE, "op": "le", "value": "2000"}, "price-all-le-2000"),
    ({"field": PRICE, "op": "eq", "value": "1,891"}, "price-all-is-1891"),
    ({"field": PRICE, "op": "ne", "value": "1891"}, "price-all-not-1891"),
    ({"field": "Date", "op": "ge", "value": "31/01/2020"}, "date-ge-31-01-2020"),
    ({"field": "Date", "op": "lt", "value": "1960-01-01"}, "date-lt-1960-01-01"),
    ({"field": "Change (All)", "op": "null"}, "change-all-empty"),
    ({"field": "Change (All)", "op": "notnull"}, "change-all-not-empty"),
    ({"sort": f"-{PRICE}"}, "sorted-by-price-all-desc"),
    ({"columns": ["Date", "Price (New)"]}, "columns-date-price-new"),
    (
        {
            "field": "Date",
            "op": "ge",
            "value": "01/01/2000",
            "sort": f"-{PRICE}",
            "columns": ["Date", PRICE],
        },
        "date-ge-01-01-2000-sorted-by-price-all-desc-columns-date-price-all",
    ),
]
COUNCIL_VIEWS: list[tuple[dict[str, Any], str]] = [
    ({"field": "nation", "op": "eq", "value": "Wales"}, "nation-is-wales"),
    ({"field": "nation", "op": "ieq", "value": "wALES"}, "nation-is-any-case-wales"),
    ({"field": "nation", "op": "ne", "value": "England"}, "nation-not-england"),
    (
        {"field": "official-name", "op": "contains", "value": "shire"},
        "official-name-contains-shire",
    ),
    ({"field": "nice-name", "op": "starts", "value": "north"}, "nice-name-starts-north"),
    ({"field": "end-date", "op": "notnull"}, "end-date-not-empty"),
    ({"field": "pop-2020", "op": "gt", "value": "500,000"}, "pop-2020-gt-500000"),
    ({"q": "borough council"}, "q-borough-council"),
    ({"q": "wales", "sort": "nice-name", "columns": ["nice-name", "nation"]}, "q-wales"),
    # Words that look like JSON: a list, or broken JSON, is words; an object is words per field,
    # in the preview as in datastore_search (the download once read them differently)
    ({"q": "[draft]"}, "q-draft"),
    ({"q": "{broken"}, "q-broken"),
    ({"q": '{"nation": "wales"}'}, "q-nation-wales"),
]


def read_back(fmt: str, body: bytes, schema: pa.Schema) -> list[dict[str, Any]]:
    """A download's rows, as JSON values, read with an ordinary reader of its format."""
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(body))
    elif fmt in ("csv", "tsv"):
        table = pacsv.read_csv(
            io.BytesIO(body),
            parse_options=pacsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ","),
            convert_options=pacsv.ConvertOptions(
                column_types=schema, strings_can_be_null=True, null_values=[""]
            ),
        )
        assert table.column_names == schema.names
    else:
        rows = json.loads(body) if fmt == "json" else [json.loads(x) for x in body.splitlines()]
        return [dict(row) for row in rows]
    return [{k: json_value(v) for k, v in row.items()} for row in table.to_pylist()]


def view_url(name: str, view: dict[str, Any]) -> str:
    return f"/dataset/{name}?" + urlencode(view, doseq=True)


def check_view(client: Any, name: str, view: dict[str, Any], words: str) -> int:
    page = client.get(view_url(name, view))
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert 'class="flash error"' not in text, text.split('class="flash error"')[1][:300]
    twin = client.get(view_url(name, view).replace(f"/dataset/{name}?", f"/dataset/{name}.json?"))
    preview = twin.get_json()["preview"]
    total = preview["total"]
    assert all(isinstance(row_id, int) for row_id in preview["row_ids"])  # the "#" column
    shown = f"This view has {total:,} {'row' if total == 1 else 'rows'}"
    assert shown in text
    share = re.search(r'<div class="view-share" id="view-share">(.*?)</div>', text, re.S)
    assert share, "the view's downloads and address"
    links = dict(re.findall(r'<a href="([^"]+)">(CSV|TSV|JSON|NDJSON|Parquet)</a>', share[1]))
    links = {label.lower(): href for href, label in links.items()}
    assert sorted(links) == sorted(FORMATS)
    address = re.search(r'id="view-address" class="view-address" readonly value="([^"]+)"', text)
    assert address and client.get(address[1].replace("http://localhost", "")).status_code == 200
    parquet = client.get(links["parquet"])
    schema = pq.read_table(io.BytesIO(parquet.data)).schema
    assert schema.names == preview["columns"]
    expected = read_back("parquet", parquet.data, schema)
    first_page = [dict(zip(preview["columns"], row, strict=True)) for row in preview["rows"]]
    assert expected[: len(first_page)] == first_page
    for fmt in FORMATS:
        answer = client.get(links[fmt])
        assert answer.status_code == 200, (fmt, answer.text[:300])
        disposition = answer.headers["Content-Disposition"]
        assert f'filename="{name}-v1-{words}' in disposition, disposition
        assert disposition.endswith(f'.{fmt}"')
        rows = read_back(fmt, answer.data, schema)
        assert len(rows) == total, (fmt, view)
        if fmt in ("json", "ndjson"):
            assert all(list(row) == preview["columns"] for row in rows)
        assert rows == expected, (fmt, view)
    return int(total)


@pytest.mark.parametrize(("view", "words"), HOUSE_VIEWS)
def test_every_house_price_view_downloads_as_shown(
    client: Any, houses: str, view: dict[str, Any], words: str
) -> None:
    check_view(client, houses, view, words)


@pytest.mark.parametrize(("view", "words"), COUNCIL_VIEWS)
def test_every_council_view_downloads_as_shown(
    client: Any, councils: str, view: dict[str, Any], words: str
) -> None:
    check_view(client, councils, view, words)


def test_the_counts_are_the_files_own(client: Any, houses: str, councils: str) -> None:
    """The totals, counted here from the CSV files themselves."""
    with (HOUSES / "data/data.csv").open(newline="") as handle:
        prices = list(csv.DictReader(handle))
    over = sum(1 for row in prices if float(row[PRICE]) > 200000)
    assert over == 35  # the "35 rows", which every download used to give as 288
    assert check_view(client, houses, HOUSE_VIEWS[0][0], HOUSE_VIEWS[0][1]) == over
    since = sum(1 for row in prices if row["Date"] >= "2020-01-31")
    assert check_view(client, houses, HOUSE_VIEWS[6][0], HOUSE_VIEWS[6][1]) == since
    with (COUNCILS / "uk_local_authorities_future.csv").open(newline="", encoding="utf-8") as f:
        nations = [row["nation"] for row in csv.DictReader(f)]
    welsh = nations.count("Wales")
    assert welsh > 0
    assert check_view(client, councils, COUNCIL_VIEWS[1][0], COUNCIL_VIEWS[1][1]) == welsh


def test_a_whole_table_offers_no_view_downloads(client: Any, houses: str) -> None:
    page = client.get(f"/dataset/{houses}")
    assert 'id="view-share"' not in page.text and "This view" not in page.text
    every = client.get(
        f"/dataset/{houses}?columns="
        + "&columns=".join(
            [
                "Date",
                *[
                    f"{w} ({k})"
                    for k in ("All", "New", "Modern", "Older")
                    for w in ("Price", "Change")
                ],
            ]
        )
    )
    assert 'id="view-share"' not in every.text  # every column chosen is the whole table


def test_a_view_that_cannot_be_answered_offers_no_view_downloads(client: Any, houses: str) -> None:
    page = client.get(f"/dataset/{houses}?field={PRICE}&op=gt&value=lots")
    assert 'class="flash error"' in page.text and 'id="view-share"' not in page.text


def test_datastore_search_links_to_downloads_of_its_rows(client: Any, councils: str) -> None:
    params = {
        "resource_id": councils,
        "filters": json.dumps({"nation": {"ieq": "scotland"}}),
        "q": "council",
        "sort": "nice-name desc",
        "fields": "nice-name,nation,pop-2020",
        "limit": 5,
    }
    answer = client.get("/api/3/action/datastore_search?" + urlencode(params)).get_json()
    result = answer["result"]
    assert len(result["records"]) == 5 and result["total"] > 5
    rows: dict[str, bytes] = {}
    for fmt in FORMATS:
        link = result["_links"][f"download_{fmt}"]
        assert link.startswith(f"/datastore/dump/{councils}-v1?")
        download = client.get(link)
        body = download.data  # read whole (a streamed answer ends when read)
        assert download.status_code == 200, body[:300]
        assert "nation-is-any-case-scotland-q-council" in download.headers["Content-Disposition"]
        if fmt == "parquet":
            schema = pq.read_table(io.BytesIO(body)).schema
            assert schema.names == ["nice-name", "nation", "pop-2020"]
        rows[fmt] = body
    for fmt, body in rows.items():
        records = read_back(fmt, body, schema)
        assert len(records) == result["total"], fmt
        assert records[:5] == result["records"], fmt
    # The same parameters on the dataset's own download path give the same rows.
    keep = {k: v for k, v in params.items() if k not in ("resource_id", "limit")}
    same = client.get(f"/dataset/{councils}/v1/data.json?" + urlencode(keep)).get_json()
    assert len(same) == result["total"] and same[:5] == result["records"]
