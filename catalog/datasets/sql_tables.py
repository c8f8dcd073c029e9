"""SQL over the tables the viewer may see: the SQL page, its CSV download and CKAN's
datastore_search_sql, from one function each over datastore/sql.py.

Each dataset's latest table is named after the dataset ("house-prices"), and each
version's by its CKAN resource id ("house-prices-v2"), as CKAN names a table by its
resource. A name is looked up only when a query names it, and only among the active
datasets the viewer may see (permissions.visible_datasets, and can_see once more): to
anyone else a private dataset's name is "no such table", as a name never used is, so
the query's DuckDB never holds a table they may not see.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.datasets.permissions import can_see, visible_datasets
from catalog.datasets.tables import ckan_type
from catalog.db.models import Dataset, Version
from catalog.errors import BadParameter
from catalog.site import Site
from catalog.viewer import ANONYMOUS, Viewer
from datastore import NotFound as FileNotFound
from datastore.duck import QueryLimits
from datastore.sql import SqlLimits, SqlResult, run_sql, stream_sql

LISTED = 100  # tables named on the SQL page; the search finds the rest


def sql_limits(site: Site, download: bool = False) -> SqlLimits:
    settings = site.settings
    memory = QueryLimits(
        memory_mb=settings.sql_memory_mb,
        spill_folder=site.query_limits.spill_folder,
        spill_mb=settings.query_spill_mb,
    )
    seconds = settings.sql_download_time_limit if download else settings.sql_time_limit
    return SqlLimits(seconds=seconds, memory=memory, max_chars=settings.sql_max_chars)


def table_resolver(site: Site, session: Session, viewer: Viewer) -> Callable[[str], Path | None]:
    """A function from a table's name (lower case) to its Parquet file, or None when the
    viewer may not see such a table (or there is none: they look the same)."""

    def resolve(name: str) -> Path | None:
        found = _dataset(session, viewer, name)
        number = None
        if found is None and "-v" in name:
            head, _, tail = name.rpartition("-v")
            if tail.isascii() and tail.isdigit() and len(tail) <= 9:
                found, number = _dataset(session, viewer, head), int(tail)
        if found is None or not found.versions or not can_see(session, viewer, found):
            return None
        chosen = found.versions[-1] if number is None else None
        for version in found.versions:
            if version.number == number:
                chosen = version
        if chosen is None:
            return None
        try:
            return site.store.version(found.key, chosen.number).parquet
        except FileNotFound:
            return None

    return resolve


def _dataset(session: Session, viewer: Viewer, name: str) -> Dataset | None:
    query = (
        select(Dataset)
        .where(Dataset.name == name, Dataset.state == "active", visible_datasets(session, viewer))
        .options(selectinload(Dataset.versions))
    )
    return session.scalar(query)


def sql_tables(session: Session, viewer: Viewer = ANONYMOUS) -> dict[str, Any]:
    """The tables the viewer may query, for the page: each dataset's name, title, latest
    version and columns (the first LISTED by name), and how many there are."""
    visible = (Dataset.state == "active", visible_datasets(session, viewer))
    latest = (
        select(Version.dataset_id, func.max(Version.number).label("number"))
        .group_by(Version.dataset_id)
        .subquery()
    )
    rows = session.execute(
        select(Dataset.name, Dataset.title, Version.number, Version.schema_json)
        .join(latest, latest.c.dataset_id == Dataset.id)
        .join(Version, (Version.dataset_id == Dataset.id) & (Version.number == latest.c.number))
        .where(*visible)
        .order_by(Dataset.name)
        .limit(LISTED)
    )
    count = select(func.count()).select_from(Dataset).where(*visible, Dataset.versions.any())
    tables = [
        {
            "name": name,
            "title": title,
            "resource_id": f"{name}-v{number}",
            "columns": [
                {"name": field["name"], "type": field.get("type", "string")}
                for field in json.loads(schema_json).get("fields", [])
            ],
        }
        for name, title, number, schema_json in rows
    ]
    return {"tables": tables, "total": session.scalar(count) or 0}


def run_viewer_sql(site: Site, session: Session, sql: str, viewer: Viewer) -> SqlResult:
    """A query's first DATASTORE_SQL_ROW_LIMIT rows, over what the viewer may see."""
    resolve = table_resolver(site, session, viewer)
    return run_sql(sql, resolve, sql_limits(site), site.settings.sql_row_limit)


def stream_viewer_sql(site: Site, session: Session, sql: str, viewer: Viewer) -> Iterator[Any]:
    """Every row of a query's answer: its schema, then batches (datastore/sql.py)."""
    resolve = table_resolver(site, session, viewer)
    return stream_sql(sql, resolve, sql_limits(site, download=True))


def datastore_search_sql(
    site: Site, session: Session, params: dict[str, Any], viewer: Viewer = ANONYMOUS
) -> dict[str, Any]:
    """CKAN's datastore_search_sql: `sql`, one SELECT; answers fields, records and sql,
    and records_truncated (true) when the row limit cut the answer."""
    sql = params.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise BadParameter(
            'Give the query as sql, one SELECT: sql=SELECT * FROM "dataset-name" LIMIT 10.',
            {"sql": "Missing value"},
        )
    if len(sql) > site.settings.sql_max_chars:  # before any work
        raise BadParameter(
            f"A query may be at most {site.settings.sql_max_chars:,} characters "
            "(DATASTORE_SQL_MAX_CHARS).",
            {"sql": "Too long"},
        )
    result = run_viewer_sql(site, session, sql, viewer)
    answer: dict[str, Any] = {
        "sql": sql,
        "fields": [{"id": name, "type": ckan_type(kind)} for name, kind in result.fields],
        "records": result.records(),
    }
    if result.truncated:
        answer["records_truncated"] = True
    return answer
