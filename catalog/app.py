"""The Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from catalog.errors import CatalogError
from catalog.markdown import render_notes
from catalog.models import User
from catalog.settings import Settings
from catalog.site import Site
from catalog.viewer import set_viewer

log = logging.getLogger(__name__)
csrf = CSRFProtect()


def create_app(settings: Settings | None = None, site: Site | None = None) -> Flask:
    """Build the app for `settings` (from the environment when not given)."""
    site = site or Site(settings or Settings.from_env())
    site.prepare()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=site.settings.secret_key,
        MAX_CONTENT_LENGTH=site.settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["site"] = site
    csrf.init_app(app)

    from catalog import api, auth, authority_pages, downloads, pages, request_pages, twins, uploads

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(uploads.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(downloads.blueprint)
    app.register_blueprint(api.unversioned)
    app.register_blueprint(twins.blueprint)
    app.register_blueprint(authority_pages.blueprint)
    app.register_blueprint(request_pages.blueprint)
    csrf.exempt(api.blueprint)
    csrf.exempt(api.unversioned)

    app.before_request(_load_user)
    app.context_processor(lambda: {"current_user": g.get("user")})
    app.add_template_filter(render_notes, "markdown")
    app.add_template_filter(lambda d, key: {k: v for k, v in d.items() if k != key}, "dict_without")
    app.add_template_filter(lambda d, key, value: {**d, key: value}, "dict_with")
    app.register_error_handler(Exception, _handle_error)
    return app


def current_site() -> Site:
    from flask import current_app

    site: Site = current_app.extensions["site"]
    return site


def _load_user() -> None:
    g.user = None
    set_viewer(None)  # a visitor, until the session says otherwise
    user_id = session.get("user_id")
    if user_id is not None:
        with current_site().session() as db:
            user = db.get(User, user_id)
            if user is not None:
                g.user = {"id": user.id, "username": user.username, "is_admin": user.is_admin}
                set_viewer(g.user)


def _handle_error(error: Exception) -> Any:
    """Every error, answered once: JSON for the API, a page for everything else."""
    if isinstance(error, CatalogError):
        status, title, message, fields = error.status, "", error.message, error.fields
    elif isinstance(error, RequestEntityTooLarge):
        limit = current_site().settings.max_upload_mb
        status, title, fields = 413, "File too large", {}
        message = f"The file is larger than this catalogue accepts ({limit} MB)."
    elif isinstance(error, CSRFError):
        status, title, fields = 400, "Form expired", {}
        message = (
            "The form had expired or came from elsewhere. Go back, reload the page and try again."
        )
    elif isinstance(error, HTTPException):
        status, title, message, fields = error.code or 500, error.name, error.description or "", {}
    else:
        log.exception("unexpected error on %s", request.path)
        status, title, fields = 500, "Something went wrong", {}
        message = "Something went wrong on our side. Nothing you sent was published."
    title = title or {
        400: "Bad request",
        403: "Not allowed",
        404: "Not found",
        409: "Conflict",
    }.get(status, "Error")
    # The API, the datastore and every JSON twin of a page answer in the API's JSON body.
    if request.path.startswith(("/api/", "/datastore/")) or request.path.endswith(
        (".json", ".jsonld")
    ):
        from catalog.api import error_body

        body = error_body(status, message, fields)
        if isinstance(error, CatalogError):
            body["error"].update(error.details)
        return jsonify(body), status
    return render_template(
        "error.html", status=status, title=title, message=message, fields=fields
    ), status
