"""Issue 16's search: BM25F relevance over title, tags, description and columns (title
highest), phrases and prefixes; "did you mean" only for real words and only when it finds
more; each result's snippet inside its own block; no facet whose one value every result has.
Each defect's test here failed on the code before the fix (see the commit message)."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from catalog.datasets.publishing import DatasetMetadata, publish_file
from tests.conftest import SEARCH_BACKENDS
from tests.factories import index_document

_doc = partial(index_document, days=1)


@pytest.fixture(params=SEARCH_BACKENDS)
def search_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _index(index: Any, *documents: dict[str, Any]) -> Any:
    index.rebuild(documents)
    return index


FILLER = " ".join(f"filler{n}" for n in range(60))


def test_a_word_said_often_in_a_short_description_outranks_one_mention_in_a_long_one(
    empty_index: Any,
) -> None:
    index = _index(
        empty_index,
        _doc(1, "Dataset one", days=20, description=f"Allotments once. {FILLER}"),
        _doc(2, "Dataset two", days=2, description="Allotments, allotments and allotments."),
    )
    # before: equal "title and tag" scores, so the newer first
    assert index.search("allotments").dataset_ids == [2, 1]


def test_the_title_counts_most_then_tags_then_columns_then_description(
    empty_index: Any,
) -> None:
    index = _index(
        empty_index,
        _doc(1, "Road works", days=28, description="Potholes reported by residents."),
        _doc(2, "Street repairs", days=27, fields=[{"name": "pothole_count"}]),
        _doc(3, "Highways", days=26, tags=["potholes"]),
        _doc(4, "Potholes", days=1),
    )
    assert index.search("potholes").dataset_ids == [4, 3, 2, 1]


def test_words_side_by_side_in_the_title_rank_first(empty_index: Any) -> None:
    index = _index(
        empty_index,
        _doc(1, "Prices paid for a house, by area", days=20),
        _doc(2, "House prices since 1952", days=1),
    )
    assert index.search("house prices").dataset_ids == [2, 1]
    assert index.search('"house prices"').dataset_ids == [2]


def test_the_word_being_typed_matches_as_a_start_and_scores_below_the_word(
    empty_index: Any,
) -> None:
    index = _index(
        empty_index,
        _doc(1, "Global temperature series", days=2),
        _doc(2, "Temperat zone forests", days=1),
    )
    assert index.search("temperat").dataset_ids == [2, 1]
    assert index.search("global temperat").dataset_ids == [1]


def test_when_no_dataset_has_every_word_those_with_some_are_shown(empty_index: Any) -> None:
    index = _index(
        empty_index,
        _doc(1, "Children in placement", description="Children in care, by age."),
        _doc(2, "Bus stops", description="Where buses stop."),
    )
    found = index.search("children foster care")
    assert (found.dataset_ids, found.partial) == ([1], True)
    assert index.search("children care").partial is False
    assert index.search("children foster -care").total == 0  # an exclusion still holds
    assert index.search('"children foster"').total == 0  # so does a phrase


def _words_index(empty_index: Any) -> Any:
    return _index(
        empty_index,
        _doc(1, "Cities of England", description="Its population and its area."),
        _doc(2, "Cities of Wales", description="Grants of £25,000 or more."),
        _doc(3, "Social housing", organisation="camden", description="Let at £25,000 a year."),
    )


def test_no_did_you_mean_for_a_word_found_by_its_stem(empty_index: Any) -> None:
    found = _words_index(empty_index).search("citys")  # "city", as "cities" is stemmed
    assert (found.total, found.suggestion) == (2, None)  # before: "Did you mean its?"


def test_no_did_you_mean_inside_numbers(empty_index: Any) -> None:
    alone = _index(empty_index, _doc(1, "Cities of England", description="Its area."))
    assert alone.search("£25,000").suggestion is None  # before: "£of,000"
    index = _words_index(empty_index)
    for typed in ("£25,000", "£25,00", "2019/20 grants", "A40"):
        assert index.search(typed).suggestion is None, typed
    assert index.search("housng £25,000").suggestion == "housing £25,000"


def test_did_you_mean_only_a_suggestion_that_finds_more(empty_index: Any) -> None:
    index = _words_index(empty_index)
    assert index.search("housng").suggestion == "housing"
    # housing is Camden's: within another organisation it finds nothing more
    assert index.search("housng", {"organisation": "tfl"}).suggestion is None
    assert index.search("citiez").suggestion == "cities"  # not "its"
    assert index.search("itz").suggestion is None  # "its" finds everything: before, offered
    assert index.search("wles").suggestion == "wales"  # the nearest word, not "let"


@pytest.fixture
def two_csv_datasets(site: Any, tmp_path: Path) -> Any:
    for title, words, tag in (
        ("Allotment waiting list", "People waiting for a plot", "gardens"),
        ("Bus stops", "Where buses stop, waiting times", "transport"),
    ):
        path = tmp_path / f"{tag}.csv"
        path.write_text("plot_number,holder\n1,Ann\n", encoding="utf-8")
        metadata = DatasetMetadata(title=title, description=words, tags=[tag])
        publish_file(site, path, original_name=path.name, schema=None, metadata=metadata)
    return site


def test_each_snippet_sits_inside_its_own_result(client: Any, two_csv_datasets: Any) -> None:
    page = client.get("/search?q=waiting").text
    cards = re.findall(r'<article class="card">(.*?)</article>', page, re.S)
    assert len(cards) == 2
    for card in cards:
        assert card.count('class="snippet"') == 1 and "<mark>waiting</mark>" in card
    outside = re.sub(r'<article class="card">.*?</article>', "", page, flags=re.S)
    assert 'class="snippet"' not in outside  # before: after each </article>


def test_a_facet_with_one_value_for_every_result_is_not_shown(
    client: Any, two_csv_datasets: Any
) -> None:
    page = client.get("/search").text
    assert "<h2>Tags</h2>" in page  # two values: it narrows
    assert "<h2>Formats</h2>" not in page  # every dataset is CSV (before: shown)
    assert "<h2>Column names</h2>" not in page  # both have both columns: none narrows
    facets = client.get("/search.json").get_json()["facets"]
    assert [f["value"] for f in facets["format"]] == ["CSV"]  # the data still has it
