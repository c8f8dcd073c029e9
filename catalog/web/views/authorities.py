"""The authorities directory: list, page, type-ahead, and admin add and edit.

/authorities                 the directory: search, nation, defunct, 50 a page
/authorities.json?q=         the type-ahead (catalog/static/typeahead.js): up to 10 bodies
/authority/<slug>[.json]     one body
/authorities/new             add a body (site admins)
/authority/<slug>/edit       correct a body (site admins)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from catalog.context import current_viewer, request_session
from catalog.errors import InvalidInput, NotAuthorised
from catalog.foi.authorities import (
    NATIONS,
    authority_by_slug,
    authority_summary,
    list_authorities,
    save_authority,
    search_authorities,
)
from catalog.foi.deadlines import uk_today
from catalog.foi.reading import list_requests
from catalog.params import parse_int
from catalog.web.views.sign_in import login_required

blueprint = Blueprint("authorities", __name__)
PER_PAGE = 50
TYPEAHEAD_LIMIT = 10


class AuthorityForm(FlaskForm):
    name = StringField("Name")
    slug = StringField("URL name (lower-case letters, digits and dashes; empty: from the name)")
    abbreviation = StringField("Abbreviation")
    other_names = StringField("Other names (separated by semicolons)")
    kind = StringField("Kind of body (e.g. Metropolitan district)")
    nation = SelectField(
        "Nation",
        choices=[SelectChoice("", "UK-wide or not known")] + [SelectChoice(n, n) for n in NATIONS],
        default="",
    )
    url = StringField("Web site")
    foi_email = StringField("Email address for FOI requests")
    foi_address = TextAreaField("Postal address for FOI requests")
    subject_to_foi = BooleanField("Subject to the Freedom of Information Act", default=True)
    defunct = BooleanField("Defunct: no longer exists")


def _require_admin() -> None:
    if not current_viewer().is_admin:
        raise NotAuthorised("Only site admins can add or change public bodies.")


@blueprint.route("/authorities")
def index() -> Any:
    nation = request.args.get("nation", "")
    if nation and nation not in NATIONS:
        raise InvalidInput(f"nation must be one of {', '.join(NATIONS)}.", {"nation": nation})
    db = request_session()
    data = list_authorities(
        db,
        request.args.get("q", "")[:200],
        nation,
        request.args.get("defunct", "") not in ("", "0"),
        parse_int(request.args, "page", 1, minimum=1),
        PER_PAGE,
    )
    return render_template("authorities.html", **data)


@blueprint.route("/authorities.json")
def typeahead() -> Any:
    text = request.args.get("q", "")[:200]
    db = request_session()
    return jsonify(search_authorities(db, text, TYPEAHEAD_LIMIT))


@blueprint.route("/authority/<slug>")
def authority(slug: str) -> Any:
    db = request_session()
    data = authority_summary(authority_by_slug(db, slug))
    asked = list_requests(db, uk_today(), viewer=current_viewer(), authority=slug, per_page=10)
    return render_template("authority.html", a=data, asked=asked)


@blueprint.route("/authority/<slug>.json")
def authority_json(slug: str) -> Any:
    db = request_session()
    return jsonify(authority_summary(authority_by_slug(db, slug)))


@blueprint.route("/authorities/new", methods=["GET", "POST"])
@login_required
def add() -> Any:
    _require_admin()
    form = AuthorityForm()
    return _save(form, None)


@blueprint.route("/authority/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> Any:
    _require_admin()
    db = request_session()
    current = authority_summary(authority_by_slug(db, slug))
    form = AuthorityForm(data={**current, "other_names": "; ".join(current["other_names"])})
    return _save(form, current)


def _save(form: AuthorityForm, current: dict[str, Any] | None) -> Any:
    """Show the form, or save what it sent and go to the body's page."""
    slug = current["slug"] if current else None
    if form.validate_on_submit():
        db = request_session()
        try:
            saved = save_authority(db, current_viewer(), form.data, slug)
        except InvalidInput as error:
            for name, problem in error.fields.items():
                form[name].errors = [*form[name].errors, problem]
        else:
            slug = saved.slug
            flash(f"Saved {saved.name}.", "success")
            return redirect(url_for("authorities.authority", slug=slug))
    status = 400 if request.method == "POST" else 200
    return render_template("authority_form.html", form=form, current=current), status
