"""JSON twins of the pages and metadata for harvesters, each from the page's data function.

    /search.json                        browse.search_datasets, /search's parameters
    /dataset/<name>.json                browse.dataset_details, the dataset page's parameters
    /organisation/<name>[.json]         organisations.organisation_details (page and twin)
    /catalog.jsonld?page=N              the DCAT-AP catalogue, 100 datasets a page
    /dataset/<name>.jsonld              one dataset in DCAT-AP
    /dataset/<name>[/v<n>]/datapackage.json   the Data Package descriptor, standing alone

The dataset page embeds schema.org JSON-LD through the `schema_org_dataset` template global.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from flask import Blueprint, Response, render_template, request

from catalog import browse, linked_data, organisations
from catalog.errors import InvalidInput
from catalog.pages import int_arg
from catalog.search import FACETS, SORTS

blueprint = Blueprint("twins", __name__)
SEARCH_FILTERS = FACETS  # the same filters as /search


@blueprint.route("/search.json")
def search() -> Response:
    site = _site()
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        raise InvalidInput("sort must be relevance, title or modified.", {"sort": sort})
    filters = {k: request.args.get(k, "") for k in SEARCH_FILTERS}
    q = request.args.get("q", "")[:500]
    with site.session() as db:
        data = browse.search_datasets(site, db, q, filters, int_arg("page", 1, 1), sort)
    return _json(data)


@blueprint.route("/dataset/<name>.json")
def dataset(name: str) -> Response:
    site = _site()
    version = int_arg("version", 0) or None
    int_arg("offset", 0)  # a malformed offset is a 400, as on the page
    with site.session() as db:
        data = browse.dataset_details(site, db, name, version, request.args)
    return _json(data)


@blueprint.route("/organisation/<name>")
def organisation(name: str) -> Any:
    site = _site()
    with site.session() as db:
        data = organisations.organisation_details(site, db, name, int_arg("page", 1, 1))
    return render_template("organisation.html", o=data)


@blueprint.route("/organisation/<name>.json")
def organisation_json(name: str) -> Response:
    site = _site()
    with site.session() as db:
        data = organisations.organisation_details(site, db, name, int_arg("page", 1, 1))
    return _json(data)


@blueprint.route("/catalog.jsonld")
def catalogue() -> Response:
    page = int_arg("page", 1, 1)
    with _site().session() as db:
        total, entries = linked_data.catalogue_entries(db, page)
    return _json(linked_data.dcat_catalogue(entries, total, page), "application/ld+json")


@blueprint.route("/dataset/<name>.jsonld")
def dataset_dcat(name: str) -> Response:
    with _site().session() as db:
        entry = linked_data.dataset_entry(db, name)
    return _json(linked_data.dcat_dataset(entry), "application/ld+json")


@blueprint.route("/dataset/<name>/datapackage.json")
@blueprint.route("/dataset/<name>/v<int:number>/datapackage.json")
def data_package(name: str, number: int | None = None) -> Response:
    site = _site()
    with site.session() as db:
        descriptor = linked_data.data_package_descriptor(site, db, name, number)
    return _json(descriptor)


@blueprint.app_template_global("schema_org_dataset")
def schema_org_dataset(d: dict[str, Any]) -> dict[str, Any]:
    return linked_data.schema_org_dataset(d)


def _json(data: Any, mimetype: str = "application/json") -> Response:
    body = json.dumps(data, indent=2, ensure_ascii=False, default=_plain)
    return Response(body, mimetype=mimetype)


def _plain(value: Any) -> Any:
    """Dates and times as ISO strings (not Flask's HTTP dates), decimals as numbers."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)


def _site() -> Any:
    from catalog.app import current_site

    return current_site()
