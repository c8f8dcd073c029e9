"""An organisation's members and the requests to join it: one function per operation, for
its pages, the API and anything else that asks. Each takes the session and who is asking,
checks the right (catalog/datasets/permissions.py) before changing anything, and says in a
refusal who can grant it. The caller commits.

An organisation always keeps one admin: its last admin cannot be removed, made an editor or
member, or leave (an organisation made from the command line starts with none, until a
site admin names one).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datasets.permissions import (
    can_manage,
    can_see_members,
    organisation_admins,
    person_label,
    roles,
    who_manages,
)
from catalog.db.models import ROLES, JoinRequest, Membership, Organisation, User, utcnow
from catalog.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from catalog.viewer import Viewer

MAX_NOTE = 500  # characters in a request to join
MAX_USERNAME = 100  # the column's length
ROLE_ORDER = {role: i for i, role in enumerate(ROLES)}
ROLE_WORDS = {
    "admin": "publishes, edits and manages the members",
    "editor": "publishes and edits its datasets",
    "member": "sees its private datasets",
}


def find_organisation(session: Session, name: str) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.name == name[:100]))
    if organisation is None:
        raise NotFound(f"There is no organisation called {name!r}.")
    return organisation


def members_of(
    session: Session, viewer: Viewer, organisation: Organisation
) -> list[dict[str, Any]]:
    """Its members, admins first: username, the name shown (display name, else username)
    and role. Anyone signed in may see them."""
    if not can_see_members(viewer):
        raise NotAuthorised("Sign in to see who belongs to an organisation.")
    found = session.execute(
        select(User.username, User.display_name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id)
    )
    members = [
        {"username": u, "name": (shown or "").strip() or u, "role": role}
        for u, shown, role in found
    ]
    return sorted(members, key=lambda m: (ROLE_ORDER.get(m["role"], 9), m["username"]))


def add_member(
    session: Session, viewer: Viewer, organisation: Organisation, username: str, role: str
) -> dict[str, Any]:
    """Give `username` the role (admin, editor or member); an existing member's role
    changes. Its admins only. A pending request of theirs to join is approved by it."""
    _check_role(role)
    _require_manager(session, viewer, organisation)
    user = _user(session, username)
    found = session.get(Membership, (organisation.id, user.id))
    if found is None:
        if user.disabled:
            raise InvalidInput(
                f"The account {user.username} is disabled: ask the site's organiser to "
                "enable it first.",
                {"username": "a disabled account"},
            )
        session.add(Membership(organisation_id=organisation.id, user_id=user.id, role=role))
    else:
        _keep_an_admin(session, organisation, found, role, user)
        found.role = role
    for waiting in _pending(session, organisation, user.id):
        _decide(waiting, "approved", viewer)
    session.flush()
    return {"username": user.username, "name": _name(user), "role": role}


def change_role(
    session: Session, viewer: Viewer, organisation: Organisation, username: str, role: str
) -> dict[str, Any]:
    """A member's new role; its admins only."""
    _check_role(role)
    _require_manager(session, viewer, organisation)
    user = _user(session, username)
    found = session.get(Membership, (organisation.id, user.id))
    if found is None:
        raise InvalidInput(
            f"{user.username} is not a member of {organisation.title}: add them first.",
            {"username": "not a member"},
        )
    _keep_an_admin(session, organisation, found, role, user)
    found.role = role
    session.flush()
    return {"username": user.username, "name": _name(user), "role": role}


def remove_member(
    session: Session, viewer: Viewer, organisation: Organisation, username: str
) -> None:
    """Take someone out of the organisation: its admins may take anyone; a member may take
    themselves (leave_organisation)."""
    if viewer.id is not None and username == viewer.username:
        leave_organisation(session, viewer, organisation)
        return
    _require_manager(session, viewer, organisation)
    user = _user(session, username)
    found = session.get(Membership, (organisation.id, user.id))
    if found is None:
        raise InvalidInput(
            f"{user.username} is not a member of {organisation.title}.",
            {"username": "not a member"},
        )
    _keep_an_admin(session, organisation, found, None, user)
    session.delete(found)
    session.flush()


