"""What only the PostgreSQL search backend has: it refuses a SQLite catalogue in plain
words, a dataset's search document commits or rolls back with the dataset itself, a
switch of backend is filled by `datastore reindex` or the next start, and past
exact_ranked matches a page puts the datasets with the words in their titles or tags first,
pages joining without a gap or a repeat; facet counts follow each write (the rows written
since) and a rebuild; two processes writing at once lose nothing. (The rest of search runs
on both backends: test_search.py, test_search_ranking.py, test_search_judged.py.)"""

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


def test_facets_follow_each_write_and_a_rebuild(tmp_path: Path, site: Any) -> None:
    index = site.index
    index.rebuild([index_document(1, "Roads", tags=["highways"])])
    assert index.search("").facets["tags"] == [("highways", 1)]  # loaded
    index.update(index_document(1, "Roads", tags=["potholes"]))
    index.update(index_document(2, "Lanes", tags=["potholes"]))
    assert index.search("").facets["tags"] == [("potholes", 2)]  # the rows written since
    index.rebuild([index_document(3, "Paths", tags=["walks"])])
    assert index.search("").facets["tags"] == [("walks", 1)]  # read afresh


def _add_documents(url: str, first: int, count: int) -> None:
    from sqlalchemy import create_engine

    index = PostgresIndex(create_engine(url))
    for number in range(first, first + count):
        index.update(index_document(number, f"Dataset {number}", description="concurrently"))


@pytest.mark.processes
def test_two_processes_writing_at_once_lose_nothing(site: Any) -> None:
    import multiprocessing

    site.index.rebuild([])
    url = site.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_documents, args=(url, first, 60)) for first in (1, 1001)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    found = site.index.search("concurrently", limit=1000)
    assert sorted(found.dataset_ids) == [*range(1, 61), *range(1001, 1061)]
    assert found.facets["licence"] == [("uk-ogl", 120)]
    assert site.index.healthy(120)
