"""Search: stemming, prefixes, suggestions, phrases, facets and filters, sorting, paging,
column names, private datasets, escaped highlights, concurrent writers and a damaged index."""

from __future__ import annotations

import multiprocessing
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.search.documents import snippet
from catalog.search.index import SearchIndex
from catalog.startup import prepare
from tests.conftest import SEARCH_BACKENDS
from tests.factories import index_document

_doc = index_document


@pytest.fixture(params=SEARCH_BACKENDS)
def search_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def index(empty_index: Any) -> Any:
    found = empty_index
    found.rebuild(
        [
            _doc(
                1,
                "Social housing waiting list",
                description="Households waiting for a council home in the City of London.",
                organisation="camden",
                tags=["housing", "Waiting Lists"],
                fields=[{"name": "wardCode"}, {"name": "households", "description": "people"}],
                modified=datetime(2024, 3, 1),
            ),
            _doc(
                2,
                "Bus transport journeys",
                description="Journeys by bus to London, then the city.",
                organisation="tfl",
                licence="cc-by",
                tags=["transport"],
                fields=[{"name": "route_number"}],
                formats=["XLSX"],
                modified=datetime(2024, 1, 1),
            ),
            _doc(
                3,
                "Allotment plots",
                description="Garden plots <script>alert(1)</script> & waiting times.",
                organisation="camden",
                tags=["gardens"],
                modified=datetime(2024, 2, 1),
            ),
        ]
    )
    return found


def test_words_are_stemmed_and_match_as_prefixes(index: Any) -> None:
    assert index.search("households").dataset_ids == [1]  # stem of "households"
    assert index.search("journey").dataset_ids == [2]  # "journeys" by its stem
    assert index.search("hous").dataset_ids == [1]
    assert index.search("transp").dataset_ids == [2]
    assert index.search("allot plot").dataset_ids == [3]
    assert index.search("transp -bus").total == 0


def test_suggestions_come_from_the_index_words(index: Any) -> None:
    found = index.search("housng")
    assert (found.total, found.suggestion) == (0, "housing")
    assert index.search("hous").suggestion is None  # a prefix of a known word
    assert index.search("london").suggestion is None


def test_quoted_phrases_match_in_order(index: Any) -> None:
    assert index.search('"city of london"').dataset_ids == [1]
    assert index.search("city london").total == 2
    assert index.search('"london city"').total == 0


def test_facets_count_every_match_and_filters_narrow(index: Any) -> None:
    found = index.search("", limit=1)
    assert found.total == 3 and len(found.dataset_ids) == 1
    assert found.facets == {
        "organisation": [("camden", 2), ("tfl", 1)],
        "tags": [("gardens", 1), ("housing", 1), ("transport", 1), ("waiting lists", 1)],
        "licence": [("uk-ogl", 2), ("cc-by", 1)],
        "format": [("CSV", 2), ("XLSX", 1)],
        "column": [("households", 1), ("route_number", 1), ("wardcode", 1)],
    }
    assert index.search("", {"organisation": "camden"}).dataset_ids == [1, 3]
    assert index.search("", {"tags": "Waiting Lists"}).dataset_ids == [1]
    assert index.search("", {"licence": "cc-by"}).dataset_ids == [2]
    assert index.search("", {"format": "XLSX"}).dataset_ids == [2]
    assert index.search("", {"column": "WardCode"}).dataset_ids == [1]
    both = index.search("waiting", {"organisation": "camden", "tags": "gardens"})
    assert both.dataset_ids == [3]
    assert both.facets["organisation"] == [("camden", 1)]


def test_sorts_and_pages(index: Any) -> None:
    assert index.search("", sort="title").dataset_ids == [3, 2, 1]
    assert index.search("", sort="modified").dataset_ids == [1, 3, 2]
    assert index.search("").dataset_ids == [1, 3, 2]  # no words: newest first
    assert index.search("waiting").dataset_ids[0] == 1  # title and tags outweigh text
    assert index.search("", offset=1, limit=1, sort="title").dataset_ids == [2]
    assert index.search("", offset=5, limit=1).dataset_ids == []
    assert index.search("", offset=2, limit=5, sort="modified").total == 3


def test_column_names_and_descriptions_are_searched(index: Any) -> None:
    assert index.search("wardcode").dataset_ids == [1]
    assert index.search("ward code").dataset_ids == [1]  # camelCase split
    assert index.search("route number").dataset_ids == [2]
    assert index.search("people").dataset_ids == [1]  # a field's description


def test_private_datasets_only_for_their_organisations(empty_index: Any) -> None:
    index = empty_index
    index.rebuild(
        [
            _doc(1, "Public roads", organisation="camden"),
            _doc(2, "Private roads", organisation="camden", private=True),
            _doc(3, "Secret roads", organisation="tfl", private=True),
        ]
    )
    assert sorted(index.search("roads").dataset_ids) == [1, 2, 3]  # may see everything
    assert index.search("roads", visible_organisations=set()).dataset_ids == [1]
    visible = index.search("roads", visible_organisations={"camden"})
    assert sorted(visible.dataset_ids) == [1, 2]
    assert visible.facets["organisation"] == [("camden", 2)]
    assert index.search("secret", visible_organisations={"camden"}).total == 0


