"""Every organisation as the organisers see it (/admin/organisations): its members, its
admins by name and its datasets, deleted ones counted apart."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.db.models import Dataset, Membership, Organisation, User
from catalog.event.day import display_name


def organisation_overview(session: Session) -> list[dict[str, Any]]:
    """Each organisation, by title: members, admins, datasets (active and deleted)."""
    members = dict(
        session.execute(
            select(Membership.organisation_id, func.count()).group_by(Membership.organisation_id)
        ).all()
    )
    datasets: dict[tuple[int | None, str], int] = {
        (org_id, state): count
        for org_id, state, count in session.execute(
            select(Dataset.organisation_id, Dataset.state, func.count())
            .where(Dataset.organisation_id.is_not(None))
            .group_by(Dataset.organisation_id, Dataset.state)
        )
    }
    admins: dict[int, list[str]] = {}
    for org_id, username, display in session.execute(
        select(Membership.organisation_id, User.username, User.display_name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role == "admin")
        .order_by(User.username)
    ):
        admins.setdefault(org_id, []).append(display_name(display, username))
    organisations = session.execute(
        select(Organisation.id, Organisation.name, Organisation.title).order_by(
            func.lower(Organisation.title), Organisation.name
        )
    )
    return [
        {
            "name": name,
            "title": title,
            "members": members.get(org_id, 0),
            "admins": admins.get(org_id, []),
            "datasets": datasets.get((org_id, "active"), 0),
            "deleted": sum(
                n for (o, state), n in datasets.items() if o == org_id and state != "active"
            ),
        }
        for org_id, name, title in organisations
    ]
