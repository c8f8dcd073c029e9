"""Who is looking, for the read functions shared by pages, API and CLI (catalog/browse.py).

A web request sets it to the signed-in user (or a visitor); an API call to the user of its
token. The command line and the app's own work (publishing, reindexing) leave it unset,
which sees everything.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

EVERYONE = {"id": 0, "username": "", "is_admin": True}  # the system itself
_viewer: ContextVar[dict[str, Any] | None] = ContextVar("viewer", default=EVERYONE)


def set_viewer(user: dict[str, Any] | None) -> None:
    _viewer.set(user)


def current_viewer() -> dict[str, Any] | None:
    return _viewer.get()