def test_snippets_escape_dataset_text(index: Any) -> None:
    found = index.search("waiting")
    marked = snippet(found.terms, "Garden plots <script>alert(1)</script> & waiting times.")
    assert marked is not None
    assert "<script>" not in marked and "&lt;script&gt;" in marked and "&amp;" in marked
    assert "<mark>waiting</mark>" in marked
    assert snippet(found.terms, "nothing here") is None
    assert "<mark>hous" in str(snippet(index.search("hous").terms, "Social housing"))


def test_search_page_shows_escaped_snippets_and_suggestions(site: Any, tmp_path: Path) -> None:
    path = tmp_path / "plots.csv"
    path.write_text("plot_number,holder\n1,Ann\n", encoding="utf-8")
    description = "Garden <b>plots</b> & waiting times"
    metadata = DatasetMetadata(title="Allotments", description=description, tags=["gardens"])
    publish_file(site, path, original_name=path.name, schema=None, metadata=metadata)
    from catalog.datasets.reading import search_datasets

    with site.session() as session:
        found = search_datasets(site, session, "waiting")
        [result] = found["results"]
        assert "&lt;b&gt;plots&lt;/b&gt; &amp; <mark>waiting</mark>" in result["snippet"]
        by_column = search_datasets(site, session, "holder")["results"][0]["snippet"]
        assert by_column.startswith("Columns: ") and "<mark>holder</mark>" in by_column
        assert search_datasets(site, session, "allotmnts")["suggestion"] == "allotments"
        assert search_datasets(site, session, "", {"column": "plot_number"})["total"] == 1


def test_search_page_renders(client: Any, app: Any, tmp_path: Path) -> None:
    path = tmp_path / "plots.csv"
    path.write_text("plot_number,holder\n1,Ann\n", encoding="utf-8")
    metadata = DatasetMetadata(title="Allotments", description="Garden <i>plots</i>")
    publish_file(
        app.extensions["site"], path, original_name=path.name, schema=None, metadata=metadata
    )
    page = client.get("/search?q=plot").text
    assert "<mark>plots</mark>" in page and "&lt;i&gt;" in page and "<i>plots" not in page
    assert "Did you mean" in client.get("/search?q=alotments").text


def _add_documents(folder: str, first: int, count: int) -> None:
    index = SearchIndex(Path(folder))
    for number in range(first, first + count):
        index.update(_doc(number, f"Dataset {number}", description="written concurrently"))


@pytest.mark.processes
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    SearchIndex(folder).rebuild([])
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_add_documents, args=(str(folder), first, 60)) for first in (1, 1001)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    found = SearchIndex(folder).search("concurrently", limit=1000)
    assert sorted(found.dataset_ids) == [*range(1, 61), *range(1001, 1061)]
    assert SearchIndex(folder).healthy(120)


# Whoosh leaves a damaged index's files open when it refuses them; the leak is its, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("search_backend", ["whoosh"])  # its folder damaged
def test_damaged_or_outdated_index_is_detected_and_rebuilt(site: Any, tmp_path: Path) -> None:
    path = tmp_path / "roads.csv"
    path.write_text("road,length\nA1,10\n", encoding="utf-8")
    metadata = DatasetMetadata(title="Road lengths")
    publish_file(site, path, original_name=path.name, schema=None, metadata=metadata)
    assert site.index.healthy(1)
    for file in site.index.folder.iterdir():
        if file.suffix in (".toc", ".seg"):
            file.write_bytes(b"not an index")
    assert not site.index.healthy(1)
    prepare(site)  # the start-up check rebuilds from the database
    assert site.index.healthy(1)
    assert site.index.search("road").total == 1


@pytest.mark.parametrize("search_backend", ["whoosh"])  # its folder damaged
def test_a_damaged_index_under_a_running_site_is_rebuilt_from_the_catalogue(
    client: Any, site: Any
) -> None:
    from tests.test_web import finished, sign_in, upload

    sign_in(client, site)
    finished(client, site, upload(client, "valid/gdp/data/gdp.csv", None, title="GDP"))
    assert client.get("/search.json?q=gdp").get_json()["total"] == 1
    for path in site.settings.index_dir.iterdir():  # its files replaced while it runs
        if path.is_file():  # (as a copy or restore would: not changed in place under mmap)
            spoiled = path.with_name(path.name + ".new")
            spoiled.write_bytes(b"garbage")
            spoiled.replace(path)
    assert client.get("/search.json?q=gdp").get_json()["total"] == 1  # rebuilt, answered
    assert client.get("/api/3/action/package_search?q=gdp").get_json()["result"]["count"] == 1
