"""Every organisation has an admin: one that has none (made by an upload before its maker
became its admin, or from the command line) gets its first publisher, the creator of its
earliest dataset, else of its earliest version. A membership they had is raised to admin.
Going down leaves the admins as they are.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WITHOUT_ADMIN = sa.text(
    "SELECT id FROM organisations WHERE id NOT IN "
    "(SELECT organisation_id FROM memberships WHERE role = 'admin') ORDER BY id"
)
FIRST_DATASET_CREATOR = sa.text(
    "SELECT creator_id FROM datasets WHERE organisation_id = :org AND creator_id IS NOT NULL "
    "ORDER BY created, id LIMIT 1"
)
FIRST_VERSION_CREATOR = sa.text(
    "SELECT versions.creator_id FROM versions JOIN datasets ON datasets.id = versions.dataset_id "
    "WHERE datasets.organisation_id = :org AND versions.creator_id IS NOT NULL "
    "ORDER BY versions.created, versions.id LIMIT 1"
)


def upgrade() -> None:
    connection = op.get_bind()
    for organisation_id in list(connection.execute(WITHOUT_ADMIN).scalars()):
        found = {"org": organisation_id}
        user_id = connection.execute(FIRST_DATASET_CREATOR, found).scalar()
        if user_id is None:
            user_id = connection.execute(FIRST_VERSION_CREATOR, found).scalar()
        if user_id is None:
            continue  # nobody published for it: a site admin names its admin
        member = {"org": organisation_id, "user": user_id}
        raised = connection.execute(
            sa.text(
                "UPDATE memberships SET role = 'admin' "
                "WHERE organisation_id = :org AND user_id = :user"
            ),
            member,
        )
        if not raised.rowcount:
            connection.execute(
                sa.text(
                    "INSERT INTO memberships (organisation_id, user_id, role) "
                    "VALUES (:org, :user, 'admin')"
                ),
                member,
            )


def downgrade() -> None:
    """The admins made stay: which were made here is not recorded, and they do no harm."""
