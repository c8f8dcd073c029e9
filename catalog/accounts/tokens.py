"""API tokens: made for a user, shown once, kept only as a SHA-256, revoked by id.

CKAN's clients send the token as the whole Authorization header; "Bearer <token>" works too.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.accounts.users import DISABLED
from catalog.db.models import ApiToken, User, utcnow
from catalog.errors import InvalidInput, NotAuthorised, NotFound

TOKEN_BYTES = 32


def create_token(session: Session, user_id: int, name: str) -> tuple[ApiToken, str]:
    """A new token for the user: (its record, the token itself, which is never kept)."""
    name = name.strip() or "API token"
    if len(name) > 200:
        raise InvalidInput("A token's name is at most 200 characters.", {"name": "too long"})
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(user_id=user_id, name=name, token_hash=_digest(secret))
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(session: Session, user_id: int) -> list[dict[str, Any]]:
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    )
    return [
        {
            "id": str(t.id),
            "name": t.name,
            "created_at": t.created.isoformat(timespec="seconds"),
            "last_access": t.last_used.isoformat(timespec="seconds") if t.last_used else None,
        }
        for t in tokens
    ]


def revoke_token(session: Session, user_id: int, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound("There is no such token of yours.")
    session.delete(token)


def user_for_header(session: Session, header: str | None) -> User | None:
    """The user an Authorization header's token belongs to, or None; a disabled
    account's token is refused in words (NotAuthorised)."""
    if not header:
        return None
    secret = header.strip()
    if secret.lower().startswith("bearer "):
        secret = secret[7:].strip()
    if not secret:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None:
        return None
    user = session.get(User, token.user_id)
    if user is not None and user.disabled:  # its tokens stop working with it
        raise NotAuthorised(DISABLED)
    token.last_used = utcnow()
    return user


def token_digest(secret: str) -> str:
    """What is kept of a token or a one-time link: its SHA-256, in hex."""
    return _digest(secret)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
