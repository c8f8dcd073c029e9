"""Read-only views of the catalogue as plain data, shared by pages, API and CLI.

Each function is told who is looking (`viewer`); not told, it sees as a visitor.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.datasets.charts import dataset_charts
from catalog.datasets.indexing import dataset_document, index_after_commit, search_index
from catalog.datasets.licences import LICENCES, licence
from catalog.datasets.permissions import (
    can_edit,
    require_visible,
    visible_datasets,
    visible_organisations,
)
from catalog.datasets.preview import preview_table
from catalog.db.models import Dataset, Organisation, Version
from catalog.errors import NotFound
from catalog.search.documents import column_text, snippet
from catalog.search.index import SearchResult
from catalog.site import Site
from catalog.viewer import ANONYMOUS, Viewer
from datastore import NotFound as FileNotFound
from datastore import PackageResource
from ingest.recipe import describe_step
from schemas import csv_schema


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    latest = dataset.versions[-1] if dataset.versions else None
    organisation = dataset.organisation
    found = licence(dataset.licence_id)
    return {
        "id": dataset.id,
        "name": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "organisation": {"name": organisation.name, "title": organisation.title}
        if organisation
        else None,
        "licence": {
            "id": dataset.licence_id,
            "title": found.title if found else dataset.licence_id,
            "url": found.url if found else "",
        },
        "tags": [t.name for t in dataset.tags],
        "source_url": dataset.source_url,
        "created": dataset.created.isoformat(timespec="seconds"),
        "modified": dataset.modified.isoformat(timespec="seconds"),
        "rows": latest.rows if latest else 0,
        "columns": len(json.loads(latest.schema_json)["fields"]) if latest else 0,
        "versions": len(dataset.versions),
        "version_label": dataset.version,
        "author": dataset.author,
        "maintainer": dataset.maintainer,
        "private": dataset.private,
        "state": dataset.state,
    }


def recent_datasets(
    session: Session, limit: int = 6, viewer: Viewer = ANONYMOUS
) -> list[dict[str, Any]]:
    """The latest datasets the viewer may see."""
    query = (
        select(Dataset)
        .where(visible_datasets(session, viewer))
        .order_by(Dataset.modified.desc())
        .limit(limit)
        .options(*_eager())
    )
    return [dataset_summary(d) for d in session.scalars(query)]


def catalogue_counts(session: Session, viewer: Viewer = ANONYMOUS) -> dict[str, int]:
    """How many datasets (and rows in them) the viewer may see, and organisations."""
    visible = visible_datasets(session, viewer)
    rows = select(func.coalesce(func.sum(Version.rows), 0)).join(Dataset).where(visible)
    return {
        "datasets": session.scalar(select(func.count()).select_from(Dataset).where(visible)) or 0,
        "organisations": session.scalar(select(func.count()).select_from(Organisation)) or 0,
        "rows": session.scalar(rows) or 0,
    }


def search_datasets(
    site: Site,
    session: Session,
    q: str = "",
    filters: dict[str, str] | None = None,
    page: int = 1,
    sort: str = "relevance",
    viewer: Viewer = ANONYMOUS,
) -> dict[str, Any]:
    """One page of search results with facet counts, ready for a template or JSON.

    Private datasets are found only by those who may see them (catalog/permissions.py).
    Each result has a `snippet`: escaped HTML marking the words that matched it, or None.
    """
    visible = visible_organisations(session, viewer)
    per_page = site.settings.page_size
    filters = {k: v for k, v in (filters or {}).items() if v}
    offset = (max(1, page) - 1) * per_page
    found = search_index(site, q, filters, offset, per_page, sort, visible)
    pages = max(1, math.ceil(found.total / per_page))
    if page > pages and found.total:  # past the end: show the last page
        return search_datasets(site, session, q, filters, pages, sort, viewer)
    results = _found_summaries(site, session, found, viewer)
    org_titles = {n: t for n, t in session.execute(select(Organisation.name, Organisation.title))}
    labels: dict[str, dict[str, str]] = {
        "organisation": org_titles,
        "licence": {item.id: item.title for item in LICENCES},
    }
    facets = {
        name: [
            {
                "value": value,
                "label": labels.get(name, {}).get(value, value),
                "count": count,
                "active": filters.get(name, "").lower() == value.lower(),
            }
            for value, count in counts
        ]
        for name, counts in found.facets.items()
    }
    return {
        "q": q,
        "filters": filters,
        "sort": sort,
        "results": results,
        "total": found.total,
        "page": max(1, page),
        "pages": pages,
        "facets": facets,
        "suggestion": found.suggestion,
        "partial": found.partial,
    }


def _found_summaries(
    site: Site, session: Session, found: SearchResult, viewer: Viewer
) -> list[dict[str, Any]]:
    """Summaries of the found datasets in the index's order, each with its snippet."""
    results = []
    for dataset in found_datasets(site, session, found.dataset_ids, viewer):
        summary = dataset_summary(dataset)
        summary["snippet"] = _snippet(found, dataset)
        results.append(summary)
    return results


