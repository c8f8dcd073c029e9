"""User accounts: made by sign-up (catalog/accounts/sign_up.py) or the CLI, passwords hashed
with Argon2 (argon2-cffi), the name shown on pages and an optional email (no mail is sent)."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db.models import User
from catalog.errors import Conflict, InvalidInput, NotAuthorised, NotFound

MIN_PASSWORD_LENGTH = 10
MAX_DISPLAY_NAME = 100
MAX_EMAIL = 300
DISABLED = "This account is disabled. Ask the site's organiser to enable it again."
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
PROFILES = ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")


@cache
def password_hasher(profile: str) -> PasswordHasher:
    """The hasher of an argon2-cffi profile (DATASTORE_PASSWORD_PROFILE)."""
    if profile not in PROFILES:
        raise ValueError(
            f"DATASTORE_PASSWORD_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}"
        )
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def _hasher_of(session: Session) -> PasswordHasher:
    """The hasher of the site the session belongs to (catalog/site.py puts its profile in
    every session); argon2-cffi's own default for a session from elsewhere."""
    return password_hasher(session.info.get("password_profile", PROFILES[0]))


def create_user(
    session: Session,
    username: str,
    password: str,
    is_admin: bool = False,
    display_name: str = "",
    email: str = "",
) -> User:
    if not _USERNAME.match(username):
        raise InvalidInput(
            "A user name is 2 to 64 letters, digits, dots, dashes or underscores.",
            {"username": "not a valid user name"},
        )
    _check_password(password)
    display_name, email = check_profile(display_name, email)
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(
            f"There is already a user called {username!r}: pick another user name.",
            {"username": "already taken"},
        )
    user = User(
        username=username,
        password_hash=_hasher_of(session).hash(password),
        is_admin=is_admin,
        display_name=display_name,
        email=email,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right, else None (the same answer for unknown names).
    A disabled account with the right password is refused in words (NotAuthorised)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        _hasher_of(session).hash(password)  # spend the same time as a real check
        return None
    try:
        _hasher_of(session).verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if user.disabled:
        raise NotAuthorised(DISABLED)
    if _hasher_of(session).check_needs_rehash(user.password_hash):
        user.password_hash = _hasher_of(session).hash(password)
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """Give the account a new password; every browser session it had ends (a stolen
    cookie is no use after the owner changes the password). Its API tokens stay: each is
    revoked on its own, from the tokens page."""
    _check_password(password)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"There is no user called {username!r}.")
    user.password_hash = _hasher_of(session).hash(password)
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


def shown_name(user: User) -> str:
    """The name pages show for the account: its display name, else its user name."""
    return user.display_name or user.username


def check_profile(display_name: str, email: str) -> tuple[str, str]:
    """The display name and email, trimmed, or InvalidInput naming what is wrong."""
    display_name, email = " ".join(display_name.split()), email.strip()
    if len(display_name) > MAX_DISPLAY_NAME:
        raise InvalidInput(
            f"A display name is at most {MAX_DISPLAY_NAME} characters.",
            {"display_name": "too long"},
        )
    if len(email) > MAX_EMAIL or (email and not _EMAIL.match(email)):
        raise InvalidInput(
            "That email does not look like one (name@example.org); or leave it empty.",
            {"email": "not an email address"},
        )
    return display_name, email


def update_profile(session: Session, user_id: int, display_name: str, email: str) -> User:
    """Change the account's display name and email."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    user.display_name, user.email = check_profile(display_name, email)
    return user
