"""What the web pages and the API know about the request they are answering: the site, who
is looking, and the request's one database session.

The session is opened on first use and ended by the app (catalog/app.py): committed once
when the answer is a success, rolled back otherwise. Views and actions never commit.
"""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from catalog.accounts.sign_in_limits import SignInLimits
from catalog.site import Site
from catalog.viewer import Viewer


def current_site() -> Site:
    site: Site = current_app.extensions["site"]
    return site


def sign_in_limits() -> SignInLimits:
    limits: SignInLimits = current_app.extensions["sign_in_limits"]
    return limits


def current_viewer() -> Viewer:
    """Who is looking; a visitor until the app or the API has said otherwise."""
    viewer = g.get("viewer")
    return viewer if isinstance(viewer, Viewer) else Viewer.anonymous()


def set_viewer(viewer: Viewer) -> None:
    g.viewer = viewer


def request_session() -> Session:
    """The request's one session (the unit of work), opened on first use."""
    if "db" not in g:
        g.db = current_site().sessions()
    session: Session = g.db
    return session


def end_request_session(commit: bool) -> None:
    """Commit (when `commit`) or roll back the request's session, and close it."""
    session: Session | None = g.pop("db", None)
    if session is None:
        return
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
