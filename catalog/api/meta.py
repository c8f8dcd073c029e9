"""The API about itself and its vocabularies: status_show, help_show, license_list,
tag_list, datastore_search (a table's rows, catalog/datasets/tables.py) and
datastore_search_sql (SQL over the tables the caller may see, catalog/datasets/sql_tables.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.api.registry import ACTIONS, action
from catalog.context import current_site, current_viewer, request_session
from catalog.datasets import sql_tables, tables
from catalog.datasets.licences import LICENCES
from catalog.datasets.permissions import visible_datasets
from catalog.db.models import Dataset, Tag, dataset_tags
from catalog.errors import NotFound


@action
def status_show(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "site_title": "Open datastore",
        "ckan_version": "2.10.0",
        "api_version": 3,
        "extensions": [],
    }


@action
def help_show(params: dict[str, Any]) -> str:
    name = str(params.get("name") or "")
    if name not in ACTIONS:
        raise NotFound(f"There is no action called {name!r}.")
    return (ACTIONS[name].__doc__ or f"CKAN's {name}.").strip()


@action
def license_list(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "title": item.title,
            "url": item.url,
            "od_conformance": ("approved" if item.open else "not reviewed"),
        }
        for item in LICENCES
    ]


@action
def tag_list(params: dict[str, Any]) -> list[str]:
    """The tags of the datasets the caller may see (a private dataset's tags are its own)."""
    db = request_session()
    found = (
        select(Tag.name)
        .join(dataset_tags, dataset_tags.c.tag_id == Tag.id)
        .join(Dataset, Dataset.id == dataset_tags.c.dataset_id)
        .where(visible_datasets(db, current_viewer()))
        .distinct()
        .order_by(Tag.name)
    )
    return list(db.scalars(found))


@action
def datastore_search(params: dict[str, Any]) -> dict[str, Any]:
    """A page of a table's rows: CKAN's datastore_search (filters, q, sort, fields, limit,
    offset, distinct, include_total, records_format)."""
    return tables.datastore_search(current_site(), request_session(), params, current_viewer())


@action
def datastore_search_sql(params: dict[str, Any]) -> dict[str, Any]:
    """Rows answering one read-only SQL SELECT over the tables the caller may see, each
    named after its dataset ("house-prices") or its resource id ("house-prices-v2"):
    CKAN's datastore_search_sql (sql; answers fields, records, sql, records_truncated)."""
    return sql_tables.datastore_search_sql(
        current_site(), request_session(), params, current_viewer()
    )
