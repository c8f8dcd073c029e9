"""Cite and connect (issue 16, point 6): each version page offers a citation (title,
publisher, version, date, stable address, sha256), also as BibTeX and RIS, that names the
preview's filters when there are some; "other datasets with the same column" links the
datasets that share a column name and type, among those the viewer may see."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from catalog.accounts.users import create_user
from catalog.datasets.editing import delete_dataset
from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.viewer import Viewer
from tests.conftest import DATA
from tests.private_site import sign_in
from tests.test_web import PASSWORD

GDP = DATA / "valid/gdp/data/gdp.csv"
GILTS = DATA / "valid/uk-gilt-yields-10y/data/annual.csv"
CO2 = DATA / "invalid/co2-ppm/data/co2-annmean-mlo.csv"
CO2_WORLD = DATA / "invalid/co2-ppm/data/co2-annmean-gl.csv"


def publish(site: Any, path: Path, metadata: DatasetMetadata) -> str:
    outcome = publish_file(site, path, original_name=path.name, schema=None, metadata=metadata)
    assert outcome.published and outcome.dataset_name, outcome
    return outcome.dataset_name


def test_the_page_cites_the_version_with_its_address_and_the_files_sha256(
    client: Any, site: Any
) -> None:
    metadata = DatasetMetadata("GDP & growth_rates", organisation="Open Town", author="World Bank")
    name = publish(site, GDP, metadata)
    page = client.get(f"/dataset/{name}")
    assert page.status_code == 200
    cited = client.get(f"/dataset/{name}.json").json["citation"]
    sha = hashlib.sha256(GDP.read_bytes()).hexdigest()
    assert cited["sha256"] == sha and cited["version"] == 1
    assert cited["url"] == f"http://localhost/dataset/{name}?version=1"
    assert cited["text"].startswith(f"World Bank ({cited['year']}). GDP & growth_rates (version 1)")
    assert "Open Town." in cited["text"] and sha in cited["text"]
    assert html.escape(cited["text"], quote=False) in page.text

    bib = client.get(f"/dataset/{name}/v1/citation.bib")
    assert bib.status_code == 200 and bib.mimetype == "application/x-bibtex"
    assert f'filename="{name}-v1.bib"' in bib.headers["Content-Disposition"]
    text = bib.get_data(as_text=True)
    assert text.startswith(f"@misc{{{name.replace('-', '_')}_v1,")
    assert r"title = {GDP \& growth\_rates}," in text  # TeX's specials escaped
    assert "author = {World Bank}," in text and "publisher = {Open Town}," in text
    assert "version = {1}," in text and f"note = {{sha256: {sha}}}," in text

    record = client.get(f"/dataset/{name}/v1/citation.ris")
    assert record.status_code == 200
    lines = record.get_data(as_text=True).split("\r\n")
    assert lines[0] == "TY  - DATA" and lines[-2:] == ["ER  - ", ""]
    tags = dict(line.split("  - ", 1) for line in lines[:-2])
    assert tags["TI"] == "GDP & growth_rates" and tags["PB"] == "Open Town"
    assert tags["ET"] == "version 1" and tags["N1"] == f"sha256: {sha}"
    assert tags["UR"] == cited["url"]


def test_a_filtered_preview_is_cited_with_its_filters(client: Any, site: Any) -> None:
    name = publish(site, GDP, DatasetMetadata("GDP"))
    view = "field=Year&op=gt&value=2000&sort=-Value&columns=Year&columns=Value"
    cited = client.get(f"/dataset/{name}.json?{view}&offset=20").json["citation"]
    query = parse_qs(urlsplit(cited["url"]).query)
    assert query == {
        "version": ["1"],
        "field": ["Year"],
        "op": ["gt"],
        "value": ["2000"],
        "sort": ["-Value"],
        "columns": ["Year", "Value"],
    }  # the paging is not part of what is cited
    assert "the rows shown by the filters" in cited["text"]
    page = client.get(f"/dataset/{name}?{view}").text
    assert "cite the whole table" in page
    link = re.search(r'href="([^"]*citation\.bib[^"]*)"', page)
    assert link is not None
    bib = client.get(html.unescape(link[1])).get_data(as_text=True)
    assert "field=Year" in bib and "columns=Value" in bib and "filtered view" in bib
    # Parameters that are not the preview's are not cited, and cannot break the address.
    odd = client.get(f"/dataset/{name}/v1/citation.ris?name=x&number=9&fmt=y&version=3")
    assert odd.status_code == 200
    assert f"UR  - http://localhost/dataset/{name}?version=1\r\n" in odd.get_data(as_text=True)


def test_a_private_dataset_has_no_citation_for_those_who_may_not_see_it(
    client: Any, site: Any
) -> None:
    with site.session() as session:
        create_user(session, "priya", PASSWORD)
        session.commit()
    name = publish(site, GDP, DatasetMetadata("Hidden GDP", organisation="Open Town", private=True))
    for fmt in ("bib", "ris"):
        answer = client.get(f"/dataset/{name}/v1/citation.{fmt}")
        assert answer.status_code == 404 and "Hidden" not in answer.get_data(as_text=True)
    assert client.get(f"/dataset/{name}/v2/citation.bib").status_code == 404
    assert client.get(f"/dataset/{name}/v1/citation.txt").status_code == 404


def test_datasets_with_the_same_column_name_and_type_are_linked(client: Any, site: Any) -> None:
    gdp = publish(site, GDP, DatasetMetadata("GDP"))
    mauna_loa = publish(site, CO2, DatasetMetadata("Carbon dioxide at Mauna Loa"))
    world = publish(
        site, CO2_WORLD, DatasetMetadata("Carbon dioxide", organisation="Lab", private=True)
    )
    # The gilts' Year holds dates (31 December of each year): a Year that is not an integer.
    gilts = publish(site, GILTS, DatasetMetadata("Gilt yields"))

    shared = client.get(f"/dataset/{gdp}.json").json["same_columns"]
    assert shared == [
        {
            "column": "Year",
            "type": "integer",
            "datasets": [{"name": mauna_loa, "title": "Carbon dioxide at Mauna Loa"}],
            "more": 0,
        }
    ]  # not the private one, nor the Year of dates
    page = client.get(f"/dataset/{gdp}").text
    assert "Other datasets with the same column" in page and f'href="/dataset/{mauna_loa}"' in page
    assert f'/dataset/{world}"' not in page and f'/dataset/{gilts}"' not in page
    assert client.get(f"/dataset/{gilts}.json").json["same_columns"] == []
    assert "Other datasets with the same column" not in client.get(f"/dataset/{gilts}").text


def test_a_deleted_dataset_is_no_table_to_join_with_even_for_a_site_admin(
    client: Any, site: Any
) -> None:
    gdp = publish(site, GDP, DatasetMetadata("GDP"))
    mauna_loa = publish(site, CO2, DatasetMetadata("Carbon dioxide at Mauna Loa"))
    with site.session() as session:
        create_user(session, "ana", PASSWORD, is_admin=True)
        delete_dataset(site, session, Viewer.system(), mauna_loa)
        session.commit()
    sign_in(client, "ana")
    assert client.get(f"/dataset/{gdp}.json").json["same_columns"] == []
