"""Test data made through our own functions (CKAN's factories), each its own unit of work."""

from __future__ import annotations

from typing import Any

from catalog.datasets.publishing import DatasetMetadata, create_dataset


def new_dataset(site: Any, metadata: DatasetMetadata, user_id: int | None = None) -> str:
    """A dataset with no table yet, committed; its URL name."""
    with site.session() as session:
        name = create_dataset(site, session, metadata, user_id)
        session.commit()
    return name
