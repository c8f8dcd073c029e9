"""The dataset page's charts (catalog/datasets/charts.py, datastore/aggregate.py, drawn by
catalog/web/charts_svg.py): on the real sample datasets, bounded on big tables, following
the preview's filter, and escaped."""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import pytest

from catalog.datasets.charts import MAX_MAP_POINTS, MAX_SERIES_POINTS
from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.datasets.samples import CORPUS, SAMPLES
from catalog.web.charts_svg import compact, nice_ticks, number
from schemas import load_schema


def publish_sample(site: Any, folder: str) -> str:
    """One of the sample datasets (catalog/datasets/sample_files), published; its URL name."""
    (sample,) = [s for s in SAMPLES if s.data.startswith(folder + "/")]
    data = CORPUS / sample.data
    schema = load_schema(CORPUS / sample.schema, data_name=data.name)
    outcome = publish_file(
        site, data, original_name=data.name, schema=schema, metadata=sample.metadata
    )
    assert outcome.published
    return str(outcome.dataset_name)


def publish_rows(site: Any, tmp_path: Path, fields: dict[str, str], rows: list[list[Any]]) -> str:
    """A table of `rows` under the fields {name: Table Schema type}, published."""
    path = tmp_path / "table.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        writer.writerows(rows)
    schema = {"fields": [{"name": name, "type": kind} for name, kind in fields.items()]}
    outcome = publish_file(
        site, path, original_name=path.name, schema=schema, metadata=DatasetMetadata("Table")
    )
    assert outcome.published, outcome
    return str(outcome.dataset_name)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def charts_of(client: Any, name: str, **args: str) -> dict[str, Any]:
    answer = client.get(f"/dataset/{name}.json", query_string=args)
    assert answer.status_code == 200, answer.text
    return dict(answer.json["charts"])