def found_datasets(
    site: Site, session: Session, ids: list[int], viewer: Viewer = ANONYMOUS
) -> list[Dataset]:
    """The datasets the index found, in its order, that the database says the viewer may
    see. The index is a cache: one whose update was lost (a crash between the commit and
    the index write, or a failed write, logged and let be) may still call a dataset made
    private or deleted public. That one is left out, and its document written again once
    the request's session commits, so the next search counts it right too."""
    query = select(Dataset).where(Dataset.id.in_(ids)).options(*_eager())
    datasets = {d.id: d for d in session.scalars(query)}
    visible = set(
        session.scalars(
            select(Dataset.id).where(Dataset.id.in_(ids), visible_datasets(session, viewer))
        )
    )
    for stale in datasets.keys() - visible:
        index_after_commit(site, session, dataset_document(datasets[stale]))
    return [datasets[i] for i in ids if i in visible and i in datasets]


def _snippet(found: SearchResult, dataset: Dataset) -> str | None:
    """Why the dataset matched: its description, tags or columns with the words marked."""
    if not found.terms:
        return None
    fields = json.loads(dataset.versions[-1].schema_json)["fields"] if dataset.versions else []
    for text in (dataset.description, " · ".join(t.name for t in dataset.tags)):
        marked = snippet(found.terms, text)
        if marked:
            return marked
    marked = snippet(found.terms, column_text(fields).replace("\n", " · "))
    return Markup(f"Columns: {marked}") if marked else None  # noqa: S704 (escaped)


def dataset_names(session: Session, viewer: Viewer = ANONYMOUS) -> list[str]:
    visible = visible_datasets(session, viewer)
    return list(session.scalars(select(Dataset.name).where(visible).order_by(Dataset.name)))


def dataset_details(
    site: Site,
    session: Session,
    name: str,
    version: int | None = None,
    view: Mapping[str, str] | None = None,
    viewer: Viewer = ANONYMOUS,
) -> dict[str, Any]:
    """Everything the dataset page shows: metadata, schema, report, versions, a preview."""
    dataset = session.scalar(select(Dataset).where(Dataset.name == name).options(*_eager()))
    if dataset is None:
        raise NotFound(f"There is no dataset called {name!r}.")
    require_visible(session, viewer, dataset)
    if not dataset.versions:  # made through the API, its table not uploaded yet
        return {
            **dataset_summary(dataset),
            "version": None,
            "all_versions": [],
            "can_edit": can_edit(session, viewer, dataset),
        }
    chosen = _version(dataset, version)
    ref = site.store.version(dataset.key, chosen.number)
    schema = json.loads(chosen.schema_json)
    try:
        field_types = {f["name"]: f.get("type", "string") for f in schema.get("fields", [])}
        preview = preview_table(
            ref.parquet, view or {}, site.settings.preview_rows, site.query_limits, field_types
        )
    except FileNotFound:
        raise NotFound("The table of this version is missing from the data folder.") from None
    report = ref.read_json("report.json")
    profiles = {column["name"]: column for column in ref.profile()["columns"]}
    changes = None
    if chosen.number > 1:
        try:
            changes = ref.changes(site.store.version(dataset.key, chosen.number - 1))
        except FileNotFound:
            changes = None
    task = (report.get("tasks") or [{}])[0]
    return {
        **dataset_summary(dataset),
        "version": _version_summary(chosen),
        "can_edit": can_edit(session, viewer, dataset),  # the viewer's: their links
        "latest_number": dataset.versions[-1].number,
        "all_versions": [_version_summary(v) for v in reversed(dataset.versions)],
        "schema": schema,
        "report": {
            "valid": report.get("valid"),
            "rows": task.get("stats", {}).get("rows"),
            "warnings": task.get("warnings", []),
            "encoding": task.get("encoding"),
            "dialect": task.get("dialect", {}),
        },
        "preview": preview,
        "charts": dataset_charts(
            ref.parquet, schema["fields"], profiles, chosen.rows, view or {}, site.query_limits
        ),
        "profile": {name: _chart(column) for name, column in profiles.items()},
        "changes": changes,
        # The fixes the table was published after, in words (ingest/recipe.py).
        "recipe": [{**step, "text": describe_step(step)} for step in ref.recipe() or []],
    }


