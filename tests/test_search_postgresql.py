"""What only the PostgreSQL search backend has: it refuses a SQLite catalogue in plain
words, a dataset's search document commits or rolls back with the dataset itself, a
switch of backend is filled by `datastore reindex` or the next start, and past
exact_ranked matches a page puts the datasets with the words in their titles or tags first,
pages joining without a gap or a repeat. (The rest of search runs on both backends:
test_search.py, test_search_ranking.py.)"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from catalog.datasets.publishing import DatasetMetadata, create_dataset
from catalog.search.pgindex import PostgresIndex
from catalog.site import Site
from catalog.startup import prepare
from tests.conftest import make_settings
from tests.factories import index_document


@pytest.fixture
def search_backend() -> str:
    return "postgresql"


def test_the_postgresql_backend_needs_a_postgresql_catalogue(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "", "postgresql")  # "": the SQLite file
    with pytest.raises(ValueError, match="not PostgreSQL.*DATASTORE_DATABASE_URL"):
        Site(settings)
    with pytest.raises(ValueError, match="must be one of whoosh, postgresql"):
        Site(dataclasses.replace(settings, search_backend="solr"))


def test_a_search_document_commits_or_rolls_back_with_its_dataset(site: Any) -> None:
    with site.session() as session:
        create_dataset(site, session, DatasetMetadata(title="Gritting routes"), None)
        session.rollback()
    assert site.index.search("gritting").total == 0
    assert site.index.healthy(0)
    with site.session() as session:
        create_dataset(site, session, DatasetMetadata(title="Gritting routes"), None)
        session.commit()
    assert site.index.search("gritting").total == 1
    assert site.index.healthy(1)


def test_switching_backend_is_filled_by_reindex_or_the_next_start(
    tmp_path: Path, database_url: str, runner: Any
) -> None:
    whoosh = Site(make_settings(tmp_path, database_url, "whoosh"))
    prepare(whoosh)
    with whoosh.session() as session:
        create_dataset(whoosh, session, DatasetMetadata(title="Polling stations"), None)
        session.commit()
    whoosh.close()
    switched = Site(make_settings(tmp_path, database_url, "postgresql"))
    try:
        assert isinstance(switched.index, PostgresIndex)
        prepare(switched)  # finds its table out of step with the catalogue: fills it
        assert switched.index.search("polling").total == 1
        result = runner("reindex")
        assert result.exit_code == 0 and "1 datasets" in result.output
        assert switched.index.search("station").total == 1
    finally:
        switched.close()


def test_many_matches_put_title_and_tag_words_first_and_pages_join(
    tmp_path: Path, site: Any
) -> None:
    index = PostgresIndex(site.engine, exact_ranked=1)
    index.rebuild(
        [
            index_document(1, "Bus timetables", modified=datetime(2024, 1, 1)),
            index_document(2, "Routes", description="A bus.", modified=datetime(2024, 5, 1)),
            index_document(3, "Stops", tags=["buses"], modified=datetime(2024, 2, 1)),
            index_document(4, "Fares", description="Bus fares.", modified=datetime(2024, 3, 1)),
            index_document(5, "Trains", modified=datetime(2024, 6, 1)),
        ]
    )
    found = index.search("bus")
    assert (found.total, found.dataset_ids) == (4, [1, 3, 2, 4])
    pages = [index.search("bus", offset=n, limit=1).dataset_ids for n in range(5)]
    assert pages == [[1], [3], [2], [4], []]
    assert index.search("bus", offset=1, limit=2).dataset_ids == [3, 2]
