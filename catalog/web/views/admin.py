"""The organisers' room, for site admins only (the organisers and mentors); a visitor is
sent to sign in, anyone else is told there is no such page (who may see it fails closed).

/admin                    the admin area's index
/admin/organisations      every organisation: members, admins, datasets
/admin/board[.json]       the live event board (catalog/event/board.py) and its twin
/admin/help/<id>/take     a mentor takes a request for help; .../done marks it done
/admin/export.csv         the day's record (catalog/event/day_export.py), streamed
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState

from catalog.context import current_site, current_viewer, request_session
from catalog.errors import NotFound
from catalog.event.board import event_board
from catalog.event.day import EventDay, event_day, site_zone
from catalog.event.day_export import csv_lines, day_record
from catalog.event.help_flags import finish_flag, take_flag
from catalog.event.organisations import organisation_overview
from catalog.web.answers import json_answer
from catalog.web.views.sign_in import login_required

blueprint = Blueprint("admin", __name__)
SCRIPT_REFRESH_SECONDS = 5  # how often board.js follows the twin (or the setting, if less)


@blueprint.record_once
def _check_time_zone(state: BlueprintSetupState) -> None:
    """A DATASTORE_TIME_ZONE that names no zone stops the app at its start, saying so."""
    site_zone(state.app.extensions["site"].settings.time_zone)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Site admins only: a visitor signs in first; anyone else finds no page here."""

    @login_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_viewer().is_admin:
            raise NotFound("There is no page at this address.")
        return view(*args, **kwargs)

    return wrapped


@blueprint.route("/admin")
@admin_required
def index() -> Any:
    return _private(render_template("admin_index.html"))


@blueprint.route("/admin/organisations")
@admin_required
def organisations() -> Any:
    found = organisation_overview(request_session())
    return _private(render_template("admin_organisations.html", organisations=found))


@blueprint.route("/admin/board")
@admin_required
def board() -> Any:
    refresh = current_site().settings.board_refresh_seconds
    page = render_template(
        "admin_board.html",
        board=_board(),
        refresh=refresh,
        script_refresh=min(refresh, SCRIPT_REFRESH_SECONDS),
    )
    return _private(page)


@blueprint.route("/admin/board.json")
@admin_required
def board_json() -> Any:
    return _private(json_answer(_board()))


@blueprint.route("/admin/help/<id:flag_id>/take", methods=["POST"])
@admin_required
def take(flag_id: int) -> Any:
    flag = take_flag(request_session(), current_viewer(), flag_id)
    flash(f"You have taken {flag['who']}'s request: they are told you are on the way.", "success")
    return redirect(url_for("admin.board"), code=303)


@blueprint.route("/admin/help/<id:flag_id>/done", methods=["POST"])
@admin_required
def done(flag_id: int) -> Any:
    flag = finish_flag(request_session(), current_viewer(), flag_id)
    flash(f"{flag['who']}'s request for help is done.", "success")
    return redirect(url_for("admin.board"), code=303)


@blueprint.route("/admin/export.csv")
@admin_required
def export() -> Any:
    site = current_site()
    day = _today()
    lines = (line.encode("utf-8") for line in csv_lines(day_record(site.sessions, day)))
    answer = Response(lines, mimetype="text/csv")
    answer.headers["Content-Disposition"] = f'attachment; filename="event-{day.date}.csv"'
    return _private(answer)


def _today() -> EventDay:
    return event_day(current_site().settings.time_zone)


def _board() -> dict[str, Any]:
    """The board's data with the addresses its pages link to (the page and its twin)."""
    site = current_site()
    data = event_board(request_session(), _today(), settle=site.jobs.status)
    for items in data["uploads"].values():
        for upload in items:
            _link_upload(upload)
    if data["oldest_waiting"]:
        _link_upload(data["oldest_waiting"])
    for team in data["per_team"]:
        team["url"] = (
            url_for("organisations.organisation", name=team["name"]) if team["name"] else None
        )
    for flags in data["help"].values():
        for flag in flags:
            flag["job_url"] = (
                url_for("uploads.job", job_id=flag["job_id"]) if flag["job_id"] else None
            )
            flag["take_url"] = url_for("admin.take", flag_id=flag["id"])
            flag["done_url"] = url_for("admin.done", flag_id=flag["id"])
    return data


def _link_upload(upload: dict[str, Any]) -> None:
    upload["url"] = url_for("uploads.job", job_id=upload["id"])
    published = upload["state"] == "published" and upload["dataset_name"]
    upload["dataset_url"] = (
        url_for("pages.dataset", name=upload["dataset_name"]) if published else None
    )


def _private(answer: Any) -> Response:
    """Admin pages are never kept by a browser or a proxy (they name people)."""
    response = Response(answer) if isinstance(answer, str) else answer
    response.headers["Cache-Control"] = "no-store"
    return response
