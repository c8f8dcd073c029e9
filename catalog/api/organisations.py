"""CKAN's organization actions: organization_list, organization_show, and (with a token)
organization_create, organization_member_create, organization_member_delete and
member_list. The members are changed by catalog/datasets/members.py, as on the pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.api import ckan
from catalog.api.auth import require_token
from catalog.api.registry import action
from catalog.context import current_viewer, request_session
from catalog.datasets.members import add_member, members_of, remove_member
from catalog.datasets.organisations import create_organisation
from catalog.db.models import ROLES, Organisation
from catalog.errors import InvalidInput, NotAuthorised, NotFound
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
    db = request_session()
    return ckan.organization(db, create_organisation(db, viewer, name, title), viewer)


@action
def organization_member_create(params: dict[str, Any]) -> dict[str, Any]:
    """Give a user a role (admin, editor or member) in an organization, or change it; its
    admins only (catalog/datasets/members.py, as the members page)."""
    viewer = require_token()
    db = request_session()
    organisation = ckan.find_organisation(db, str(params.get("id") or ""))
    done = add_member(
        db,
        viewer,
        organisation,
        str(params.get("username") or ""),
        str(params.get("role") or "member"),
    )
    return {
        "organization": organisation.name,
        "username": done["username"],
        "role": done["role"],
        "capacity": done["role"],  # CKAN's word for the role
    }


@action
def organization_member_delete(params: dict[str, Any]) -> None:
    """Take a user out of an organization: its admins may take anyone, a member may take
    themselves; its last admin stays."""
    viewer = require_token()
    db = request_session()
    organisation = ckan.find_organisation(db, str(params.get("id") or ""))
    remove_member(db, viewer, organisation, str(params.get("username") or ""))


@action
def member_list(params: dict[str, Any]) -> list[list[str]]:
    """An organization's members as CKAN lists them: [name, "user", capacity] each, to
    anyone with a token. `capacity` keeps only that role."""
    viewer = current_viewer()
    object_type = str(params.get("object_type") or "user")
    if object_type != "user":
        raise InvalidInput(
            "member_list lists an organization's users (object_type user); package_search "
            "with fq=organization:<name> lists its datasets.",
            {"object_type": "only user"},
        )
    capacity = str(params.get("capacity") or "")
    if capacity and capacity not in ROLES:
        raise InvalidInput(f"capacity is one of {', '.join(ROLES)}.", {"capacity": "Unknown role"})
    db = request_session()
    organisation = ckan.find_organisation(db, str(params.get("id") or ""))
    if not viewer.signed_in:
        raise NotAuthorised(
            "Who belongs to an organization is shown to signed-in users: send an API token "
            "in the Authorization header."
        )
    return [
        [m["username"], "user", m["role"]]
        for m in members_of(db, viewer, organisation)
        if not capacity or m["role"] == capacity
    ]
