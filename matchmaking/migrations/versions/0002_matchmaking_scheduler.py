"""matchmaking scheduler runs

Revision ID: 0002_matchmaking
Revises: 0001_matchmaking
Create Date: 2026-12-04 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002_matchmaking"
down_revision: str | Sequence[str] | None = "0001_matchmaking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "match_scheduler_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=True),
        sa.Column("status", Text(length=12), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=False),
        sa.Column("time_limit", sa.Float(), nullable=False),
        sa.Column("started_at", When(), nullable=False),
        sa.Column("expires_at", When(), nullable=False),
        sa.Column("finished_at", When(), nullable=True),
        sa.Column("phase", Text(length=16), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", Text(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["started_by"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active"),
    )
    op.create_index(
        op.f("ix_match_scheduler_run_started_at"),
        "match_scheduler_run",
        ["started_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("match_scheduler_run")
