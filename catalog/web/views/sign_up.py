"""Getting an account: the sign-up page (/register) under the site's rule (anyone, the
event's code, or invitations only), an invitation's own page (/register/<token>), and a
password reset link made by an admin (/reset/<token>). Every sign-up attempt from an
address counts against DATASTORE_SIGN_UP_LIMIT (a wrong code too): past it, a 429 that
says when to try again."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from catalog.accounts.one_time_links import INVITATION, RESET, LinkUnusable, find_link, use_link
from catalog.accounts.sign_in_limits import SignUpLimits
from catalog.accounts.sign_up import (
    CODE,
    NOBODY,
    RULES,
    NewAccount,
    event_code,
    sign_up,
    sign_up_rule,
)
from catalog.accounts.users import (
    MAX_DISPLAY_NAME,
    MAX_EMAIL,
    MIN_PASSWORD_LENGTH,
    set_password,
)
from catalog.context import current_site, current_viewer, request_session
from catalog.errors import CatalogError
from catalog.web.views.sign_in import in_words, safe_next, start_session

blueprint = Blueprint("sign_up", __name__)


class SignUpForm(FlaskForm):
    username = StringField(
        "User name (to sign in with: letters, digits, dots, dashes)",
        validators=[DataRequired(), Length(min=2, max=64)],
    )
    display_name = StringField(
        "Your name as others see it (e.g. Priya Shah)",
        validators=[DataRequired(), Length(max=MAX_DISPLAY_NAME)],
    )
    password = PasswordField(
        f"Password ({MIN_PASSWORD_LENGTH} characters or more)",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
    )
    email = StringField(
        "Email (optional; this site sends no mail)", validators=[Length(max=MAX_EMAIL)]
    )
    code = StringField("The event's code (on the screen in the room)", validators=[Length(max=80)])


class ResetForm(FlaskForm):
    new = PasswordField(
        f"New password ({MIN_PASSWORD_LENGTH} characters or more)",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
    )
    again = PasswordField(
        "The new password again",
        validators=[DataRequired(), EqualTo("new", message="The two passwords differ.")],
    )


@blueprint.record_once
def _attach_limits(state: BlueprintSetupState) -> None:
    """The sign-up limiter, built with the app (the site is there before the pages)."""
    settings = state.app.extensions["site"].settings
    if settings.sign_up not in RULES:
        raise ValueError(
            f"DATASTORE_SIGN_UP must be one of {', '.join(RULES)}, not {settings.sign_up!r}"
        )
    state.app.extensions["sign_up_limits"] = SignUpLimits(
        settings.rate_limit_storage, settings.sign_up_limit
    )


@blueprint.app_context_processor
def _sign_up_globals() -> dict[str, Any]:
    return {"sign_up_open": sign_up_open}


def sign_up_open() -> bool:
    """Whether a visitor may sign up without an invitation (the nav's "Sign up" link)."""
    default = current_site().settings.sign_up
    if g.get("failed"):  # an error page: its database session may be unusable
        return default != NOBODY
    return current_rule() != NOBODY


def current_rule() -> str:
    return sign_up_rule(request_session(), current_site().settings.sign_up)


@blueprint.after_request
def _never_kept(response: Any) -> Any:
    """These pages carry one-time links in their address: no browser or proxy keeps them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/register", methods=["GET", "POST"])
def register() -> Any:
    return _sign_up_page(token="")


@blueprint.route("/register/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Any:
    return _sign_up_page(token=token[:200])


def _sign_up_page(token: str) -> Any:
    next_url = request.args.get("next", "")
    if current_viewer().signed_in:
        return render_template("sign_up.html", signed_in=True, next=next_url)
    rule, invited, unusable = current_rule(), None, ""
    if token:
        try:
            invited = find_link(request_session(), INVITATION, token).name
        except LinkUnusable as error:
            unusable = error.message
        if unusable:
            page = render_template("sign_up.html", unusable=unusable, rule=rule, next=next_url)
            return page, 410
    form = SignUpForm()
    if request.method == "GET" and invited:
        form.display_name.data = invited
        form.username.data = _suggested_username(invited)
    status = 200
    if form.validate_on_submit():
        limits: SignUpLimits = sign_up_limits()
        address = request.remote_addr or ""
        wait = limits.wait(address)
        if wait is not None:
            form.username.errors.append(
                f"Too many sign-up attempts from your address. Try again in {in_words(wait)}, "
                "or ask the site's organiser for an invitation link."
            )
            page = _page(form, rule, invited, next_url)
            return page, 429, {"Retry-After": str(wait)}
        limits.attempted(address)
        account = NewAccount(
            username=form.username.data or "",
            display_name=form.display_name.data or "",
            password=form.password.data or "",
            email=form.email.data or "",
        )
        db = request_session()
        try:
            user = sign_up(
                db, account, current_site().settings.sign_up, form.code.data or "", token
            )
        except CatalogError as error:
            db.rollback()  # nothing of a refused sign-up is kept (an account half made)
            _show(form, error)
            status = error.status
        else:
            start_session(user)
            flash(f"Welcome, {user.display_name or user.username}: you are signed in.", "success")
            return redirect(safe_next(next_url), code=303)
    elif request.method == "POST":
        status = 400
    return _page(form, rule, invited, next_url), status


def sign_up_limits() -> SignUpLimits:
    limits: SignUpLimits = current_app.extensions["sign_up_limits"]
    return limits


def _page(form: SignUpForm, rule: str, invited: str | None, next_url: str) -> str:
    return render_template(
        "sign_up.html",
        form=form,
        rule=rule,
        invited=invited,
        ask_code=invited is None and rule == CODE,
        no_code_yet=invited is None and rule == CODE and not event_code(request_session()),
        closed=invited is None and rule == NOBODY,
        next=next_url,
    )


def _show(form: SignUpForm, error: CatalogError) -> None:
    """The refusal beside the field it is about (or above the form)."""
    for name in error.fields:
        if hasattr(form, name) and name != "csrf_token":
            getattr(form, name).errors.append(error.message)
            return
    form.form_errors.append(error.message)


def _suggested_username(name: str) -> str:
    """'Priya Shah' -> 'priya.shah' (accents dropped; the invitee may change it)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    suggested = re.sub(r"[^a-z0-9]+", ".", plain.casefold()).strip(".")
    return suggested[:64] if len(suggested) >= 2 else ""


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Any:
    """A password reset link an admin made: set a new password once. Every other browser
    signed in as the account is signed out; this one is signed in."""
    db = request_session()
    try:
        link = find_link(db, RESET, token[:200])
    except LinkUnusable as error:
        return render_template("reset.html", unusable=error.message), 410
    form = ResetForm()
    if form.validate_on_submit():
        try:
            user = set_password(db, link.name, form.new.data or "")
            use_link(db, link)
        except CatalogError as error:
            db.rollback()  # the password stays as it was, and the link unused
            form.new.errors.append(error.message)
        else:
            db.flush()
            if not user.disabled:
                start_session(user)
                flash("Your new password is set, and you are signed in.", "success")
                return redirect(url_for("pages.home"), code=303)
            flash("Your new password is set, but the account is disabled.", "info")
            return redirect(url_for("auth.login"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("reset.html", form=form, username=link.name), status
