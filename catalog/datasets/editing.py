"""Changing a dataset's details, deleting it and restoring it: one function each, for the
edit and delete pages (catalog/web/views/dataset_edit.py) and the API's package_update,
package_patch and package_delete (catalog/api/datasets.py) alike.

Who may change a dataset may delete and restore it (permissions.can_edit): the editors and
admins of its organisation, the volunteer who published it when it has none, and the site's
admins. Moving it out of its organisation takes an admin of that organisation; into one, an
editor of it. A deleted dataset keeps its files and versions; it leaves lists and search
(permissions.visible_datasets) until it is restored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.datasets.indexing import dataset_document, index_after_commit
from catalog.datasets.permissions import (
    EDITING_ROLES,
    can_edit,
    can_manage,
    can_publish_in,
    require_editor,
    require_visible,
    roles,
)
from catalog.datasets.publishing import DatasetMetadata, apply_metadata
from catalog.db.models import Dataset, Membership, Organisation, User, utcnow
from catalog.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from catalog.site import Site
from catalog.viewer import Viewer

# Who may restore a deleted dataset, in the words of the delete page.
RESTORED_BY = (
    "its organisation's editors and admins (from the organisation's list of deleted "
    "datasets) and the site's admins"
)
MAX_LISTED = 500  # deleted datasets on one list page, newest first


@dataclass(frozen=True)
class Keep:
    """The organisation is not being changed (an API call that did not name owner_org)."""


KEEP = Keep()


def find_dataset(session: Session, name: str) -> Dataset:
    dataset = session.scalar(select(Dataset).where(Dataset.name == name))
    if dataset is None:
        raise NotFound(f"There is no dataset called {name!r}.")
    return dataset


def editable_dataset(session: Session, viewer: Viewer, name: str) -> Dataset:
    """The dataset, if the viewer may change it: not found for those who may not see it,
    refused (saying who can grant the right) for those who see but may not change it."""
    dataset = find_dataset(session, name)
    require_visible(session, viewer, dataset)
    require_editor(session, viewer, dataset)
    return dataset


def current_metadata(dataset: Dataset) -> DatasetMetadata:
    return DatasetMetadata(
        title=dataset.title,
        description=dataset.description,
        organisation=dataset.organisation.name if dataset.organisation else "",
        licence_id=dataset.licence_id,
        tags=[t.name for t in dataset.tags],
        source_url=dataset.source_url,
        name=dataset.name,
        version=dataset.version,
        author=dataset.author,
        author_email=dataset.author_email,
        maintainer=dataset.maintainer,
        maintainer_email=dataset.maintainer_email,
        private=dataset.private,
        extras=json.loads(dataset.extras_json or "{}"),
    )


def organisation_choices(session: Session, viewer: Viewer, dataset: Dataset) -> list[Any] | None:
    """The organisations the viewer may move the dataset into, as (name, title), "" for
    none; None when they may not move it out of its organisation (an editor, not admin)."""
    old = dataset.organisation
    if old is not None and not can_manage(session, viewer, old):
        return None
    query = select(Organisation).order_by(Organisation.title)
    if not viewer.is_admin:
        mine = [o for o, role in roles(session, viewer).items() if role in EDITING_ROLES]
        query = query.where(Organisation.id.in_(mine))
    found = {o.name: o.title for o in session.scalars(query)}
    if old is not None:
        found.setdefault(old.name, old.title)
    return [("", "None: published under your own name"), *sorted(found.items(), key=_title)]


def _title(item: tuple[str, str]) -> str:
    return item[1].lower()


def owner_organisation(session: Session, name: str) -> Organisation | None:
    """The organisation named (by URL name or id, as CKAN's owner_org); None for ""."""
    name = name.strip()
    if not name:
        return None
    as_id = int(name) if name.isascii() and name.isdigit() and len(name) < 10 else -1
    found = session.scalar(
        select(Organisation).where((Organisation.name == name) | (Organisation.id == as_id))
    )
    if found is None:
        raise InvalidInput(
            f"There is no organisation {name!r}.", {"owner_org": "Organisation does not exist"}
        )
    return found


def change_dataset(
    site: Site,
    session: Session,
    viewer: Viewer,
    dataset: Dataset,
    metadata: DatasetMetadata,
    organisation: Organisation | None | Keep = KEEP,
) -> None:
    """Give the dataset these details (its URL name and files stay as they are), checked as
    an upload's are; its search document follows once the caller commits."""
    require_visible(session, viewer, dataset)
    require_editor(session, viewer, dataset)
    if dataset.state != "active":
        raise Conflict(
            f"{dataset.title} was deleted: restore it first, then change it.",
            {"state": "deleted"},
        )
    target = dataset.organisation if isinstance(organisation, Keep) else organisation
    metadata.organisation = target.name if target is not None else ""
    problems = metadata.problems()
    problems.update(extras_problems(metadata.extras))
    if problems:
        raise InvalidInput("Some details of the dataset need fixing.", problems)
    if target is not dataset.organisation:
        old = dataset.organisation
        if old is not None and not can_manage(session, viewer, old):
            raise NotAuthorised(
                f"Only an admin of {old.title} may move its datasets out of it; ask one of "
                "its admins.",
                {"owner_org": "you are not an admin of the dataset's organisation"},
            )
        if not can_publish_in(session, viewer, target):
            raise NotAuthorised(
                "You may not move datasets into this organisation: only its editors and "
                "admins may. Ask one of its admins to make you an editor.",
                {"owner_org": "you are not an editor of this organisation"},
            )
    apply_metadata(session, dataset, metadata, target)
    session.flush()
    index_after_commit(site, session, dataset_document(dataset))


def extras_problems(extras: dict[str, str]) -> dict[str, str]:
    """What the count and length caps (DatasetMetadata.problems) do not say of extras."""
    if any(not key.strip() for key in extras):
        return {"extras": "Each extra field needs a name; remove the value or name it."}
    return {}


def delete_dataset(site: Site, session: Session, viewer: Viewer, name: str) -> Dataset:
    """Mark the dataset deleted, by the viewer, now: it leaves search and lists, its files
    and versions are kept, and those who may change it can restore it."""
    dataset = editable_dataset(session, viewer, name)
    if dataset.state != "deleted":
        dataset.state = "deleted"
        dataset.deleted = utcnow()
        dataset.deleted_by_id = viewer.id
        dataset.modified = utcnow()
        session.flush()
        index_after_commit(site, session, dataset_document(dataset))
    return dataset


def restore_dataset(site: Site, session: Session, viewer: Viewer, name: str) -> Dataset:
    """Bring a deleted dataset back, as it was (restoring an active one changes nothing)."""
    dataset = editable_dataset(session, viewer, name)
    if dataset.state != "active":
        dataset.state = "active"
        dataset.deleted = None
        dataset.deleted_by_id = None
        dataset.modified = utcnow()
        session.flush()
        index_after_commit(site, session, dataset_document(dataset))
    return dataset


def deletion_notice(session: Session, viewer: Viewer, name: str) -> dict[str, Any] | None:
    """For the page of a deleted dataset: when and by whom, and whether the viewer may
    restore it; None for an active one."""
    dataset = find_dataset(session, name)
    if dataset.state == "active":
        return None
    return {
        "deleted": _when(dataset),
        "deleted_by": _person(session, dataset.deleted_by_id),
        "can_restore": can_edit(session, viewer, dataset),
        "restored_by": RESTORED_BY,
    }


def deleted_datasets(
    session: Session, viewer: Viewer, organisation_name: str | None = None
) -> dict[str, Any]:
    """The deleted datasets of an organisation (for its editors and admins, and the site's
    admins), or of the whole site (`organisation_name` None: site admins only)."""
    query = select(Dataset).where(Dataset.state == "deleted")
    organisation = None
    if organisation_name is None:
        if not viewer.is_admin:
            raise NotAuthorised(
                "Only the site's admins see every deleted dataset; an organisation's editors "
                "see its own on its list of deleted datasets. Ask the site's organiser."
            )
    else:
        organisation = session.scalar(
            select(Organisation).where(Organisation.name == organisation_name)
        )
        if organisation is None:
            raise NotFound(f"There is no organisation called {organisation_name!r}.")
        if not viewer.is_admin and roles(session, viewer).get(organisation.id) not in EDITING_ROLES:
            raise NotAuthorised(
                f"Only the editors and admins of {organisation.title} see its deleted "
                f"datasets. {_ask_admins(session, organisation)}"
            )
        query = query.where(Dataset.organisation_id == organisation.id)
    found = session.scalars(
        query.order_by(Dataset.deleted.desc(), Dataset.id.desc())
        .limit(MAX_LISTED)
        .options(selectinload(Dataset.organisation))
    ).all()
    people = _people(session, {d.deleted_by_id for d in found if d.deleted_by_id})
    return {
        "organisation": {"name": organisation.name, "title": organisation.title}
        if organisation
        else None,
        "datasets": [
            {
                "name": d.name,
                "title": d.title,
                "organisation": {"name": d.organisation.name, "title": d.organisation.title}
                if d.organisation
                else None,
                "deleted": _when(d),
                "deleted_by": people.get(d.deleted_by_id or 0),
            }
            for d in found
        ],
    }


def _ask_admins(session: Session, organisation: Organisation) -> str:
    admins = sorted(
        session.scalars(
            select(User.username)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id, Membership.role == "admin")
        )
    )
    if not admins:
        return "It has no admin to add you: ask the site's organiser."
    return f"Ask {', '.join(admins[:3])} (its admin) to make you an editor."


def _when(dataset: Dataset) -> str | None:
    return dataset.deleted.isoformat(timespec="seconds") if dataset.deleted else None


def _person(session: Session, user_id: int | None) -> str | None:
    return _people(session, {user_id}).get(user_id) if user_id else None


def _people(session: Session, ids: set[Any]) -> dict[int, str]:
    """{user id: the name shown on pages} (the display name, else the username)."""
    if not ids:
        return {}
    found = session.execute(
        select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    )
    return {i: display or username for i, display, username in found}
