"""Who is calling the API: the user of the token in the Authorization header, never a
browser session (so a page on another site cannot make a signed-in visitor's browser
write through the API)."""

from __future__ import annotations

from flask import request

from catalog.accounts.tokens import user_for_header
from catalog.context import current_viewer, request_session
from catalog.errors import NotAuthorised
from catalog.viewer import Viewer


def token_viewer() -> Viewer:
    """The token's user if a token was sent, else a visitor; a wrong token is CKAN's 403."""
    header = request.headers.get("Authorization")
    if not header:
        return Viewer.anonymous()
    user = user_for_header(request_session(), header)  # records the token's last use
    if user is None:
        raise NotAuthorised("This action needs an API token in the Authorization header.")
    return Viewer.user(user.id, user.username, user.is_admin)


def require_token() -> Viewer:
    """The caller, who must have sent a token: the writes need one."""
    viewer = current_viewer()
    if not viewer.signed_in:
        raise NotAuthorised("This action needs an API token in the Authorization header.")
    return viewer


def caller_id() -> int:
    """The id of the token's user (for the writes)."""
    user_id = require_token().id
    assert user_id is not None
    return user_id
