"""Following an FOI request: a signed-in user keeps it in their "following" list instead
of asking again. The caller commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from catalog.db.models import InfoRequest, RequestFollower
from catalog.errors import NotAuthorised
from catalog.viewer import Viewer


def follow(session: Session, viewer: Viewer, request: InfoRequest) -> None:
    if not viewer.signed_in:
        raise NotAuthorised("Sign in to follow a request.")
    if session.get(RequestFollower, (request.id, viewer.id)) is None:
        session.add(RequestFollower(request_id=request.id, user_id=viewer.id))


def unfollow(session: Session, viewer: Viewer, request: InfoRequest) -> None:
    if not viewer.signed_in:
        raise NotAuthorised("Sign in to follow a request.")
    found = session.get(RequestFollower, (request.id, viewer.id))
    if found is not None:
        session.delete(found)
