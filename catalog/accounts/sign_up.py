"""Who may make an account, and making one: the sign-up rule (anyone, anyone with the
event's code, or nobody: invitations only), the event's code, and sign-up itself.

The rule and the code are site options (the SiteOption table), set by a site admin on
/admin/sign-up; until one is stored, the rule is DATASTORE_SIGN_UP. An invitation
(catalog/accounts/one_time_links.py) lets its holder in whatever the rule, once."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from catalog.accounts.one_time_links import INVITATION, find_link, use_link
from catalog.accounts.users import create_user
from catalog.db.models import SiteOption, User, utcnow
from catalog.errors import InvalidInput, NotAuthorised

ANYONE, CODE, NOBODY = "anyone", "code", "nobody"
RULES = (ANYONE, CODE, NOBODY)
RULE_KEY, CODE_KEY = "sign_up_rule", "event_code"
MAX_CODE = 40
# Codes a room can read off a screen and type: no 0/O, 1/I/L.
_CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITATION_ONLY = (
    "Accounts here are by invitation only: ask the site's organiser for an invitation link."
)


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    password: str
    email: str = ""


def check_rule(rule: str) -> str:
    if rule not in RULES:
        raise InvalidInput(
            f"The sign-up rule is one of {', '.join(RULES)}, not {rule[:40]!r}.",
            {"rule": "not a rule"},
        )
    return rule


def sign_up_rule(session: Session, default: str) -> str:
    """The rule in force: the one an admin stored, else `default` (DATASTORE_SIGN_UP)."""
    stored = session.get(SiteOption, RULE_KEY)
    rule = stored.value if stored is not None else default
    return rule if rule in RULES else NOBODY  # an unknown rule lets nobody in


def set_sign_up_rule(session: Session, rule: str) -> None:
    _store(session, RULE_KEY, check_rule(rule))


def event_code(session: Session) -> str:
    """The event's code ("" while none is set)."""
    stored = session.get(SiteOption, CODE_KEY)
    return stored.value if stored is not None else ""


def set_event_code(session: Session, code: str) -> str:
    """Set the code an admin typed (spaces trimmed; letters, digits and dashes)."""
    code = code.strip()
    shape = all(c.isalnum() or c == "-" for c in code) and len(_plain(code)) >= 4
    if len(code) > MAX_CODE or not shape:
        raise InvalidInput(
            f"An event code is 4 to {MAX_CODE} letters, digits or dashes.",
            {"code": "not a code"},
        )
    _store(session, CODE_KEY, code)
    return code


def rotate_event_code(session: Session) -> str:
    """A new random code (two groups of four, easy to read off a screen); the old one
    stops working."""
    picked = "".join(secrets.choice(_CODE_LETTERS) for _ in range(8))
    return set_event_code(session, f"{picked[:4]}-{picked[4:]}")


def code_matches(session: Session, typed: str) -> bool:
    """Whether `typed` is the event's code; case, spaces and dashes do not matter."""
    wanted = _plain(event_code(session))
    return bool(wanted) and hmac.compare_digest(_plain(typed[: MAX_CODE * 2]), wanted)


def sign_up(
    session: Session, account: NewAccount, default_rule: str, code: str = "", invitation: str = ""
) -> User:
    """Make the account, if the rule (or an invitation token) lets this visitor in."""
    link = find_link(session, INVITATION, invitation) if invitation else None
    if link is None:
        rule = sign_up_rule(session, default_rule)
        if rule == NOBODY:
            raise NotAuthorised(INVITATION_ONLY)
        if rule == CODE and not code_matches(session, code):
            if not event_code(session):
                raise NotAuthorised(
                    "The organiser has not set the event's code yet: ask them for it, or for "
                    "an invitation link."
                )
            raise InvalidInput(
                "That is not the event's code. Check it on the screen in the room, or ask "
                "the organiser.",
                {"code": "not the event's code"},
            )
    user = create_user(
        session,
        account.username.strip(),
        account.password,
        display_name=account.display_name,
        email=account.email,
    )
    if link is not None:
        use_link(session, link, user.id)
    return user


def _plain(code: str) -> str:
    return "".join(c for c in code.casefold() if c.isalnum())


def _store(session: Session, key: str, value: str) -> None:
    option = session.get(SiteOption, key)
    if option is None:
        session.add(SiteOption(key=key, value=value))
    else:
        option.value, option.modified = value, utcnow()
