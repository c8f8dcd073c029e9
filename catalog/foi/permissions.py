"""Who may see and who may change an FOI request: a draft is its requester's own until it
is sent; the requester and site admins manage it (edit the letter, record its progress,
add the answer)."""

from __future__ import annotations

from catalog.db.models import InfoRequest
from catalog.errors import NotAuthorised
from catalog.viewer import Viewer


def can_manage(viewer: Viewer, request: InfoRequest) -> bool:
    """The requester and site admins edit the letter, record its progress, add the answer."""
    return viewer.is_admin or (viewer.id is not None and viewer.id == request.requester_id)


def can_see(viewer: Viewer, request: InfoRequest) -> bool:
    """A draft is the requester's own until they send it; after that everyone sees it."""
    return request.state != "draft" or can_manage(viewer, request)


def require_manager(viewer: Viewer, request: InfoRequest) -> None:
    """Raise unless `viewer` may change the request."""
    if not can_manage(viewer, request):
        raise NotAuthorised("Only the person who made this request can change it.")
