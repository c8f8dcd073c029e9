"""The authorities directory: list, page, type-ahead, and admin add and edit.

/authorities                 the directory: search, nation, defunct, 50 a page
/authorities.json?q=         the type-ahead (catalog/static/typeahead.js): up to 10 bodies
/authority/<slug>[.json]     one body
/authorities/new             add a body (site admins)
/authority/<slug>/edit       correct a body (site admins)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from catalog.auth import login_required
from catalog.authorities import (
    NATIONS,
    authority_by_slug,
    authority_summary,
    list_authorities,
    save_authority,
    search_authorities,
)
from catalog.deadlines import uk_today
from catalog.errors import InvalidInput, NotAuthorised
from catalog.pages import int_arg
from catalog.requests import list_requests

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


def _site() -> Any:
    from catalog.app import current_site

    return current_site()


def _require_admin() -> None:
    if not g.user.get("is_admin"):
        raise NotAuthorised("Only site admins can add or change public bodies.")


@blueprint.route("/authorities")
def index() -> Any:
    nation = request.args.get("nation", "")
    if nation and nation not in NATIONS:
        raise InvalidInput(f"nation must be one of {', '.join(NATIONS)}.", {"nation": nation})
    with _site().session() as db:
        data = list_authorities(
            db,
            request.args.get("q", "")[:200],
            nation,
            request.args.get("defunct", "") not in ("", "0"),
            int_arg("page", 1, 1),
            PER_PAGE,
        )
    return render_template("authorities.html", **data)


@blueprint.route("/authorities.json")
def typeahead() -> Any:
    text = request.args.get("q", "")[:200]
    with _site().session() as db:
        return jsonify(search_authorities(db, text, TYPEAHEAD_LIMIT))


@blueprint.route("/authority/<slug>")
def authority(slug: str) -> Any:
    with _site().session() as db:
        data = authority_summary(authority_by_slug(db, slug))
        asked = list_requests(db, g.get("user"), uk_today(), authority=slug, per_page=10)
    return render_template("authority.html", a=data, asked=asked)


@blueprint.route("/authority/<slug>.json")
def authority_json(slug: str) -> Any:
    with _site().session() as db:
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
    with _site().session() as db:
        current = authority_summary(authority_by_slug(db, slug))
    form = AuthorityForm(data={**current, "other_names": "; ".join(current["other_names"])})
    return _save(form, current)


def _save(form: AuthorityForm, current: dict[str, Any] | None) -> Any:
    """Show the form, or save what it sent and go to the body's page."""
    slug = current["slug"] if current else None
    if form.validate_on_submit():
        with _site().session() as db:
            try:
                saved = save_authority(db, g.user, form.data, slug)
            except InvalidInput as error:
                for name, problem in error.fields.items():
                    form[name].errors = [*form[name].errors, problem]
            else:
                slug = saved.slug
                db.commit()
                flash(f"Saved {saved.name}.", "success")
                return redirect(url_for("authorities.authority", slug=slug))
    status = 400 if request.method == "POST" else 200
    return render_template("authority_form.html", form=form, current=current), status
