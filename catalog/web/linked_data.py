"""Metadata others can harvest, built from the same plain data as the pages
(catalog.datasets.reading).

    DCAT-AP JSON-LD        the catalogue, paged the way ckanext-dcat pages it (a
                           hydra:PagedCollection with first/last/next/previous page URLs),
                           and one dataset
    schema.org JSON-LD     a Dataset, for the dataset page's <script type="application/ld+json">
    Data Package           the descriptor the zip holds, its CSV path an absolute URL

Every URL is absolute (url_for(..., _external=True)), so these need a request or app context.
"""

from __future__ import annotations

import math
import mimetypes
from typing import Any

from flask import url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from catalog.datasets import reading
from catalog.datasets.permissions import visible_datasets
from catalog.db.models import Dataset
from catalog.errors import NotFound
from catalog.site import Site
from catalog.viewer import ANONYMOUS, Viewer
from datastore import FORMATS, export_schema

CATALOGUE_PAGE_SIZE = 100
DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# schema.org's terms, given inline so a reader need not fetch https://schema.org's context.
SCHEMA_ORG_CONTEXT = {"@vocab": "https://schema.org/"}
FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


# The plain data ------------------------------------------------------------------------------


def catalogue_entries(
    session: Session,
    page: int = 1,
    per_page: int = CATALOGUE_PAGE_SIZE,
    viewer: Viewer = ANONYMOUS,
) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of datasets) in the order they were made, each as the search page
    shows it plus the `version` its downloads come from (None before the first upload)."""
    visible = visible_datasets(session, viewer)
    total = session.scalar(select(func.count()).select_from(Dataset).where(visible)) or 0
    query = (
        select(Dataset)
        .where(visible)
        .order_by(Dataset.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return total, _entries(session, query)


def dataset_entry(session: Session, name: str, viewer: Viewer = ANONYMOUS) -> dict[str, Any]:
    visible = visible_datasets(session, viewer)
    found = _entries(session, select(Dataset).where(Dataset.name == name, visible))
    if not found:
        raise NotFound(f"There is no dataset called {name!r}.")
    return found[0]


def _entries(session: Session, query: Select[Any]) -> list[dict[str, Any]]:
    query = query.options(
        selectinload(Dataset.versions),
        selectinload(Dataset.tags),
        selectinload(Dataset.organisation),
    )
    entries = []
    dataset: Dataset
    for dataset in session.scalars(query):
        latest = dataset.versions[-1] if dataset.versions else None
        version = (
            {"number": latest.number, "original_name": latest.original_name} if latest else None
        )
        entries.append({**reading.dataset_summary(dataset), "version": version})
    return entries


# DCAT-AP -------------------------------------------------------------------------------------


def dcat_catalogue(
    entries: list[dict[str, Any]], total: int, page: int, per_page: int = CATALOGUE_PAGE_SIZE
) -> dict[str, Any]:
    """One page of the catalogue: the dcat:Catalog, its datasets, and the paging node."""
    last = max(1, math.ceil(total / per_page))
    if page > last:
        raise NotFound(f"The catalogue has {last} pages; there is no page {page}.")
    datasets = [dcat_dataset_node(d) for d in entries]
    catalogue = {
        "@id": url_for("pages.home", _external=True),
        "@type": "dcat:Catalog",
        "dct:title": "Open datastore",
        "dct:description": "A community data catalogue: every table checked against a schema.",
        "foaf:homepage": {"@id": url_for("pages.home", _external=True)},
        "dcat:dataset": [{"@id": d["@id"]} for d in datasets],
    }

    def page_url(number: int) -> str:
        return url_for("metadata.catalogue", page=number, _external=True)

    paging: dict[str, Any] = {
        "@id": page_url(page),
        "@type": "hydra:PagedCollection",
        "hydra:totalItems": total,
        "hydra:itemsPerPage": per_page,
        "hydra:firstPage": page_url(1),
        "hydra:lastPage": page_url(last),
    }
    if page < last:
        paging["hydra:nextPage"] = page_url(page + 1)
    if page > 1:
        paging["hydra:previousPage"] = page_url(page - 1)
    return {"@context": DCAT_CONTEXT, "@graph": [catalogue, *datasets, paging]}


def dcat_dataset(entry: dict[str, Any]) -> dict[str, Any]:
    return {"@context": DCAT_CONTEXT, **dcat_dataset_node(entry)}


def dcat_dataset_node(d: dict[str, Any]) -> dict[str, Any]:
    page = url_for("pages.dataset", name=d["name"], _external=True)
    licence = _dcat_licence(d)
    node: dict[str, Any] = {
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": d["name"],
        "dct:title": d["title"],
        "dcat:landingPage": {"@id": page},
        "dct:issued": _datetime(d["created"]),
        "dct:modified": _datetime(d["modified"]),
        "dcat:keyword": list(d["tags"]),
        "dct:license": licence,
    }
    if d["description"]:
        node["dct:description"] = d["description"]
    if d["organisation"]:
        node["dct:publisher"] = {
            "@id": _organisation_url(d),
            "@type": "foaf:Organization",
            "foaf:name": d["organisation"]["title"],
        }
    if d["source_url"]:
        node["dct:source"] = {"@id": d["source_url"]}
    node["dcat:distribution"] = [
        {
            "@id": item["url"],
            "@type": "dcat:Distribution",
            "dct:title": item["title"],
            "dcat:downloadURL": {"@id": item["url"]},
            "dcat:accessURL": {"@id": item["url"]},
            "dcat:mediaType": {"@id": MEDIA_TYPES + item["mediatype"]},
            **({"dct:format": {"@id": FILE_TYPES + item["format"]}} if item["format"] else {}),
            "dct:license": licence,
        }
        for item in distributions(d)
    ]
    return node


def _dcat_licence(d: dict[str, Any]) -> Any:
    return {"@id": d["licence"]["url"]} if d["licence"]["url"] else d["licence"]["title"]


def _datetime(text: str) -> dict[str, str]:
    return {"@value": text + "Z", "@type": "xsd:dateTime"}  # stored in UTC, without a zone


# schema.org ----------------------------------------------------------------------------------


def schema_org_dataset(d: dict[str, Any]) -> dict[str, Any]:
    """A schema.org Dataset (as search engines read it) for a dataset page's data."""
    page = url_for("pages.dataset", name=d["name"], _external=True)
    node: dict[str, Any] = {
        "@context": SCHEMA_ORG_CONTEXT,
        "@type": "Dataset",
        "@id": page,
        "name": d["title"],
        "description": d["description"] or d["title"],
        "url": page,
        "identifier": d["name"],
        "license": d["licence"]["url"] or d["licence"]["title"],
        "keywords": list(d["tags"]),
        "isAccessibleForFree": True,
        "datePublished": d["created"] + "Z",
        "dateModified": d["modified"] + "Z",
    }
    if d["organisation"]:
        organisation = {
            "@type": "Organization",
            "@id": _organisation_url(d),
            "name": d["organisation"]["title"],
            "url": _organisation_url(d),
        }
        node["creator"] = node["publisher"] = organisation
    if d["source_url"]:
        node["isBasedOn"] = d["source_url"]
    if d["version"]:
        node["version"] = str(d["version"]["number"])
    node["distribution"] = [
        {
            "@type": "DataDownload",
            "name": item["title"],
            "contentUrl": item["url"],
            "encodingFormat": item["mediatype"],
        }
        for item in distributions(d)
    ]
    return node


