"""The Flask application: the web pages (catalog/web) and the API (catalog/api) joined in one
app, with the one error handler for both. It sits above both rooms, which never import
each other.

Each request gets one database session (catalog/context.py): committed once when the view
returns, rolled back when it raises. Views and actions never commit.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from flask import Flask, g, jsonify, render_template, request, session
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from catalog import api, web
from catalog.accounts.sign_in_limits import SignInLimits
from catalog.accounts.users import password_hasher
from catalog.config import Settings
from catalog.context import (
    current_site,
    current_viewer,
    end_request_session,
    request_session,
    set_viewer,
)
from catalog.db.models import User
from catalog.errors import ErrorAnswer, database_down, describe_error, error_body
from catalog.params import IdConverter, refuse_nul
from catalog.site import Site
from catalog.startup import prepare
from catalog.viewer import Viewer

log = logging.getLogger(__name__)
csrf = CSRFProtect()
TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    503: "Not available right now",
    507: "Too large to answer",
}


def create_app(settings: Settings | None = None, site: Site | None = None) -> Flask:
    """Build the app for `settings` (from the environment when not given)."""
    site = site or Site(settings or Settings.from_env())
    password_hasher(site.settings.password_profile)  # an unknown profile stops it here
    prepare(site)
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=site.settings.secret_key,
        MAX_CONTENT_LENGTH=site.settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=site.settings.secure_cookies,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if site.settings.proxy_hops:  # behind a reverse proxy: its headers say who asked, how
        hops = site.settings.proxy_hops
        # Wrapping wsgi_app is how Flask's documentation applies a middleware.
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]
    app.extensions["site"] = site
    app.extensions["sign_in_limits"] = SignInLimits(
        site.settings.rate_limit_storage,
        site.settings.sign_in_limit,
        site.settings.sign_in_account_limit,
    )
    app.json = FiniteJSONProvider(app)
    csrf.init_app(app)
    app.url_map.converters["id"] = IdConverter  # before any route that uses it
    web.register(app)
    for blueprint in api.BLUEPRINTS:
        app.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # the API goes by its token, never by a browser session

    app.before_request(_refuse_nul)
    app.before_request(_load_viewer)
    app.after_request(_end_session)
    app.after_request(_security_headers)
    app.teardown_request(lambda _error: end_request_session(commit=False))
    app.context_processor(_template_globals)
    app.register_error_handler(Exception, _handle_error)
    return app


def _refuse_nul() -> None:
    refuse_nul(request.args)
    if request.method == "POST" and request.mimetype != "application/json":
        refuse_nul(request.form)


def _load_viewer() -> None:
    """Who is looking: the signed-in user of the browser session, or a visitor. (The API
    replaces this with its token's user: catalog/api/dispatch.py.)"""
    set_viewer(Viewer.anonymous())
    user_id = session.get("user_id")
    if isinstance(user_id, int):
        user = request_session().get(User, user_id)
        if user is not None and not user.disabled and session.get("epoch") == user.session_epoch:
            set_viewer(Viewer.user(user.id, user.username, user.is_admin))
        else:  # signed out since, disabled or gone: the cookie is worth nothing
            session.clear()


def _template_globals() -> dict[str, Any]:
    viewer = current_viewer()
    return {"current_user": viewer if viewer.signed_in else None}


def _end_session(response: Any) -> Any:
    """Commit the request's work once, unless the request failed."""
    end_request_session(commit=not g.get("failed", False))
    return response


# Pages load scripts, styles and images from this site only, and nothing inline (JSON-LD
# data blocks are not scripts); no site may frame them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)
# Pages that show an account's secrets are never kept by a browser or a proxy.
PRIVATE_PATHS = ("/account/", "/login")


class FiniteJSONProvider(DefaultJSONProvider):
    """JSON answers as the standard has them: a NaN or an infinity (a table's float, say)
    is written null, never as the bare NaN that no JSON client can read."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        try:
            return super().dumps(obj, allow_nan=False, **kwargs)
        except ValueError:
            return super().dumps(_finite(obj), allow_nan=False, **kwargs)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith(PRIVATE_PATHS):
        headers["Cache-Control"] = "no-store"
    return response


def _handle_error(error: Exception) -> Any:
    """Every error, answered once: JSON for the API, a page for everything else."""
    g.failed = True  # nothing the request did is committed
    original = getattr(error, "original_exception", None)
    if isinstance(error, InternalServerError) and isinstance(original, Exception):
        error = original  # raised after the view (its commit, say)
    answer, title = _answer(error)
    if database_down(error):
        log.warning("the database is not answering (%s): %s", request.path, error)
    headers = {"Retry-After": "30"} if answer.status == 503 else {}
    # The API, the datastore and every JSON twin of a page answer in the API's JSON body.
    if request.path.startswith(("/api/", "/datastore/")) or request.path.endswith(
        (".json", ".jsonld")
    ):
        body = error_body(answer.status, answer.message, answer.fields, request.url)
        body["error"].update(answer.details)
        return jsonify(body), answer.status, headers
    title = title or TITLES.get(answer.status, "Error")
    page = render_template(
        "error.html",
        status=answer.status,
        title=title,
        message=answer.message,
        fields=answer.fields,
    )
    return page, answer.status, headers


def _cut_off() -> bool:
    """Whether a form's body arrived but could not be read at all (a multipart upload cut
    off before its end): its token never arrives, and the CSRF check would call it expired."""
    multipart = request.mimetype == "multipart/form-data"
    return multipart and bool(request.content_length) and not request.form and not request.files


def _answer(error: Exception) -> tuple[ErrorAnswer, str]:
    known = describe_error(error)
    if known is not None:
        return known, ""
    if isinstance(error, RequestEntityTooLarge):
        limit = current_site().settings.max_upload_mb
        message = f"The file is larger than this catalogue accepts ({limit} MB)."
        return ErrorAnswer(413, message), "File too large"
    if isinstance(error, CSRFError) and _cut_off():
        message = (
            "The upload arrived incomplete: its end is missing (the connection dropped, or "
            "something between you and the site cut it off). Nothing was published: send "
            "it again, on a steadier connection if you can."
        )
        return ErrorAnswer(400, message), "Upload cut off"
    if isinstance(error, CSRFError):
        message = (
            "The form had expired or came from elsewhere. Go back, reload the page and try again."
        )
        return ErrorAnswer(400, message), "Form expired"
    if isinstance(error, HTTPException) and (error.code or 500) < 500:
        return ErrorAnswer(error.code or 500, error.description or ""), error.name
    log.exception("unexpected error on %s", request.path, exc_info=error)
    message = "Something went wrong on our side. Nothing you sent was published."
    return ErrorAnswer(500, message), "Something went wrong"
