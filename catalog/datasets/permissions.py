"""Who may see and change what: CKAN's model, kept small.

- Anyone sees active public datasets.
- A private dataset, or a deleted one, is seen only by the members of its
  organisation (any role), its creator, and administrators of the site.
- Editors and admins of an organisation publish and edit its datasets; its admins also
  manage its members. A dataset with no organisation is edited by its creator.
- Site administrators (`datastore user create --admin`) may do everything.
- Who may edit a dataset (can_edit) may also delete it and restore it once deleted
  (catalog/datasets/editing.py). A deleted dataset leaves every list and search but the
  site admins' (visible_datasets); its page still shows, as "deleted", to those who may see
  it, and its organisation's editors restore it from /organisation/<name>/deleted.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from catalog.db.models import Dataset, Membership, Organisation, User
from catalog.errors import NotAuthorised, NotFound
from catalog.viewer import Viewer

EDITING_ROLES = ("admin", "editor")


def roles(session: Session, viewer: Viewer) -> dict[int, str]:
    """{organisation id: role} for the viewer (none for visitors and the system)."""
    if viewer.id is None:
        return {}
    found = session.execute(
        select(Membership.organisation_id, Membership.role).where(Membership.user_id == viewer.id)
    )
    return {organisation_id: role for organisation_id, role in found}


def visible_organisations(session: Session, viewer: Viewer) -> set[str] | None:
    """Names of the organisations whose private datasets the viewer may see; None for all."""
    if viewer.is_admin:
        return None
    ids = list(roles(session, viewer))
    if not ids:
        return set()
    return set(session.scalars(select(Organisation.name).where(Organisation.id.in_(ids))))


def visible_datasets(session: Session, viewer: Viewer) -> ColumnElement[bool]:
    """can_see() as a query condition on Dataset, for every list, count and feed; but a
    deleted dataset is listed to site admins only (its editors have its organisation's
    list of deleted datasets, catalog/datasets/editing.py)."""
    public = and_(Dataset.private.is_(False), Dataset.state == "active")
    if viewer.is_admin:
        return true()
    if viewer.id is None:
        return public
    return and_(
        Dataset.state == "active",
        or_(
            Dataset.private.is_(False),
            Dataset.creator_id == viewer.id,
            Dataset.organisation_id.in_(list(roles(session, viewer))),
        ),
    )


def can_see(session: Session, viewer: Viewer, dataset: Dataset) -> bool:
    if not dataset.private and dataset.state == "active":
        return True
    if viewer.is_admin:
        return True
    if viewer.id is None:
        return False
    if dataset.creator_id == viewer.id:
        return True
    return dataset.organisation_id in roles(session, viewer)


def can_edit(session: Session, viewer: Viewer, dataset: Dataset) -> bool:
    if viewer.is_admin:
        return True
    if viewer.id is None:
        return False
    if dataset.organisation_id is None:
        return dataset.creator_id == viewer.id
    return roles(session, viewer).get(dataset.organisation_id) in EDITING_ROLES


def can_publish_in(session: Session, viewer: Viewer, organisation: Organisation | None) -> bool:
    """Whether the viewer may make a dataset owned by `organisation` (None: no owner)."""
    if viewer.is_admin:
        return True
    if viewer.id is None:
        return False
    if organisation is None or organisation.id is None:
        return True
    return roles(session, viewer).get(organisation.id) in EDITING_ROLES


def can_manage(session: Session, viewer: Viewer, organisation: Organisation) -> bool:
    if viewer.is_admin:
        return True
    if viewer.id is None:
        return False
    return roles(session, viewer).get(organisation.id) == "admin"


def require_visible(session: Session, viewer: Viewer, dataset: Dataset) -> None:
    """A dataset the user may not see does not exist, as far as they can tell."""
    if not can_see(session, viewer, dataset):
        raise NotFound(f"There is no dataset called {dataset.name!r}.")


def require_editor(session: Session, viewer: Viewer, dataset: Dataset) -> None:
    if not can_edit(session, viewer, dataset):
        raise NotAuthorised(
            f"You may not change the dataset {dataset.name!r}. {who_grants(session, dataset)}"
        )


def who_grants(session: Session, dataset: Dataset) -> str:
    """Who can give the right to change the dataset, in a sentence for the one refused."""
    organisation = dataset.organisation
    if organisation is None:
        return "Only the volunteer who published it, or the site's organiser, may change it."
    admins = sorted(
        session.scalars(
            select(User.username)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id, Membership.role == "admin")
        )
    )
    if not admins:
        return (
            f"Only the editors of {organisation.title} may, and it has no admin to add you: "
            "ask the site's organiser."
        )
    named = ", ".join(admins[:3]) + (" or another of its admins" if len(admins) > 3 else "")
    return (
        f"Only the editors and admins of {organisation.title} may; ask {named} "
        "(its admin) to add you as an editor."
    )


# Organisations' members (catalog/datasets/members.py) and who to ask for a right.


def can_see_members(viewer: Viewer) -> bool:
    """Who belongs to an organisation, and in which role, is shown to anyone signed in."""
    return viewer.signed_in or viewer.is_admin


def person_label(username: str, display_name: str) -> str:
    """A person as pages name them: "Priya Shah (priya)", or the username alone."""
    shown = display_name.strip()
    return f"{shown} ({username})" if shown and shown != username else username


def organisation_admins(session: Session, organisation: Organisation) -> list[str]:
    """The organisation's admins, as person_label() names them, by username."""
    found = session.execute(
        select(User.username, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.role == "admin")
        .order_by(User.username)
    )
    return [person_label(username, shown) for username, shown in found]


def who_manages(
    session: Session, organisation: Organisation, wanted: str = "add you as an editor"
) -> str:
    """Who can grant a right in the organisation, in a sentence for the one refused."""
    admins = organisation_admins(session, organisation) if organisation.id is not None else []
    if not admins:
        return (
            f"{organisation.title} has no admin yet: ask the site's organiser to {wanted}, "
            "or to name an admin for it."
        )
    shown = admins[:3]
    if len(admins) > 3:
        named = ", ".join(shown) + " or another of its admins"
    else:
        named = shown[-1] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
    its = "its admin" if len(admins) == 1 else "its admins"
    return f"Ask {named} ({its}) to {wanted}."