def leave_organisation(session: Session, viewer: Viewer, organisation: Organisation) -> None:
    """The viewer leaves; the datasets they published for it stay its own."""
    found = None if viewer.id is None else session.get(Membership, (organisation.id, viewer.id))
    if found is None:
        raise InvalidInput(f"You are not a member of {organisation.title}.")
    if found.role == "admin" and _admin_count(session, organisation) <= 1:
        raise Conflict(
            f"You are the only admin of {organisation.title}, so you cannot leave it yet: "
            "make another member an admin on its members page first, then leave.",
            {"role": "the last admin"},
        )
    session.delete(found)
    session.flush()


def ask_to_join(
    session: Session, viewer: Viewer, organisation: Organisation, note: str = ""
) -> dict[str, Any]:
    """A request to join, pending until one of its admins approves or declines it."""
    if len(note) > MAX_NOTE:
        raise InvalidInput(
            f"A note has at most {MAX_NOTE} characters.", {"note": f"At most {MAX_NOTE}"}
        )
    if viewer.id is None:
        raise NotAuthorised("Sign in first: asking to join needs an account.")
    role = roles(session, viewer).get(organisation.id)
    if role is not None:
        raise Conflict(f"You are already a member of {organisation.title} (its {role}).")
    if _pending(session, organisation, viewer.id):
        raise Conflict(
            f"You have already asked to join {organisation.title}: your request is waiting "
            f"for {_waiting_for(session, organisation)}."
        )
    asked = JoinRequest(organisation_id=organisation.id, user_id=viewer.id, note=note.strip())
    session.add(asked)
    session.flush()
    return _request_dict(session, asked)


def withdraw_request(session: Session, viewer: Viewer, organisation: Organisation) -> None:
    """The viewer takes back their pending request."""
    waiting = [] if viewer.id is None else _pending(session, organisation, viewer.id)
    if not waiting:
        raise InvalidInput(f"You have no request waiting to join {organisation.title}.")
    for asked in waiting:
        _decide(asked, "withdrawn", viewer)
    session.flush()


def join_requests(
    session: Session, viewer: Viewer, organisation: Organisation
) -> list[dict[str, Any]]:
    """The requests waiting for an answer, oldest first; its admins only."""
    _require_manager(session, viewer, organisation)
    waiting = session.scalars(
        select(JoinRequest)
        .where(JoinRequest.organisation_id == organisation.id, JoinRequest.state == "pending")
        .order_by(JoinRequest.created, JoinRequest.id)
    )
    return [_request_dict(session, r) for r in waiting]


def approve_request(
    session: Session,
    viewer: Viewer,
    organisation: Organisation,
    request_id: int,
    role: str = "editor",
) -> dict[str, Any]:
    """Make the asker a member with `role` (an editor, unless the admin chooses)."""
    _check_role(role)
    _require_manager(session, viewer, organisation)
    asked = _waiting_request(session, organisation, request_id)
    user = session.get(User, asked.user_id)
    assert user is not None  # the request goes with its account
    if session.get(Membership, (organisation.id, user.id)) is None:
        session.add(Membership(organisation_id=organisation.id, user_id=user.id, role=role))
    _decide(asked, "approved", viewer)
    session.flush()
    return {"username": user.username, "name": _name(user), "role": role}


def decline_request(
    session: Session, viewer: Viewer, organisation: Organisation, request_id: int
) -> None:
    _require_manager(session, viewer, organisation)
    _decide(_waiting_request(session, organisation, request_id), "declined", viewer)
    session.flush()


