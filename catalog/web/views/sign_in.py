"""Signing in and out, and your own account: password, profile, API tokens. Accounts are
made on the sign-up page (catalog/web/views/sign_up.py) or with `datastore user create`."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from catalog.accounts.sign_up import sign_up_rule
from catalog.accounts.tokens import create_token, list_tokens, revoke_token
from catalog.accounts.users import (
    MAX_DISPLAY_NAME,
    MAX_EMAIL,
    MIN_PASSWORD_LENGTH,
    authenticate,
    end_sessions,
    set_password,
    update_profile,
)
from catalog.context import current_site, current_viewer, request_session, sign_in_limits
from catalog.db.models import User
from catalog.errors import InvalidInput, NotAuthorised

MAX_NEXT = 8000  # a `next` longer than this (a draft carried along) goes home instead

blueprint = Blueprint("auth", __name__)


class TokenForm(FlaskForm):
    name = StringField("What it is for", validators=[DataRequired(), Length(max=200)])


class RevokeForm(FlaskForm):
    """Only the CSRF token: which token to revoke is in the URL."""


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])


class PasswordForm(FlaskForm):
    current = PasswordField("Your password now", validators=[DataRequired(), Length(max=1000)])
    new = PasswordField(
        f"New password ({MIN_PASSWORD_LENGTH} characters or more)",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
    )
    again = PasswordField(
        "The new password again",
        validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")],
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Your name as others see it", validators=[Length(max=MAX_DISPLAY_NAME)]
    )
    email = StringField(
        "Email (optional; this site sends no mail)", validators=[Length(max=MAX_EMAIL)]
    )


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_viewer().signed_in:
            flash("Sign in first: this needs an account.", "info")
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        username, address = form.username.data or "", request.remote_addr or ""
        wait = sign_in_limits().wait(address, username)
        if wait is not None:  # too many wrong passwords: even the right one waits
            form.password.errors.append(
                f"Too many wrong passwords. Try again in {in_words(wait)}, or ask the "
                "site's organiser to reset your password."
            )
            page = render_template("login.html", form=form)
            return page, 429, {"Retry-After": str(wait)}
        try:
            user = authenticate(request_session(), username, form.password.data or "")
        except NotAuthorised as refused:  # the right password for a disabled account
            form.password.errors.append(refused.message)
            return _login_page(form), 403
        if user is None:
            sign_in_limits().failed(address, username)
        if user is not None:
            start_session(user)
            flash(f"Signed in as {user.username}.", "success")
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("That user name and password do not match.")
    return _login_page(form), 200 if request.method == "GET" else 401


def _login_page(form: LoginForm) -> str:
    """The sign-in form, with the way to an account the site's sign-up rule allows."""
    rule = sign_up_rule(request_session(), current_site().settings.sign_up)
    return render_template("login.html", form=form, rule=rule, next=request.args.get("next"))


def start_session(user: User) -> None:
    """Sign this browser in as `user` (a fresh session: nothing of a visitor's carries on)."""
    session.clear()
    session["user_id"] = user.id
    session["epoch"] = user.session_epoch


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    viewer = current_viewer()
    if viewer.id is not None:  # every copy of this session's cookie stops working
        end_sessions(request_session(), viewer.id)
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("pages.home"))


def in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    return f"{math.ceil(seconds / 60)} minutes"


def safe_next(target: str | None) -> str:
    """Only ever redirect within this site."""
    if not target or len(target) > MAX_NEXT:
        return url_for("pages.home")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    """Change your own password: this browser stays signed in, every other one is signed out
    (a stolen cookie stops working). A wrong present password counts as a wrong sign-in."""
    form = PasswordForm()
    viewer, address = current_viewer(), request.remote_addr or ""
    if form.validate_on_submit():
        username = viewer.username or ""
        wait = sign_in_limits().wait(address, username)
        if wait is not None:
            form.current.errors.append(f"Too many wrong passwords. Try again in {in_words(wait)}.")
            return (
                render_template("account_password.html", form=form),
                429,
                {"Retry-After": str(wait)},
            )
        db = request_session()
        try:
            known = authenticate(db, username, form.current.data or "")
        except NotAuthorised:
            known = None
        if known is None:
            sign_in_limits().failed(address, username)
            form.current.errors.append("That is not your password now.")
            return render_template("account_password.html", form=form), 400
        user = set_password(db, username, form.new.data or "")
        db.flush()
        session["epoch"] = user.session_epoch  # this browser goes on; the others end
        flash("Password changed. Every other browser signed in as you is signed out.", "success")
        return redirect(url_for("account.datasets"))
    status = 400 if request.method == "POST" else 200
    return render_template("account_password.html", form=form), status


@blueprint.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    """Your display name (shown where your work is named) and an optional email."""
    db, user_id = request_session(), _user_id()
    user = db.get(User, user_id)
    assert user is not None  # the viewer was loaded from it this request
    form = ProfileForm(data={"display_name": user.display_name, "email": user.email})
    if form.validate_on_submit():
        try:
            update_profile(db, user_id, form.display_name.data or "", form.email.data or "")
        except InvalidInput as error:
            for name, problem in error.fields.items():
                getattr(form, name).errors = [error.message or problem]
        else:
            flash("Saved. Your work now shows your name as you wrote it.", "success")
            return redirect(url_for("auth.profile"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("account_profile.html", form=form, username=user.username), status


@blueprint.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> Any:
    """API tokens: made here (shown once), listed, revoked."""
    form = TokenForm()
    made = None
    db, user_id = request_session(), _user_id()
    if form.validate_on_submit():
        _, made = create_token(db, user_id, form.name.data or "")
        db.flush()
        form.name.data = ""
    listed = list_tokens(db, user_id)
    return render_template("tokens.html", form=form, tokens=listed, made=made, revoke=RevokeForm())


@blueprint.route("/account/tokens/<id:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> Any:
    if not RevokeForm().validate_on_submit():
        flash("That form had expired; try again.", "error")
        return redirect(url_for("auth.tokens"))
    revoke_token(request_session(), _user_id(), token_id)
    flash("Token revoked: scripts using it can no longer write.", "success")
    return redirect(url_for("auth.tokens"))


def _user_id() -> int:
    """The signed-in user's id (the views that ask are behind login_required)."""
    user_id = current_viewer().id
    if user_id is None:
        raise NotAuthorised("Sign in first: this needs an account.")
    return user_id
