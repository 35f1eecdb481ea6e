"""forums: the moderation log (who did what to whom, when and why), written with each action

Revision ID: 0005_forums
Revises: 0004_forums
Create Date: 2026-12-03 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the types autogenerate writes out below
from alembic import op

revision: str = "0005_forums"
down_revision: str | Sequence[str] | None = "0004_forums"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moderation_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("target_account_id", sa.Integer(), nullable=True),
        sa.Column("subject_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"]),
        sa.ForeignKeyConstraint(["target_account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("moderation_entry", schema=None) as batch_op:
        batch_op.create_index("ix_moderation_entry_forum_id_id", ["forum_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_moderation_entry_actor_id"), ["actor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_moderation_entry_target_account_id"),
            ["target_account_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("moderation_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_entry_target_account_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_entry_actor_id"))
        batch_op.drop_index("ix_moderation_entry_forum_id_id")
    op.drop_table("moderation_entry")
