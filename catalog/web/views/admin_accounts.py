"""The organiser's account pages (site admins only): /admin/users (find accounts, make or
unmake site admins, disable and enable, make a password reset link), /admin/sign-up (the
sign-up rule and the event's code, shown large for the room's screen) and
/admin/invitations (one-time sign-up links from a list of names or a CSV, printed one card
per person). Links are shown once, when made: only their hashes are kept."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length

from catalog.accounts.one_time_links import (
    MAX_INVITATIONS,
    create_invitations,
    create_reset_link,
    list_invitations,
)
from catalog.accounts.sign_up import (
    RULES,
    event_code,
    rotate_event_code,
    set_event_code,
    set_sign_up_rule,
    sign_up_rule,
)
from catalog.accounts.user_admin import (
    require_site_admin,
    search_users,
    set_disabled,
    set_site_admin,
)
from catalog.context import current_site, current_viewer, request_session
from catalog.errors import InvalidInput
from catalog.web.views.sign_in import login_required

blueprint = Blueprint("admin_accounts", __name__)
MAX_NAMES_TEXT = 50_000  # characters of pasted names
MAX_CSV_BYTES = 200_000
RULE_LABELS = {
    "anyone": "Anyone may make an account",
    "code": "Anyone with the event's code (shown on the screen in the room)",
    "nobody": "Nobody: accounts by invitation only",
}


class ButtonForm(FlaskForm):
    """Only the CSRF token: what to do is in the URL and the button."""


class RuleForm(FlaskForm):
    rule = RadioField(
        "Who may make an account", choices=[SelectChoice(r, RULE_LABELS[r]) for r in RULES]
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Or set the code yourself (4 to 40 letters, digits or dashes)",
        validators=[Length(max=40)],
    )


class InvitationForm(FlaskForm):
    names = TextAreaField(
        f"Names, one per line (at most {MAX_INVITATIONS})",
        validators=[Length(max=MAX_NAMES_TEXT)],
    )
    file = FileField("Or a CSV file with a column called name")


@blueprint.before_request
@login_required
def _site_admins_only() -> None:
    require_site_admin(current_viewer())


@blueprint.after_request
def _never_kept(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"  # reset and invitation links, once
    return response


@blueprint.route("/admin/users")
def users() -> Any:
    found = search_users(request_session(), current_viewer(), request.args.get("q", "")[:100])
    return render_template("admin_users.html", found=found, button=ButtonForm())


@blueprint.route(
    "/admin/users/<id:user_id>/<any(admin,unadmin,disable,enable):action>", methods=["POST"]
)
def change_user(user_id: int, action: str) -> Any:
    _check(ButtonForm())
    db, viewer = request_session(), current_viewer()
    if action in ("admin", "unadmin"):
        user = set_site_admin(db, viewer, user_id, action == "admin")
        said = "is now a site admin" if user.is_admin else "is no longer a site admin"
    else:
        user = set_disabled(db, viewer, user_id, action == "disable")
        said = (
            "is disabled: signed out everywhere, its API tokens refused"
            if user.disabled
            else "may sign in again"
        )
    flash(f"{user.username} {said}.", "success")
    return redirect(url_for("admin_accounts.users", q=request.args.get("q", "")[:100]), code=303)


@blueprint.route("/admin/users/<id:user_id>/reset", methods=["POST"])
def reset_link(user_id: int) -> Any:
    _check(ButtonForm())
    db = request_session()
    viewer_id = current_viewer().id
    assert viewer_id is not None
    made = create_reset_link(db, viewer_id, user_id)
    link = url_for("sign_up.reset", token=made.token, _external=True)
    return render_template("admin_reset.html", made=made, link=link)


@blueprint.route("/admin/sign-up", methods=["GET", "POST"])
def sign_up_settings() -> Any:
    db = request_session()
    # One CSRF token for the page's forms (checked by ButtonForm); these two only read.
    rule_form, code_form = RuleForm(meta={"csrf": False}), CodeForm(meta={"csrf": False})
    action = request.form.get("action", "")
    if request.method == "POST":
        _check(ButtonForm())
        if action == "rule" and rule_form.validate():
            set_sign_up_rule(db, rule_form.rule.data or "")
            flash(f"Sign-up: {RULE_LABELS[rule_form.rule.data or '']}.", "success")
        elif action == "code":
            try:
                set_event_code(db, code_form.code.data or "")
            except InvalidInput as error:  # said beside the field, the page as it was
                code_form.code.errors = [error.message]
                return _sign_up_page(rule_form, code_form), 400
            flash("The event's code is set. The old one no longer works.", "success")
        elif action == "rotate":
            rotate_event_code(db)
            flash("A new event code is made. The old one no longer works.", "success")
        else:
            raise InvalidInput("Pick a choice and press its button.")
        return redirect(url_for("admin_accounts.sign_up_settings"), code=303)
    return _sign_up_page(rule_form, code_form)


def _sign_up_page(rule_form: RuleForm, code_form: CodeForm) -> str:
    db = request_session()
    rule = sign_up_rule(db, current_site().settings.sign_up)
    rule_form.rule.data = rule
    return render_template(
        "admin_sign_up.html",
        rule=rule,
        rule_label=RULE_LABELS[rule],
        code=event_code(db),
        rule_form=rule_form,
        code_form=code_form,
        default=current_site().settings.sign_up,
        register=url_for("sign_up.register", _external=True),
    )


@blueprint.route("/admin/sign-up/screen")
def screen() -> Any:
    """The code and the sign-up address, as large as a room's screen wants them."""
    return render_template(
        "admin_screen.html",
        code=event_code(request_session()),
        register=url_for("sign_up.register", _external=True),
    )


@blueprint.route("/admin/invitations", methods=["GET", "POST"])
def invitations() -> Any:
    db, form = request_session(), InvitationForm()
    if form.validate_on_submit():
        names = _names(form)
        viewer_id = current_viewer().id
        assert viewer_id is not None
        made = create_invitations(db, viewer_id, names)
        cards = [
            {"name": m.name, "link": url_for("sign_up.invitation", token=m.token, _external=True)}
            for m in made
        ]
        expires = made[0].expires.isoformat(timespec="minutes").replace("T", " ")
        return render_template("admin_invitations_made.html", cards=cards, expires=expires)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin_invitations.html", form=form, made=list_invitations(db), most=MAX_INVITATIONS
    ), status


def _names(form: InvitationForm) -> list[str]:
    """The names pasted, then those of the CSV's name column (capped before reading)."""
    names = (form.names.data or "").splitlines()
    upload = form.file.data
    if upload and upload.filename:
        raw = upload.stream.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            raise InvalidInput(
                f"The CSV is larger than {MAX_CSV_BYTES // 1000} kB: send a shorter list.",
                {"file": "too large"},
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        rows = csv.DictReader(io.StringIO(text))
        column = next(
            (c for c in rows.fieldnames or [] if c and c.strip().casefold() == "name"), None
        )
        if column is None:
            raise InvalidInput(
                "The CSV has no column called name: its first row should name the columns, "
                "one of them name.",
                {"file": "no name column"},
            )
        for number, row in enumerate(rows):
            if number >= MAX_INVITATIONS + 1:
                break
            names.append(row.get(column) or "")
    return names


def _check(form: FlaskForm) -> None:
    if not form.validate_on_submit():
        raise InvalidInput("The form had expired. Reload the page and try again.")
