"""CKAN core fields, private and state, extras, organisation members

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memberships",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organisation_id", "user_id"),
    )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("author", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("author_email", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("maintainer", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("maintainer_email", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("state", sa.String(length=20), server_default="active", nullable=False)
        )
        batch_op.add_column(
            sa.Column("extras_json", sa.Text(), server_default="{}", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("extras_json")
        batch_op.drop_column("state")
        batch_op.drop_column("private")
        batch_op.drop_column("maintainer_email")
        batch_op.drop_column("maintainer")
        batch_op.drop_column("author_email")
        batch_op.drop_column("author")
        batch_op.drop_column("version")

    op.drop_table("memberships")
