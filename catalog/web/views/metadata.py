"""Metadata for harvesters, each from the data function of the page it describes:

    /catalog.jsonld?page=N                    the DCAT-AP catalogue, 100 datasets a page
    /dataset/<name>.jsonld                    one dataset in DCAT-AP
    /dataset/<name>[/v<n>]/datapackage.json   the Data Package descriptor, standing alone

The dataset page embeds schema.org JSON-LD through the `schema_org_dataset` template global.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from catalog.context import current_site, current_viewer, request_session
from catalog.params import parse_int
from catalog.web import linked_data
from catalog.web.answers import json_answer

blueprint = Blueprint("metadata", __name__)


@blueprint.route("/catalog.jsonld")
def catalogue() -> Response:
    page = parse_int(request.args, "page", 1, minimum=1)
    total, entries = linked_data.catalogue_entries(request_session(), page, viewer=current_viewer())
    return json_answer(linked_data.dcat_catalogue(entries, total, page), "application/ld+json")


@blueprint.route("/dataset/<name>.jsonld")
def dataset_dcat(name: str) -> Response:
    entry = linked_data.dataset_entry(request_session(), name, current_viewer())
    return json_answer(linked_data.dcat_dataset(entry), "application/ld+json")


@blueprint.route("/dataset/<name>/datapackage.json")
@blueprint.route("/dataset/<name>/v<id:number>/datapackage.json")
def data_package(name: str, number: int | None = None) -> Response:
    descriptor = linked_data.data_package_descriptor(
        current_site(), request_session(), name, number, current_viewer()
    )
    return json_answer(descriptor)


@blueprint.app_template_global("schema_org_dataset")
def schema_org_dataset(d: dict[str, Any]) -> dict[str, Any]:
    return linked_data.schema_org_dataset(d)
