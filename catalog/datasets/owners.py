"""The organisation that owns a new dataset: found by the name or title given with it, or
made there and then, its maker its first admin (an upload from the command line makes one
with no admin, until a site admin names one)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datasets.permissions import can_publish_in, who_manages
from catalog.datasets.slugs import title_slug
from catalog.db.models import Membership, Organisation, User
from catalog.errors import NotAuthorised
from catalog.viewer import ANONYMOUS, Viewer


def existing_organisation(session: Session, title: str) -> Organisation | None:
    """An organisation by its URL name, or by a title (whose URL name it would have)."""
    title = title.strip()
    return session.scalar(
        select(Organisation).where(Organisation.name.in_([title, title_slug(title)]))
    )


def owner_for_new_dataset(session: Session, title: str, user_id: int | None) -> Organisation | None:
    """The organisation called `title` (None when empty), made if it does not exist with
    `user_id` as its admin.

    The upload page checked the volunteer's right before the file was read; by the time the
    file is published, someone else may have made an organisation of that name. Then the
    volunteer must not slip into it: unless they may publish there, this refuses and says
    who to ask. `user_id` None is the site itself (the command line), which may publish
    anywhere."""
    title = title.strip()
    if not title:
        return None
    organisation = existing_organisation(session, title)
    if organisation is None:
        organisation = Organisation(name=title_slug(title), title=title)
        session.add(organisation)
        if user_id is not None:
            organisation.members.append(Membership(user_id=user_id, role="admin"))  # its maker
        return organisation
    if user_id is None:
        return organisation
    user = session.get(User, user_id)
    viewer = ANONYMOUS if user is None else Viewer.user(user.id, user.username, user.is_admin)
    if not can_publish_in(session, viewer, organisation):
        raise NotAuthorised(
            f"Nothing was published: the organisation {organisation.title} is run by others "
            "(it was made, or your place in it changed, while your file was being checked), "
            f"and only its editors may publish for it. {who_manages(session, organisation)} "
            "Or upload the file again with another organisation, or none.",
            {"organisation": "you are not an editor of this organisation"},
        )
    return organisation