def table_rows(page: str, label: str) -> list[list[str]]:
    """The rows of the chart table in the region named `label`."""
    region = page.split(f'aria-label="{label}', 1)[1].split("</table>", 1)[0]
    body = region.split("<tbody>", 1)[1]
    return [
        [html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def test_house_prices_have_a_line_over_their_dates(client: Any, site: Any) -> None:
    name = publish_sample(site, "uk-house-prices-nationwide")
    line = charts_of(client, name)["line"]
    assert (line["time"], line["value"], line["step"], line["most_rows"]) == (
        "Date",
        "Price (All)",
        "",
        1,
    )
    source = read_csv(CORPUS / SAMPLES[0].data)
    assert [p["label"] for p in line["points"]] == [row["Date"] for row in source]
    assert [p["value"] for p in line["points"]] == [float(row["Price (All)"]) for row in source]
    page = client.get(f"/dataset/{name}").text
    assert '<svg class="chart line-chart"' in page
    assert 'role="img" aria-label="Price (All) by Date: 288 points, from 1953-02-01 to' in page
    rows = table_rows(page, "The line chart's values")
    assert len(rows) == 288 and rows[0] == ["1953-02-01", "1,891", "1"]


def test_another_number_and_how_values_combine_are_chosen(client: Any, site: Any) -> None:
    name = publish_sample(site, "gdp")
    line = charts_of(client, name)["line"]
    assert (line["time"], line["value"], line["how"], line["step"]) == ("Year", "Value", "avg", "")
    assert line["most_rows"] > 200  # every country and region in each year
    total = charts_of(client, name, chart_how="sum")["line"]
    assert total["how_label"] == "total"
    assert total["points"][0]["value"] == pytest.approx(
        line["points"][0]["value"] * line["points"][0]["rows"]
    )
    page = client.get(f"/dataset/{name}", query_string={"chart_how": "max"}).text
    assert "<h3>Largest Value by Year</h3>" in page
    assert '<option value="max" selected>largest</option>' in page


def test_a_filtered_preview_draws_filtered_charts(client: Any, site: Any) -> None:
    name = publish_sample(site, "gdp")
    view = {"field": "Country Name", "op": "eq", "value": "United Kingdom"}
    charts = charts_of(client, name, **view)
    assert charts["filtered"]
    line, bars = charts["line"], charts["bars"]
    source = read_csv(CORPUS / "gdp/data/gdp.csv")
    uk = {
        int(r["Year"]): float(r["Value"]) for r in source if r["Country Name"] == "United Kingdom"
    }
    assert {int(p["label"]): p["value"] for p in line["points"]} == uk
    assert line["most_rows"] == 1
    assert bars["bars"] == [{"label": "United Kingdom", "count": len(uk)}]
    assert (bars["rows"], bars["distinct"], bars["others"]) == (len(uk), 1, 0)
    # The words of the preview's search box too.
    searched = charts_of(client, name, q="Kingdom")
    assert searched["bars"]["bars"] == bars["bars"]
    # Each chart's form keeps the preview's view; the preview's filter form is untouched.
    page = client.get(f"/dataset/{name}", query_string={**view, "chart_value": "Value"}).text
    charts_section = page.split('<section id="charts"', 1)[1].split("</section>", 1)[0]
    assert '<input type="hidden" name="value" value="United Kingdom">' in charts_section
    assert "Drawn from the rows the preview's filter matches" in charts_section


def test_a_filter_the_table_cannot_answer_draws_every_row(client: Any, site: Any) -> None:
    name = publish_sample(site, "uk-house-prices-nationwide")
    charts = charts_of(client, name, field="Price (All)", op="gt", value="a lot")
    assert not charts["filtered"] and len(charts["line"]["points"]) == 288


def test_categories_have_bars_from_the_profile(client: Any, site: Any) -> None:
    name = publish_sample(site, "uk-local-authorities")
    bars = charts_of(client, name)["bars"]
    assert bars["column"] == "nation"  # the fewest different values, text before true/false
    assert bars["bars"] == [
        {"label": "England", "count": 380},
        {"label": "Northern Ireland", "count": 36},
        {"label": "Scotland", "count": 32},
        {"label": "Wales", "count": 22},
    ]
    assert "current-authority" in bars["categories"]
    missing = charts_of(client, name, chart_bars="classification")
    assert missing["bars"]["column"] == "nation"
    assert missing["notes"] == [
        'There is no category column "classification" here; showing nation instead.'
    ]
    chosen = charts_of(client, name, chart_bars="current-authority")["bars"]
    assert [b["label"] for b in chosen["bars"]] == ["true", "false"]
    page = client.get(f"/dataset/{name}").text
    assert 'aria-label="The most common values of nation: England (380), Northern' in page
    assert table_rows(page, "The bar chart's values")[0] == ["England", "380"]


def test_latitude_and_longitude_make_a_map(client: Any, site: Any) -> None:
    name = publish_sample(site, "uk-local-authorities")
    places = charts_of(client, name)["map"]
    assert (places["lat"], places["lon"], places["label"]) == ("lat", "long", "official-name")
    assert places["total"] == len(places["points"]) == 412  # the rows with both values
    first = places["points"][0]
    assert first["label"].startswith("Armagh City") and first["row"] == 1
    scotland = charts_of(client, name, field="nation", op="eq", value="Scotland")["map"]
    assert scotland["total"] == 32 and all(p["lat"] > 54.6 for p in scotland["points"])
    page = client.get(f"/dataset/{name}").text
    assert '<svg class="chart point-map"' in page and "Map of 412 places by lat and long" in page
    assert len(table_rows(page, "The map's places")) == 200  # the first 200 listed


def test_a_table_without_such_columns_has_no_charts(client: Any, site: Any, tmp_path: Path) -> None:
    name = publish_rows(
        site, tmp_path, {"id": "integer", "code": "string"}, [[i, f"X{i}"] for i in range(1, 30)]
    )
    assert charts_of(client, name)["line"] is None
    assert '<section id="charts"' not in client.get(f"/dataset/{name}").text


def test_a_long_series_is_grouped_to_a_few_hundred_points(
    client: Any, site: Any, tmp_path: Path
) -> None:
    start = dt.date(2000, 1, 1)
    rows = [[(start + dt.timedelta(days=i)).isoformat(), i % 7] for i in range(4000)]
    name = publish_rows(site, tmp_path, {"day": "date", "count": "integer"}, rows)
    line = charts_of(client, name)["line"]
    assert line["step"] == "month" and len(line["points"]) == 132 <= MAX_SERIES_POINTS
    assert line["points"][0]["label"] == "Jan 2000" and line["points"][0]["rows"] == 31
    assert line["rows"] == 4000


def test_a_map_samples_at_most_its_points_the_same_each_time(
    client: Any, site: Any, tmp_path: Path
) -> None:
    rows = [[f"Stop {i}", 50 + (i % 1000) / 200, -3 + (i // 1000) / 2] for i in range(6000)]
    name = fields = {"stop name": "string", "latitude": "number", "longitude": "number"}
    name = publish_rows(site, tmp_path, fields, rows)
    first = charts_of(client, name)["map"]
    assert first["total"] == 6000 and len(first["points"]) == MAX_MAP_POINTS
    assert charts_of(client, name)["map"]["points"] == first["points"]
    rows_drawn = [p["row"] for p in first["points"]]
    assert rows_drawn == sorted(rows_drawn) and rows_drawn[-1] > 5000  # spread over the table


def test_values_are_escaped_in_the_charts(client: Any, site: Any, tmp_path: Path) -> None:
    rows = [["<b>bold</b>" if i % 2 else 'say "hi" & go', i] for i in range(20)]
    name = publish_rows(site, tmp_path, {"<i>kind</i>": "string", "n": "integer"}, rows)
    page = client.get(f"/dataset/{name}").text
    charts = page.split('<section id="charts"', 1)[1].split("</section>", 1)[0]
    assert "<b>" not in charts and "<i>" not in charts
    assert "&lt;b&gt;bold&lt;/b&gt; (10)" in charts
    assert "say &#34;hi&#34; &amp; go" in charts


def test_a_chart_column_the_table_lacks_is_said_in_words(client: Any, site: Any) -> None:
    name = publish_sample(site, "uk-gilt-yields-10y")
    charts = charts_of(client, name, chart_value="Price", chart_how="median")
    assert charts["line"]["value"] == "Rate"
    assert charts["notes"] == [
        'There is no number column "Price" here; showing Rate instead.',
        '"median" is not a way to combine values; showing the average.',
    ]
    # Neither is carried on by the charts' forms.
    page = client.get(f"/dataset/{name}", query_string={"chart_value": "Price"}).text
    assert 'name="chart_value" value="Price"' not in page
    assert "There is no number column &#34;Price&#34; here; showing Rate instead." in page


def test_numbers_and_ticks_read_well() -> None:
    assert [number(v) for v in (1891.0, 273135.0, 11.4319, 0.5, 3521418059.92, None)] == [
        "1,891",
        "273,135",
        "11.4319",
        "0.5",
        "3,521,418,060",
        "",
    ]
    assert [compact(v) for v in (0, 250_000, 1_500_000, 2e12, 0.25)] == [
        "0",
        "250k",
        "1.5m",
        "2tn",
        "0.25",
    ]
    assert nice_ticks(1891, 273135) == [0, 100_000, 200_000, 300_000]


@pytest.mark.parametrize("zone", ["", "Z"])
def test_timestamps_are_grouped_by_day(client: Any, site: Any, tmp_path: Path, zone: str) -> None:
    start = dt.datetime(2024, 1, 1)
    rows = [[(start + dt.timedelta(hours=i)).isoformat() + zone, i] for i in range(1000)]
    name = publish_rows(site, tmp_path, {"reading at": "datetime", "level": "integer"}, rows)
    line = charts_of(client, name)["line"]
    assert (line["time"], line["step"], len(line["points"])) == ("reading at", "day", 42)
    assert line["points"][0] == {"x": 19723.0, "label": "2024-01-01", "value": 11.5, "rows": 24}
    few = charts_of(client, name, field="level", op="lt", value="48")["line"]
    assert few["step"] == "" and few["points"][1]["label"] == "2024-01-01 01:00:00"


def test_the_preview_and_the_charts_keep_each_others_choices(client: Any, site: Any) -> None:
    """Changing the filter, the columns or the sort keeps the charts' columns, and drawing
    another chart keeps the preview's columns: neither form starts the other again."""
    name = publish_sample(site, "uk-local-authorities")
    page = client.get(
        f"/dataset/{name}?chart_bars=current-authority&columns=nation&columns=name"
    ).text
    preview = page[page.index('<form class="preview-filter"') :]
    preview = preview[: preview.index("</form>")]
    assert '<input type="hidden" name="chart_bars" value="current-authority">' in preview
    chosen = page[page.index('<form class="preview-columns"') :]
    assert (
        '<input type="hidden" name="chart_bars" value="current-authority">'
        in chosen[: chosen.index("</form>")]
    )
    assert "chart_bars=current-authority" in page[page.index('title="Sort by nation"') - 300 :]
    charts = page[page.index('<section id="charts"') :]
    for form in charts.split('<form class="chart-choice"')[1:]:
        form = form[: form.index("</form>")]
        assert '<input type="hidden" name="columns" value="nation">' in form
        assert '<input type="hidden" name="columns" value="name">' in form
