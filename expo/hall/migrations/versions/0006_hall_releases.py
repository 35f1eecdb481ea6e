"""hall releases and hall settings

Revision ID: hall_releases
Revises: hall_duty
Create Date: 2026-12-04 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "hall_releases"
down_revision: str | Sequence[str] | None = "hall_duty"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=True),
        sa.Column("industry", Text(length=60), nullable=False),
        sa.Column("kind", Text(length=12), nullable=False),
        sa.Column("state", Text(length=12), nullable=False),
        sa.Column("title_zh", Text(length=120), nullable=False),
        sa.Column("title_en", Text(length=320), nullable=False),
        sa.Column("summary_zh", Text(length=500), nullable=False),
        sa.Column("summary_en", Text(length=1000), nullable=False),
        sa.Column("body_zh", Text(length=20000), nullable=False),
        sa.Column("body_en", Text(length=40000), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("rejection_reason", Text(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("updated_at", When(), nullable=False),
        sa.Column("published_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_release_exhibitor_id", "release", ["exhibitor_id"])
    op.create_index("ix_release_state_published", "release", ["state", "published_at"])
    op.create_table(
        "hall_setting",
        sa.Column("key", Text(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("updated_at", When(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("hall_setting")
    op.drop_index("ix_release_state_published", table_name="release")
    op.drop_index("ix_release_exhibitor_id", table_name="release")
    op.drop_table("release")
