"""An organisation as plain data: its name, title and a page of its datasets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datasets import reading
from catalog.db.models import Organisation
from catalog.errors import NotFound
from catalog.site import Site
from catalog.viewer import ANONYMOUS, Viewer


def organisation_details(
    site: Site, session: Session, name: str, page: int = 1, viewer: Viewer = ANONYMOUS
) -> dict[str, Any]:
    """What the organisation page shows: the organisation and its datasets, by title."""
    organisation = session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        raise NotFound(f"There is no organisation called {name!r}.")
    found = reading.search_datasets(
        site, session, "", {"organisation": name}, page, "title", viewer
    )
    return {
        "name": organisation.name,
        "title": organisation.title,
        "datasets": found["results"],
        "total": found["total"],
        "page": found["page"],
        "pages": found["pages"],
    }
