"""Other datasets with the same column: a column name and type two tables share (such as
`ward_code`, a string, or `year`, an integer) hints that they can be joined on it.

The search index already keeps every dataset's column names (its `column` facet), so the
datasets that have a column are one term lookup each (SearchIndex.with_column, no facets
counted: 1.5 ms for a column 9,500 of 10,000 datasets have), with the index's visibility rules;
the database then says which of them the viewer may see and what type the column has in
their latest version.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.datasets.permissions import visible_datasets, visible_organisations
from catalog.db.models import Dataset
from catalog.errors import Unavailable
from catalog.site import Site
from catalog.viewer import ANONYMOUS, Viewer

COLUMNS_LOOKED_UP = 30  # a wide table's first columns: one index lookup each
SHOWN_PER_COLUMN = 5  # datasets named per column; the rest are a search away
LOOKED_AT_PER_COLUMN = 50  # datasets whose column type is read, per column


def datasets_with_same_columns(
    site: Site,
    session: Session,
    dataset_id: int,
    fields: list[dict[str, Any]],
    viewer: Viewer = ANONYMOUS,
) -> list[dict[str, Any]]:
    """For each of the table's columns that another visible dataset also has, with the
    same type: the column, its type, up to SHOWN_PER_COLUMN such datasets (name, title)
    and how many there are in all among those looked at."""
    visible_orgs = visible_organisations(session, viewer)
    shared = []
    for field in fields[:COLUMNS_LOOKED_UP]:
        name = str(field.get("name") or "")
        if not name:
            continue
        try:
            found = site.index.with_column(name, LOOKED_AT_PER_COLUMN + 1, visible_orgs)
        except Unavailable:  # a damaged index is rebuilt by the next search; the page stands
            return []
        ids = [i for i in found if i != dataset_id]
        if not ids:
            continue
        alike = _with_same_type(session, ids, name, field.get("type", "string"), viewer)
        if alike:
            shared.append(
                {
                    "column": name,
                    "type": field.get("type", "string"),
                    "datasets": alike[:SHOWN_PER_COLUMN],
                    "more": len(alike) - len(alike[:SHOWN_PER_COLUMN]),
                }
            )
    return shared


def _with_same_type(
    session: Session, ids: list[int], column: str, kind: str, viewer: Viewer
) -> list[dict[str, str]]:
    query = (
        select(Dataset)
        # A deleted dataset is no table to join with, even for the site admins who see it.
        .where(Dataset.id.in_(ids), Dataset.state == "active", visible_datasets(session, viewer))
        .options(selectinload(Dataset.versions))
        .order_by(Dataset.title)
    )
    alike = []
    for other in session.scalars(query):
        if not other.versions:
            continue
        schema = json.loads(other.versions[-1].schema_json)
        types = {
            str(f.get("name", "")).lower(): f.get("type", "string")
            for f in schema.get("fields", [])
        }
        if types.get(column.lower()) == kind:
            alike.append({"name": other.name, "title": other.title})
    return alike
