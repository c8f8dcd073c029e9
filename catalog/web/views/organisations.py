"""An organisation's page and its JSON twin: /organisation/<name>[.json]."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from catalog.context import current_site, current_viewer, request_session
from catalog.datasets.organisations import organisation_details
from catalog.params import parse_int
from catalog.web.answers import json_answer

blueprint = Blueprint("organisations", __name__)


@blueprint.route("/organisation/<name>")
def organisation(name: str) -> Any:
    return render_template("organisation.html", o=_organisation_data(name))


@blueprint.route("/organisation/<name>.json")
def organisation_json(name: str) -> Any:
    return json_answer(_organisation_data(name))


def _organisation_data(name: str) -> dict[str, Any]:
    page = parse_int(request.args, "page", 1, minimum=1)
    return organisation_details(current_site(), request_session(), name, page, current_viewer())
