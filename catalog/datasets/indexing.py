"""A dataset's search document, and keeping the search index in step with the database:
written with each change (in its transaction on the PostgreSQL backend, just after its
commit on Whoosh), rebuilt from the database on demand (`datastore reindex`)."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db.models import Dataset
from catalog.errors import Unavailable
from catalog.search.documents import search_document
from catalog.search.index import SearchResult
from catalog.site import Site

log = logging.getLogger(__name__)


def index_after_commit(site: Site, session: Session, document: dict[str, Any]) -> None:
    """Write the dataset's search document with `session`'s commit, never if it rolls
    back: in the same transaction on the PostgreSQL backend (so the index cannot fall out
    of step), just after it on Whoosh (a cache, repaired by `datastore reindex`)."""
    site.index.write(session, document)


_repairing = threading.Lock()


def search_index(site: Site, *args: Any, **kwargs: Any) -> SearchResult:
    """site.index.search(), and, when the index cannot be read (damaged under a running
    site), rebuilt from the database and asked again; requests meanwhile answer 503."""
    try:
        return site.index.search(*args, **kwargs)
    except Unavailable:
        if not _repairing.acquire(blocking=False):
            raise  # another request is rebuilding it
        try:
            log.warning("rebuilding the search index, which could not be read")
            reindex(site)
        finally:
            _repairing.release()
        return site.index.search(*args, **kwargs)


def reindex(site: Site) -> int:
    """Rebuild the search index from the database. Returns the number of datasets."""
    with site.session() as session:
        datasets = session.scalars(select(Dataset)).all()
        documents = [dataset_document(d) for d in datasets]
    site.index.rebuild(documents)
    return len(documents)


def dataset_document(dataset: Dataset) -> dict[str, Any]:
    """The search document of a dataset as it is now (its latest schema)."""
    return index_document(dataset, latest_schema(dataset))


def index_document(dataset: Dataset, schema: dict[str, Any] | None) -> dict[str, Any]:
    # A deleted dataset is found by the site's admins alone (as visible_datasets lists it):
    # kept private and under no organisation, no organisation's members find it.
    deleted = dataset.state != "active"
    organisation = None if deleted else dataset.organisation
    formats = {Path(v.original_name).suffix.lstrip(".").upper() or "CSV" for v in dataset.versions}
    return search_document(
        dataset.id,
        dataset.title,
        dataset.description,
        organisation.name if organisation else "",
        organisation.title if organisation else "",
        dataset.licence_id,
        [t.name for t in dataset.tags],
        (schema or {}).get("fields", []),
        dataset.modified,
        sorted(formats),
        dataset.private or deleted,
    )


def latest_schema(dataset: Dataset) -> dict[str, Any] | None:
    if not dataset.versions:
        return None
    value: dict[str, Any] = json.loads(dataset.versions[-1].schema_json)
    return value
