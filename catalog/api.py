"""The CKAN-compatible Action API at /api/3/action/<name> (CKAN's envelope and status codes).

This is the one place the word "package" appears: it is CKAN's name for a dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify, request, url_for

from catalog import browse, tables
from catalog.errors import InvalidInput, NotFound

blueprint = Blueprint("api", __name__, url_prefix="/api/3/action")
ACTIONS: dict[str, Callable[[dict[str, Any]], Any]] = {}
_ERROR_TYPES = {
    400: "Validation Error",
    403: "Authorization Error",
    404: "Not Found Error",
    409: "Validation Error",
    413: "Validation Error",
}


def action(function: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    ACTIONS[function.__name__] = function
    return function


def error_body(status: int, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {
        "__type": _ERROR_TYPES.get(status, "Internal Error"),
        "message": message,
    }
    for name, problem in (fields or {}).items():
        error[name] = [problem]
    return {"help": request.url, "success": False, "error": error}


@blueprint.route("/<name>", methods=["GET", "POST"])
def call(name: str) -> Any:
    if name not in ACTIONS:
        raise NotFound(f"There is no action called {name!r}.")
    params: dict[str, Any] = dict(request.args)
    if request.is_json:
        params.update(request.get_json(silent=True) or {})
    return jsonify({"help": request.url, "success": True, "result": ACTIONS[name](params)})


def _site() -> Any:
    from catalog.app import current_site

    return current_site()


def _int(params: dict[str, Any], name: str, default: int, maximum: int) -> int:
    try:
        value = int(params.get(name, default))
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a whole number.", {name: "Invalid integer"}) from None
    if value < 0:
        raise InvalidInput(f"{name} must not be negative.", {name: "Must be a natural number"})
    return min(value, maximum)


def package_dict(
    summary: dict[str, Any], versions: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    name = summary["name"]
    resources = []
    if versions:
        latest = versions[0]
        resources.append(
            {
                "id": f"{name}-v{latest['number']}",
                "name": latest["original_name"],
                "format": "CSV",
                "url": url_for(
                    "downloads.table",
                    name=name,
                    number=latest["number"],
                    fmt="csv",
                    _external=True,
                ),
                "size": latest["bytes"],
                "hash": f"sha256:{latest['sha256']}",
            }
        )
    return {
        "id": str(summary["id"]),
        "name": name,
        "title": summary["title"],
        "notes": summary["description"],
        "url": summary["source_url"],
        "license_id": summary["licence"]["id"],
        "license_title": summary["licence"]["title"],
        "organization": summary["organisation"],
        "tags": [{"name": t} for t in summary["tags"]],
        "num_tags": len(summary["tags"]),
        "resources": resources,
        "num_resources": len(resources),
        "metadata_created": summary["created"],
        "metadata_modified": summary["modified"],
        "private": False,
        "state": "active",
    }


@action
def status_show(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "site_title": "Open datastore",
        "ckan_version": "2.10.0",
        "api_version": 3,
        "extensions": [],
    }


@action
def package_list(params: dict[str, Any]) -> list[str]:
    with _site().session() as db:
        return browse.dataset_names(db)


@action
def package_show(params: dict[str, Any]) -> dict[str, Any]:
    site = _site()
    name = str(params.get("id") or params.get("name") or "")
    if not name:
        raise InvalidInput("Give the dataset's name as id.", {"id": "Missing value"})
    with site.session() as db:
        details = browse.dataset_details(site, db, name)
    return package_dict(details, details["all_versions"])


@action
def package_search(params: dict[str, Any]) -> dict[str, Any]:
    site = _site()
    rows = _int(params, "rows", 10, 1000)
    start = _int(params, "start", 0, 10**9)
    with site.session() as db:
        total, results = browse.find_datasets(site, db, str(params.get("q", "")), start, rows)
    return {
        "count": total,
        "results": [package_dict(r) for r in results],
        "sort": "score desc, metadata_modified desc",
        "search_facets": {},
    }


@action
def datastore_search(params: dict[str, Any]) -> dict[str, Any]:
    site = _site()
    with site.session() as db:
        return tables.datastore_search(site, db, params)
