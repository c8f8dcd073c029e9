"""User accounts: created from the CLI, passwords hashed with Argon2 (argon2-cffi)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db.models import User
from catalog.errors import Conflict, InvalidInput, NotFound

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
_hasher = PasswordHasher()


def create_user(session: Session, username: str, password: str, is_admin: bool = False) -> User:
    if not _USERNAME.match(username):
        raise InvalidInput(
            "A user name is 2 to 64 letters, digits, dots, dashes or underscores.",
            {"username": "not a valid user name"},
        )
    _check_password(password)
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"There is already a user called {username!r}.")
    user = User(username=username, password_hash=_hasher.hash(password), is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right, else None (the same answer for unknown names)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        _hasher.hash(password)  # spend the same time as a real check
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """Give the account a new password; every browser session it had ends (a stolen
    cookie is no use after the owner changes the password). Its API tokens stay: each is
    revoked on its own, from the tokens page."""
    _check_password(password)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"There is no user called {username!r}.")
    user.password_hash = _hasher.hash(password)
    end_sessions(session, user.id)
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
            {"password": "too short"},
        )


def end_sessions(session: Session, user_id: int) -> None:
    """Every browser session of the account ends (catalog/app.py checks the epoch)."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_epoch += 1
