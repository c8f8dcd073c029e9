"""CKAN's organization actions: organization_list, organization_show, and (with a token)
organization_create and organization_member_create."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.api import ckan
from catalog.api.auth import require_token
from catalog.api.registry import action
from catalog.context import current_viewer, request_session
from catalog.datasets.permissions import can_manage
from catalog.datasets.slugs import check_slug, title_slug
from catalog.db.models import ROLES, Membership, Organisation, User
from catalog.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from catalog.params import parse_bool


@action
def organization_list(params: dict[str, Any]) -> list[Any]:
    db = request_session()
    organisations = list(db.scalars(select(Organisation).order_by(Organisation.name)))
    if not parse_bool(params, "all_fields", False):
        return [o.name for o in organisations]
    return [ckan.organization(db, o, current_viewer()) for o in organisations]


@action
def organization_show(params: dict[str, Any]) -> dict[str, Any]:
    name = str(params.get("id") or "")
    db = request_session()
    found = db.scalar(select(Organisation).where(Organisation.name == name))
    if found is None:
        raise NotFound(f"There is no organization {name!r}.")
    return ckan.organization(db, found, current_viewer())


@action
def organization_create(params: dict[str, Any]) -> dict[str, Any]:
    """Make an organization; the token's user becomes its admin."""
    viewer = require_token()
    name = str(params.get("name") or "").strip()
    title = str(params.get("title") or name).strip()
    check_slug(name, "name", "An organization's name")
    db = request_session()
    if db.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise Conflict("That name is taken.", {"name": "Group name already exists in database"})
    # One organisation per title, whatever its case, spaces and punctuation ("Parks Team",
    # "parks-team!"): a second one would pass for the first.
    same = title_slug(title or name)
    for existing in db.scalars(select(Organisation)):
        if same in (existing.name, title_slug(existing.title)):
            raise Conflict(
                f"There is already an organization called {existing.title} "
                f"({existing.name}): ask one of its admins to make you a member.",
                {"title": "An organization of this title exists"},
            )
    organisation = Organisation(name=name, title=title or name)
    db.add(organisation)
    db.flush()
    db.add(Membership(organisation_id=organisation.id, user_id=viewer.id, role="admin"))
    db.flush()
    return ckan.organization(db, organisation, viewer)


@action
def organization_member_create(params: dict[str, Any]) -> dict[str, Any]:
    """Give a user a role (admin, editor or member) in an organization; its admins only."""
    viewer = require_token()
    role = str(params.get("role") or "member")
    if role not in ROLES:
        raise InvalidInput(f"role is one of {', '.join(ROLES)}.", {"role": "Unknown role"})
    db = request_session()
    organisation = ckan.find_organisation(db, str(params.get("id") or ""))
    if not can_manage(db, viewer, organisation):
        raise NotAuthorised("Only the organization's admins may change its members.")
    username = str(params.get("username") or "")
    member = db.scalar(select(User).where(User.username == username))
    if member is None:
        raise NotFound(f"There is no user called {username!r}.")
    found = db.get(Membership, (organisation.id, member.id))
    if found is None:
        db.add(Membership(organisation_id=organisation.id, user_id=member.id, role=role))
    else:
        found.role = role
    return {"organization": organisation.name, "username": username, "role": role}
