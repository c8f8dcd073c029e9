"""Who may see and change what: CKAN's model, kept small.

- Anyone sees active public datasets.
- A private dataset, or a deleted one, is seen only by the members of its
  organisation (any role), its creator, and administrators of the site.
- Editors and admins of an organisation publish and edit its datasets; its admins also
  manage its members. A dataset with no organisation is edited by its creator.
- Site administrators (`datastore user create --admin`) may do everything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from catalog.errors import NotAuthorised, NotFound
from catalog.models import Dataset, Membership, Organisation

EDITING_ROLES = ("admin", "editor")


def roles(session: Session, user: dict[str, Any] | None) -> dict[int, str]:
    """{organisation id: role} for a user (none for visitors)."""
    if user is None:
        return {}
    found = session.execute(
        select(Membership.organisation_id, Membership.role).where(Membership.user_id == user["id"])
    )
    return {organisation_id: role for organisation_id, role in found}


def visible_organisations(session: Session, user: dict[str, Any] | None) -> set[str] | None:
    """Names of the organisations whose private datasets the user may see; None for all."""
    if user is not None and user.get("is_admin"):
        return None
    ids = list(roles(session, user))
    if not ids:
        return set()
    return set(session.scalars(select(Organisation.name).where(Organisation.id.in_(ids))))


def visible_datasets(session: Session, user: dict[str, Any] | None) -> ColumnElement[bool]:
    """can_see() as a query condition on Dataset: for every list, count and feed."""
    public = and_(Dataset.private.is_(False), Dataset.state == "active")
    if user is None:
        return public
    if user.get("is_admin"):
        return true()
    return or_(
        public,
        Dataset.creator_id == user["id"],
        Dataset.organisation_id.in_(list(roles(session, user))),
    )


def can_see(session: Session, user: dict[str, Any] | None, dataset: Dataset) -> bool:
    if not dataset.private and dataset.state == "active":
        return True
    if user is None:
        return False
    if user.get("is_admin") or dataset.creator_id == user["id"]:
        return True
    return dataset.organisation_id in roles(session, user)


def can_edit(session: Session, user: dict[str, Any] | None, dataset: Dataset) -> bool:
    if user is None:
        return False
    if user.get("is_admin"):
        return True
    if dataset.organisation_id is None:
        return dataset.creator_id == user["id"]
    return roles(session, user).get(dataset.organisation_id) in EDITING_ROLES


def can_publish_in(
    session: Session, user: dict[str, Any] | None, organisation: Organisation | None
) -> bool:
    """Whether the user may make a dataset owned by `organisation` (None: no owner)."""
    if user is None:
        return False
    if user.get("is_admin") or organisation is None or organisation.id is None:
        return True
    return roles(session, user).get(organisation.id) in EDITING_ROLES


def can_manage(session: Session, user: dict[str, Any] | None, organisation: Organisation) -> bool:
    if user is None:
        return False
    return bool(user.get("is_admin")) or roles(session, user).get(organisation.id) == "admin"


def require_visible(session: Session, user: dict[str, Any] | None, dataset: Dataset) -> None:
    """A dataset the user may not see does not exist, as far as they can tell."""
    if not can_see(session, user, dataset):
        raise NotFound(f"There is no dataset called {dataset.name!r}.")


def require_editor(session: Session, user: dict[str, Any] | None, dataset: Dataset) -> None:
    if not can_edit(session, user, dataset):
        raise NotAuthorised(f"You may not change the dataset {dataset.name!r}.")
