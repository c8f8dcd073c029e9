"""Links that work once: invitations to make an account (made in bulk from a list of names)
and password resets (made by a site admin for one account). Each link holds a token of 256
random bits; only its SHA-256 is kept (as for API tokens, catalog/accounts/tokens.py), so
the link is shown once, to the admin who made it. Using one is a single conditional UPDATE,
so two browsers racing with the same link cannot both use it."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.accounts.tokens import TOKEN_BYTES, token_digest
from catalog.db.models import OneTimeLink, User, utcnow
from catalog.errors import InvalidInput, NotFound

INVITATION = "invitation"
RESET = "reset"
INVITATION_LIFE = dt.timedelta(days=30)
RESET_LIFE = dt.timedelta(hours=24)
MAX_INVITATIONS = 200  # names in one batch
MAX_NAME = 200
MAX_TOKEN = 100  # characters of a token in a URL worth looking up


@dataclass(frozen=True)
class LinkMade:
    name: str
    token: str  # shown once, never kept
    expires: dt.datetime


class LinkUnusable(InvalidInput):
    """A one-time link that is wrong, used or out of date; the message says which."""


def create_invitations(session: Session, admin_id: int, names: list[str]) -> list[LinkMade]:
    """One invitation per name (blank lines skipped), capped at MAX_INVITATIONS."""
    names = [" ".join(n.split()) for n in names]
    names = [n for n in names if n]
    if not names:
        raise InvalidInput("Give at least one name, one per line.", {"names": "empty"})
    if len(names) > MAX_INVITATIONS:
        raise InvalidInput(
            f"At most {MAX_INVITATIONS} invitations at once: split the list.",
            {"names": "too many"},
        )
    long = [n for n in names if len(n) > MAX_NAME]
    if long:
        raise InvalidInput(
            f"A name is at most {MAX_NAME} characters: {long[0][:40]!r}… is longer.",
            {"names": "a name too long"},
        )
    expires = utcnow() + INVITATION_LIFE
    return [_make(session, INVITATION, name, None, admin_id, expires) for name in names]


def create_reset_link(session: Session, admin_id: int, user_id: int) -> LinkMade:
    """A link that lets the account's holder set a new password once, within RESET_LIFE.
    Earlier reset links of the account stop working."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    session.execute(
        update(OneTimeLink)
        .where(OneTimeLink.kind == RESET, OneTimeLink.user_id == user_id)
        .where(OneTimeLink.used.is_(None))
        .values(used=utcnow())
    )
    return _make(session, RESET, user.username, user_id, admin_id, utcnow() + RESET_LIFE)


def find_link(session: Session, kind: str, token: str) -> OneTimeLink:
    """The link a token opens, if it may still be used; else LinkUnusable saying why."""
    link = None
    if 0 < len(token) <= MAX_TOKEN:
        link = session.scalar(
            select(OneTimeLink).where(
                OneTimeLink.kind == kind, OneTimeLink.token_hash == token_digest(token)
            )
        )
    what = "invitation" if kind == INVITATION else "password reset link"
    if link is None:
        raise LinkUnusable(
            f"This {what} is not one this site made: check it was copied whole, or ask the "
            "site's organiser for a new one."
        )
    if link.used is not None:
        raise LinkUnusable(
            f"This {what} has been used already: each works once. Ask the site's organiser "
            "for a new one"
            + (", or sign in with the account it made." if kind == INVITATION else ".")
        )
    if link.expires < utcnow():
        raise LinkUnusable(f"This {what} is out of date. Ask the site's organiser for a new one.")
    return link


def use_link(session: Session, link: OneTimeLink, user_id: int | None = None) -> None:
    """Mark the link used (an invitation records the account it made); LinkUnusable if
    another request used it first."""
    values: dict[str, object] = {"used": utcnow()}
    if user_id is not None:
        values["user_id"] = user_id
    done = session.execute(
        update(OneTimeLink)
        .where(OneTimeLink.id == link.id, OneTimeLink.used.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise LinkUnusable("This link has been used already: each works once.")


def list_invitations(session: Session, limit: int = 200) -> list[dict[str, object]]:
    """The latest invitations: whom for, made when, used or not, by which account."""
    rows = session.execute(
        select(OneTimeLink, User.username)
        .outerjoin(User, User.id == OneTimeLink.user_id)
        .where(OneTimeLink.kind == INVITATION)
        .order_by(OneTimeLink.id.desc())
        .limit(limit)
    )
    now = utcnow()
    return [
        {
            "name": link.name,
            "created": link.created.isoformat(timespec="minutes"),
            "state": "used" if link.used else ("out of date" if link.expires < now else "open"),
            "account": username or "",
        }
        for link, username in rows
    ]


def _make(
    session: Session,
    kind: str,
    name: str,
    user_id: int | None,
    admin_id: int,
    expires: dt.datetime,
) -> LinkMade:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        OneTimeLink(
            kind=kind,
            token_hash=token_digest(token),
            name=name,
            user_id=user_id,
            created_by_id=admin_id,
            expires=expires,
        )
    )
    return LinkMade(name=name, token=token, expires=expires)
