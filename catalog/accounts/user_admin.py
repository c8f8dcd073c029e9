"""What a site admin does to accounts (the /admin/users page): find them, make or unmake
site admins, disable and enable. Every function is told who asks and refuses anyone but a
site admin; an admin never disables or demotes their own account (so a site always keeps
the admin who is looking)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from catalog.accounts.users import end_sessions
from catalog.db.models import User
from catalog.errors import InvalidInput, NotAuthorised, NotFound
from catalog.viewer import Viewer

MAX_LISTED = 100
ONLY_ADMINS = "Only the site's admins may manage accounts; ask the site's organiser."


def require_site_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise NotAuthorised(ONLY_ADMINS)


def search_users(session: Session, viewer: Viewer, text: str = "") -> dict[str, Any]:
    """Accounts whose user name or display name holds `text` (all, when empty), by name;
    at most MAX_LISTED of them, with the count of all that match."""
    require_site_admin(viewer)
    text = " ".join(text.split())[:100]
    query = select(User)
    if text:
        pattern = (
            "%"
            + text.casefold().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
            + "%"
        )
        query = query.where(
            or_(
                func.lower(User.username).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = session.scalars(query.order_by(func.lower(User.username)).limit(MAX_LISTED))
    return {
        "q": text,
        "total": total,
        "users": [
            {
                "id": user.id,
                "username": user.username,
                "display_name": user.display_name,
                "email": user.email,
                "is_admin": user.is_admin,
                "disabled": user.disabled,
                "created": user.created.isoformat(timespec="seconds"),
                "is_you": user.id == viewer.id,
            }
            for user in users
        ],
    }


def set_site_admin(session: Session, viewer: Viewer, user_id: int, is_admin: bool) -> User:
    user = _other_account(session, viewer, user_id, "remove your own admin rights")
    user.is_admin = is_admin
    return user


def set_disabled(session: Session, viewer: Viewer, user_id: int, disabled: bool) -> User:
    """Disable (every browser session of it ends; its API tokens stop working; its work
    stays published) or enable the account again."""
    user = _other_account(session, viewer, user_id, "disable your own account")
    user.disabled = disabled
    if disabled:
        end_sessions(session, user.id)
    return user


def _other_account(session: Session, viewer: Viewer, user_id: int, what: str) -> User:
    require_site_admin(viewer)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    if user.id == viewer.id:
        raise InvalidInput(f"You cannot {what}; another site admin can.")
    return user