def _chart(column: dict[str, Any]) -> dict[str, Any]:
    """A column's profile with its chart as bar heights (0-100) for a small inline SVG."""
    chart = column.get("chart") or {}
    if chart.get("kind") == "histogram":
        counts = list(chart.get("counts") or [])
        labels = [f"{a} to {b}" for a, b in zip(chart["edges"], chart["edges"][1:], strict=False)]
    else:
        counts = [item["count"] for item in column.get("top") or []]
        labels = [str(item["value"]) for item in column.get("top") or []]
    peak = max(counts, default=0) or 1
    bars = [
        {"height": round(100 * c / peak), "count": c, "label": label}
        for c, label in zip(counts, labels, strict=False)
    ]
    return {**column, "bars": bars}


def data_package(
    site: Site,
    session: Session,
    name: str,
    number: int | None,
    homepage: str,
    viewer: Viewer = ANONYMOUS,
) -> tuple[dict[str, Any], list[PackageResource]]:
    """A version as a Frictionless Data Package: its descriptor and its one table."""
    dataset = session.scalar(select(Dataset).where(Dataset.name == name).options(*_eager()))
    if dataset is None or not dataset.versions:
        raise NotFound(f"There is no dataset called {name!r}.")
    require_visible(session, viewer, dataset)
    chosen = _version(dataset, number)
    ref = site.store.version(dataset.key, chosen.number)
    found = licence(dataset.licence_id)
    terms: dict[str, str] = {"name": dataset.licence_id}
    if found:
        terms["title"] = found.title
        if found.url:
            terms["path"] = found.url
    descriptor: dict[str, Any] = {
        "name": name,
        "title": dataset.title,
        "version": str(chosen.number),
        "created": chosen.created.isoformat(timespec="seconds") + "Z",
        "homepage": homepage,
        "licenses": [terms],
    }
    if dataset.description:
        descriptor["description"] = dataset.description
    sources = [{"title": "Published at", "path": homepage}]
    if dataset.source_url:
        sources.insert(0, {"title": "Source", "path": dataset.source_url})
    descriptor["sources"] = sources
    table = PackageResource(
        name=name,
        title=chosen.original_name,
        parquet=ref.parquet,
        schema=json.loads(chosen.schema_json),
    )
    return descriptor, [table]


def download_schema(
    site: Site, session: Session, name: str, number: int, viewer: Viewer = ANONYMOUS
) -> dict[str, Any]:
    """The Table Schema of the CSV download of one version."""
    dataset = session.scalar(select(Dataset).where(Dataset.name == name).options(*_eager()))
    if dataset is None:
        raise NotFound(f"There is no dataset called {name!r}.")
    require_visible(session, viewer, dataset)
    return csv_schema(json.loads(_version(dataset, number).schema_json))


def version_files(
    site: Site, session: Session, name: str, number: int | None, viewer: Viewer = ANONYMOUS
) -> tuple[Any, Version]:
    dataset = session.scalar(select(Dataset).where(Dataset.name == name).options(*_eager()))
    if dataset is None:
        raise NotFound(f"There is no dataset called {name!r}.")
    require_visible(session, viewer, dataset)
    chosen = _version(dataset, number)
    try:
        return site.store.version(dataset.key, chosen.number), chosen
    except FileNotFound:
        raise NotFound("The files of this version are missing from the data folder.") from None


def _version(dataset: Dataset, number: int | None) -> Version:
    if number is None:
        return dataset.versions[-1]
    for item in dataset.versions:
        if item.number == number:
            return item
    raise NotFound(f"{dataset.title!r} has no version {number}.")


def _version_summary(version: Version) -> dict[str, Any]:
    return {
        "number": version.number,
        "created": version.created.isoformat(timespec="seconds"),
        "original_name": version.original_name,
        "bytes": version.bytes,
        "rows": version.rows,
        "encoding": version.encoding,
        "delimiter": version.delimiter,
        "sha256": version.sha256,
        # Who published it, by the name they chose (None: the command line, or an account
        # since removed).
        "published_by": (version.creator.display_name or version.creator.username)
        if version.creator
        else None,
    }


def _eager() -> list[Any]:
    return [
        selectinload(Dataset.versions).selectinload(Version.creator),
        selectinload(Dataset.tags),
        selectinload(Dataset.organisation),
    ]