def membership(session: Session, viewer: Viewer, organisation: Organisation) -> dict[str, Any]:
    """What the organisation page shows of its people to this viewer, and which of the
    buttons they may use: its members (to anyone signed in), the viewer's role, their
    request waiting (and for whom), and the requests waiting (to its admins)."""
    role = roles(session, viewer).get(organisation.id)
    manages = can_manage(session, viewer, organisation)
    waiting = [] if viewer.id is None else _pending(session, organisation, viewer.id)
    shown = can_see_members(viewer)  # visitors see none of its people
    only_admin = role == "admin" and _admin_count(session, organisation, lock=False) == 1
    return {
        "admins": organisation_admins(session, organisation) if shown else [],
        "members": members_of(session, viewer, organisation) if shown else [],
        "members_shown": shown,
        "your_role": role,
        "can_manage": manages,
        "only_admin": only_admin,  # who may not leave: the page says what to do first
        "can_leave": role is not None and not only_admin,
        "can_ask": viewer.signed_in and role is None and not viewer.is_admin and not waiting,
        "your_request": _request_dict(session, waiting[0]) if waiting else None,
        "waiting_for": _waiting_for(session, organisation) if shown else "",
        "requests": join_requests(session, viewer, organisation) if manages else [],
        "roles": [{"role": r, "means": ROLE_WORDS[r]} for r in ROLES],
        "max_note": MAX_NOTE,
    }


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"A role is one of {', '.join(ROLES)}.", {"role": "Unknown role"})


def _require_manager(session: Session, viewer: Viewer, organisation: Organisation) -> None:
    if not can_manage(session, viewer, organisation):
        raise NotAuthorised(
            f"Only the admins of {organisation.title} may change its members or answer "
            f"requests to join. {who_manages(session, organisation, 'make the change')}"
        )


def _user(session: Session, username: str) -> User:
    username = username.strip()
    if not username or len(username) > MAX_USERNAME:
        raise InvalidInput("Give the user name of someone with an account here.")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidInput(
            f"There is no account called {username!r}: check the spelling, or ask them to "
            "sign up first.",
            {"username": "no such account"},
        )
    return user


def _name(user: User) -> str:
    return (user.display_name or "").strip() or user.username


def _admin_count(session: Session, organisation: Organisation, lock: bool = True) -> int:
    """Its admins; before a change, their rows locked (PostgreSQL) so that two admins
    demoting each other at once cannot leave it with none."""
    query = select(Membership.user_id).where(
        Membership.organisation_id == organisation.id, Membership.role == "admin"
    )
    return len(list(session.scalars(query.with_for_update() if lock else query)))


def _keep_an_admin(
    session: Session,
    organisation: Organisation,
    found: Membership,
    new_role: str | None,
    user: User,
) -> None:
    """Refuse to take away the last admin (new_role None: removed)."""
    if found.role != "admin" or new_role == "admin":
        return
    if _admin_count(session, organisation) > 1:
        return
    change = "be removed" if new_role is None else f"become its {new_role}"
    raise Conflict(
        f"{person_label(user.username, user.display_name)} is the only admin of "
        f"{organisation.title}, so they cannot {change}: make another member an admin "
        "first.",
        {"role": "the last admin"},
    )


def _pending(session: Session, organisation: Organisation, user_id: int) -> list[JoinRequest]:
    return list(
        session.scalars(
            select(JoinRequest).where(
                JoinRequest.organisation_id == organisation.id,
                JoinRequest.user_id == user_id,
                JoinRequest.state == "pending",
            )
        )
    )


def _waiting_request(session: Session, organisation: Organisation, request_id: int) -> JoinRequest:
    asked = session.get(JoinRequest, request_id)
    if asked is None or asked.organisation_id != organisation.id:
        raise NotFound(f"{organisation.title} has no request to join numbered {request_id}.")
    if asked.state != "pending":
        raise Conflict(f"That request to join was already {asked.state}.")
    return asked


def _decide(asked: JoinRequest, state: str, viewer: Viewer) -> None:
    asked.state = state
    asked.decided = utcnow()
    asked.decided_by_id = viewer.id


def _waiting_for(session: Session, organisation: Organisation) -> str:
    admins = organisation_admins(session, organisation)
    if not admins:
        return "the site's organiser (it has no admin yet)"
    return " and ".join([", ".join(admins[:-1]), admins[-1]]) if len(admins) > 1 else admins[0]


def _request_dict(session: Session, asked: JoinRequest) -> dict[str, Any]:
    user = session.get(User, asked.user_id)
    assert user is not None
    return {
        "id": asked.id,
        "username": user.username,
        "name": _name(user),
        "note": asked.note,
        "state": asked.state,
        "created": asked.created.isoformat(timespec="seconds"),
    }
