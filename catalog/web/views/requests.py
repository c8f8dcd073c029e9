"""FOI request pages, finding and asking: the lists of requests (everyone's, your own, those
you follow), the most wanted data, and the ask form (from a search that found little),
which offers requests to follow instead and the bodies that might hold the data. One
request's own page is in catalog/web/views/request_page.py, on this module's blueprint.
Every page has a JSON twin built from the same data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import Length

from catalog.context import current_site, current_viewer, request_session
from catalog.errors import InvalidInput
from catalog.foi.asking import list_wanted, suggest_before_asking, title_from_search
from catalog.foi.authorities import resolve_authority
from catalog.foi.deadlines import uk_today
from catalog.foi.drafting import Draft, create_request
from catalog.foi.reading import list_requests
from catalog.foi.states import STATES
from catalog.foi.wanted import hide_miss
from catalog.params import parse_bool, parse_int
from catalog.search.index import FACETS
from catalog.web.views.sign_in import login_required

# The one blueprint of the FOI pages; catalog/web/views/request_page.py adds its routes.
blueprint = Blueprint("requests", __name__)


# The fields typed that the form keeps through signing in (with the "draft a new request" tick).
KEPT_FIELDS = ("title", "authority", "date_from", "date_to", "breakdown")


class RequestForm(FlaskForm):
    title = StringField("What information do you want?", validators=[Length(max=300)])
    authority = StringField("Which public body holds it?", validators=[Length(max=300)])
    date_from = StringField("From (e.g. April 2022)", validators=[Length(max=100)])
    date_to = StringField("To (e.g. March 2024)", validators=[Length(max=100)])
    breakdown = StringField(
        "Broken down by (e.g. by ward and by month)", validators=[Length(max=1000)]
    )
    search_query = HiddenField()
    confirm_new = BooleanField("None of these asks for what I want: draft a new request")


class ButtonForm(FlaskForm):
    """A form with nothing in it but its CSRF token: follow, unfollow, hide."""


def check_button(form: ButtonForm) -> None:
    """A button's form came back with its CSRF token, or a 400 that says to reload."""
    if not form.validate_on_submit():
        raise InvalidInput("The form had expired. Reload the page and try again.")


# Lists ------------------------------------------------------------------------------------


def _list_data() -> dict[str, Any]:
    db = request_session()
    data = list_requests(
        db,
        uk_today(),
        viewer=current_viewer(),
        authority=_authority_slug(db, request.args.get("authority", "")[:300]),
        state=request.args.get("state", ""),
        mine=parse_bool(request.args, "mine"),
        following=parse_bool(request.args, "following"),
        page=parse_int(request.args, "page", 1, minimum=1),
    )
    for card in data["results"]:
        card["url"] = url_for("requests.show", request_id=card["id"], _external=True)
    return data


def _authority_slug(db: Session, text: str) -> str:
    """The filter's body: its URL name, or a name picked from the type-ahead."""
    if not text:
        return ""
    found = resolve_authority(db, text)
    return found.slug if found is not None else text


@blueprint.route("/requests")
def index() -> Any:
    data = _list_data()
    own = {k: "1" for k in ("mine", "following") if parse_bool(request.args, k)}
    return render_template(
        "requests.html",
        **data,
        keep={**data["filters"], **own},
        states=STATES,
        wanted=_wanted(5, with_requests=False),
        mine=parse_bool(request.args, "mine"),
        following=parse_bool(request.args, "following"),
    )


@blueprint.route("/requests.json")
def index_json() -> Any:
    return jsonify(_list_data())


def _wanted(limit: int, with_requests: bool = True) -> list[dict[str, Any]]:
    found = list_wanted(
        request_session(),
        current_site().index,
        uk_today(),
        limit,
        with_requests=with_requests,
        viewer=current_viewer(),
    )
    for item in found:
        item["ask_url"] = url_for("requests.new", q=item["query"])
    return found


@blueprint.route("/requests/wanted")
def wanted() -> Any:
    return render_template("requests_wanted.html", wanted=_wanted(30), form=ButtonForm())


@blueprint.route("/requests/wanted.json")
def wanted_json() -> Any:
    return jsonify(_wanted(30))


@blueprint.route("/requests/wanted/<id:miss_id>/hide", methods=["POST"])
@login_required
def hide_wanted(miss_id: int) -> Any:
    check_button(ButtonForm())
    hide_miss(request_session(), current_viewer(), miss_id)
    return redirect(url_for("requests.wanted"), code=303)


# Asking -----------------------------------------------------------------------------------


@blueprint.route("/requests/new", methods=["GET", "POST"])
def new() -> Any:
    """Ask for data: pre-filled from the search (q and its filters); shows requests on the
    same topic to follow instead, and suggests the body from the catalogue's publishers."""
    form = RequestForm()
    filters = {k: request.args.get(k, "")[:200] for k in FACETS if request.args.get(k)}
    if request.method == "GET":
        query = request.args.get("q", "")[:300].strip()
        form.search_query.data = query
        # From a suggestion's link, or back from signing in: each field as long as it may
        # be (its maxlength, which the browser keeps to), so nothing typed is cut.
        for name in KEPT_FIELDS:
            field = getattr(form, name)
            field.data = request.args.get(name, "")[: field.flags.maxlength]
        form.title.data = form.title.data or title_from_search(query, filters)
        form.confirm_new.data = request.args.get("confirm_new") == "y"
    today = uk_today()
    db = request_session()
    offered = suggest_before_asking(
        db,
        current_site().index,
        form.title.data or "",
        form.search_query.data or "",
        filters,
        today,
        viewer=current_viewer(),
    )
    similar = offered.similar
    for card in similar:
        card["url"] = url_for("requests.show", request_id=card["id"])
    if request.method == "POST":
        if not current_viewer().signed_in:  # sign in, then come back to the form as it was
            kept: dict[str, Any] = {
                "q": form.search_query.data or "",
                **{n: getattr(form, n).data or "" for n in KEPT_FIELDS},
                "confirm_new": "y" if form.confirm_new.data else "",
                **filters,
            }
            back = url_for("requests.new", **{k: v for k, v in kept.items() if v})
            flash(
                "Sign in, or make an account, to save your request; the form keeps what you wrote.",
                "info",
            )
            return redirect(url_for("auth.login", next=back), code=303)
        created = _create(db, form, similar, today)
        if created is not None:
            return redirect(url_for("requests.show", request_id=created), code=303)
    return render_template(
        "request_new.html",
        form=form,
        similar=similar,
        suggested=offered.bodies,
        filters=filters,
        signed_in=current_viewer().signed_in,
    ), (400 if request.method == "POST" else 200)


def _create(db: Session, form: RequestForm, similar: list[Any], today: dt.date) -> int | None:
    """The new draft's number, or None with the form's errors set."""
    if not form.validate():
        return None
    if similar and not form.confirm_new.data:
        form.confirm_new.errors = [
            "Requests on much the same topic are listed above: follow one, or tick this box."
        ]
        return None
    authority = resolve_authority(db, form.authority.data or "")
    if authority is None:
        form.authority.errors = [
            "Pick a body from the list as you type, or look it up in the directory of "
            "public bodies."
        ]
        return None
    draft = Draft(
        title=form.title.data or "",
        date_from=form.date_from.data or "",
        date_to=form.date_to.data or "",
        breakdown=form.breakdown.data or "",
        search_query=form.search_query.data or "",
    )
    try:
        created = create_request(db, current_viewer(), authority, draft, today)
    except InvalidInput as error:
        for name, problem in error.fields.items():
            getattr(form, name).errors = [problem]
        return None
    return created.id
