"""The CKAN-compatible Action API at /api/3/action/<name> (CKAN's envelope and status codes).

This is the one place the word "package" appears: it is CKAN's name for a dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify, request, url_for

from catalog import browse, tables
from catalog.errors import Conflict, NotFound
from catalog.viewer import set_viewer

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


# ckanapi and most CKAN clients call /api/action/<name>; CKAN answers there too.
unversioned = Blueprint("api_unversioned", __name__, url_prefix="/api/action")


@blueprint.route("/<name>", methods=["GET", "POST"])
@unversioned.route("/<name>", methods=["GET", "POST"])
def call(name: str) -> Any:
    if name not in ACTIONS:
        raise NotFound(f"There is no action called {name!r}.")
    from catalog.api_actions import _optional_user

    set_viewer(_optional_user())  # the API goes by its token, never by a browser session
    params: dict[str, Any] = dict(request.args)
    params.update(request.form.to_dict())
    if request.is_json and request.content_length:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise Conflict(
                'The body is not a JSON object: send {"name": value, ...}.',
                {"body": "Not a JSON object"},
            )
        params.update(body)
    return jsonify({"help": request.url, "success": True, "result": ACTIONS[name](params)})


def _site() -> Any:
    from catalog.app import current_site

    return current_site()


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
def datastore_search(params: dict[str, Any]) -> dict[str, Any]:
    site = _site()
    with site.session() as db:
        return tables.datastore_search(site, db, params)


# Importing these registers the rest of the actions (CKAN's, then the FOI requests').
from catalog import api_actions, request_api  # noqa: E402, F401
