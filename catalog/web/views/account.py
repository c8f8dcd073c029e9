"""A volunteer's own work, and its JSON twins: /account/datasets and /account/uploads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from catalog.context import current_viewer, request_session
from catalog.datasets.own_work import own_datasets, own_uploads
from catalog.params import parse_int
from catalog.web.answers import json_answer
from catalog.web.views.sign_in import login_required

blueprint = Blueprint("account", __name__)


@blueprint.route("/account/datasets")
@login_required
def datasets() -> Any:
    return render_template("account_datasets.html", mine=_datasets())


@blueprint.route("/account/datasets.json")
@login_required
def datasets_json() -> Any:
    return json_answer(_datasets())


@blueprint.route("/account/uploads")
@login_required
def uploads() -> Any:
    return render_template("account_uploads.html", mine=_uploads())


@blueprint.route("/account/uploads.json")
@login_required
def uploads_json() -> Any:
    return json_answer(_uploads())


def _datasets() -> dict[str, Any]:
    page = parse_int(request.args, "page", 1, minimum=1)
    return own_datasets(request_session(), current_viewer(), page)


def _uploads() -> dict[str, Any]:
    page = parse_int(request.args, "page", 1, minimum=1)
    return own_uploads(request_session(), current_viewer(), page)
