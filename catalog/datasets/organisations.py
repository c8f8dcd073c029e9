"""An organisation as plain data: its name, title, a page of its datasets and its people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datasets import reading
from catalog.datasets.members import ROLE_WORDS, find_organisation, members_of, membership
from catalog.datasets.permissions import can_manage, who_manages
from catalog.datasets.slugs import check_slug, title_slug
from catalog.db.models import ROLES, Membership, Organisation
from catalog.errors import Conflict, NotAuthorised
from catalog.site import Site
from catalog.viewer import ANONYMOUS, Viewer


def organisation_details(
    site: Site, session: Session, name: str, page: int = 1, viewer: Viewer = ANONYMOUS
) -> dict[str, Any]:
    """What the organisation page shows: the organisation, its datasets by title, and its
    people as the viewer may see them (catalog/datasets/members.py)."""
    organisation = find_organisation(session, name)
    found = reading.search_datasets(
        site, session, "", {"organisation": name}, page, "title", viewer
    )
    return {
        "name": organisation.name,
        "title": organisation.title,
        "datasets": found["results"],
        "total": found["total"],
        "page": found["page"],
        "pages": found["pages"],
        "people": membership(session, viewer, organisation),
    }


def create_organisation(session: Session, viewer: Viewer, name: str, title: str) -> Organisation:
    """A new organisation with `viewer` its admin (the site itself makes one with none).
    One organisation per title, whatever its case, spaces and punctuation ("Parks Team",
    "parks-team!"): a second one would pass for the first."""
    check_slug(name, "name", "An organization's name")
    title = title.strip() or name
    if session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise Conflict("That name is taken.", {"name": "Group name already exists in database"})
    same = title_slug(title)
    for existing in session.scalars(select(Organisation)):
        if same in (existing.name, title_slug(existing.title)):
            raise Conflict(
                f"There is already an organization called {existing.title} "
                f"({existing.name}): ask one of its admins to make you a member.",
                {"title": "An organization of this title exists"},
            )
    organisation = Organisation(name=name, title=title)
    if viewer.id is not None:
        organisation.members.append(Membership(user_id=viewer.id, role="admin"))  # its maker
    session.add(organisation)
    session.flush()
    return organisation


def members_page(session: Session, name: str, viewer: Viewer) -> dict[str, Any]:
    """What the members page shows its admins: each member and role, and the roles."""
    organisation = find_organisation(session, name)
    if not can_manage(session, viewer, organisation):
        raise NotAuthorised(
            f"Only the admins of {organisation.title} may manage its members. "
            f"{who_manages(session, organisation, 'make the change')}"
        )
    members = members_of(session, viewer, organisation)
    admins = sum(1 for m in members if m["role"] == "admin")
    return {
        "name": organisation.name,
        "title": organisation.title,
        "members": [
            m
            | {
                "last_admin": m["role"] == "admin" and admins == 1,
                "you": m["username"] == viewer.username,
            }
            for m in members
        ],
        "roles": [{"role": r, "means": ROLE_WORDS[r]} for r in ROLES],
    }