# Downloads and the Data Package --------------------------------------------------------------


def distributions(d: dict[str, Any]) -> list[dict[str, str]]:
    """The downloads of the version `d` shows: title, absolute URL, file type, media type."""
    if not d.get("version"):
        return []
    name, number = d["name"], d["version"]["number"]
    original = d["version"]["original_name"]
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    original_type = mimetypes.guess_type(original)[0] or "application/octet-stream"
    if extension == "csv":
        original_type = "text/csv"
    table = "downloads.table"
    return [
        {
            "title": "CSV",
            "url": url_for(table, name=name, number=number, fmt="csv", _external=True),
            "format": "CSV",
            "mediatype": FORMATS["csv"].mimetype,
        },
        {
            "title": "Parquet",
            "url": url_for(table, name=name, number=number, fmt="parquet", _external=True),
            "format": "PARQUET",
            "mediatype": FORMATS["parquet"].mimetype,
        },
        {
            "title": f"Original file ({original})",
            "url": url_for("downloads.original", name=name, number=number, _external=True),
            "format": extension.upper() if extension in ("csv", "tsv", "txt") else "",
            "mediatype": original_type,
        },
        {
            "title": "Data Package (zip)",
            "url": url_for("downloads.data_package", name=name, number=number, _external=True),
            "format": "ZIP",
            "mediatype": "application/zip",
        },
    ]


def data_package_descriptor(
    site: Site,
    session: Session,
    name: str,
    number: int | None = None,
    viewer: Viewer = ANONYMOUS,
) -> dict[str, Any]:
    """The datapackage.json of the zip download, standing alone: each resource's path is
    the absolute URL of its CSV download rather than the zip's data/<name>.csv."""
    homepage = url_for("pages.dataset", name=name, _external=True)
    descriptor, tables = reading.data_package(site, session, name, number, homepage, viewer)
    version = int(descriptor["version"])
    resources = [
        {
            "name": table.name,
            "title": table.title,
            "path": url_for(
                "downloads.table", name=name, number=version, fmt="csv", _external=True
            ),
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": export_schema(table.schema),
        }
        for table in tables
    ]
    return {"profile": "tabular-data-package", **descriptor, "resources": resources}


def _organisation_url(d: dict[str, Any]) -> str:
    return url_for("organisations.organisation", name=d["organisation"]["name"], _external=True)
