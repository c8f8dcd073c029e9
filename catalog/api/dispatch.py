"""The CKAN-compatible Action API at /api/3/action/<name> and /api/action/<name>, in CKAN's
envelope: `{help, success, result}`, or `{help, success: false, error}` from the app's one
error handler. This is the one place the word "package" appears: it is CKAN's name for a
dataset."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from catalog.api.auth import token_viewer
from catalog.api.registry import ACTIONS
from catalog.context import current_site, set_viewer
from catalog.errors import BadParameter, NotFound, TooLarge
from catalog.params import TooDeep, loads, refuse_nul

blueprint = Blueprint("api", __name__, url_prefix="/api/3/action")
# ckanapi and most CKAN clients call /api/action/<name>; CKAN answers there too.
unversioned = Blueprint("api_unversioned", __name__, url_prefix="/api/action")


@blueprint.route("/<name>", methods=["GET", "POST"])
@unversioned.route("/<name>", methods=["GET", "POST"])
def call(name: str) -> Any:
    if name not in ACTIONS:
        raise NotFound(f"There is no action called {name!r}.")
    set_viewer(token_viewer())  # the API goes by its token, never by a browser session
    return jsonify({"help": request.url, "success": True, "result": ACTIONS[name](_params())})


def _params() -> dict[str, Any]:
    params: dict[str, Any] = dict(request.args)
    params.update(request.form.to_dict())
    if request.is_json and request.content_length:
        settings = current_site().settings
        if request.content_length > settings.max_api_body_bytes:
            raise TooLarge(
                f"A JSON body may be at most {settings.max_api_body_bytes:,} bytes "
                "(DATASTORE_MAX_API_BODY_BYTES); send files as multipart uploads."
            )
        try:
            body = loads(request.get_data(cache=True), settings.max_json_depth)
        except TooDeep:
            raise BadParameter(
                f"The body's objects and lists are nested more than {settings.max_json_depth} "
                "deep (DATASTORE_MAX_JSON_DEPTH); no action needs more than a few levels.",
                {"body": f"Nested more than {settings.max_json_depth} deep"},
            ) from None
        except (ValueError, RecursionError):  # not JSON (NaN included)
            body = None
        if not isinstance(body, dict):
            raise BadParameter(
                'The body is not a JSON object: send {"name": value, ...}.',
                {"body": "Not a JSON object"},
            )
        params.update(body)
    refuse_nul(params)
    return params
