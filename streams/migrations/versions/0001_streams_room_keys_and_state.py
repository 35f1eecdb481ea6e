"""streams: each room's stream keys (main, backup) and live state (live, interrupted, offline;
the standby backup publisher)

Revision ID: 0001_streams
Revises:
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001_streams"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("streams",)
depends_on: str | Sequence[str] | None = "0001_forums"

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "room_stream",
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("main_key", Text(length=64), nullable=False),
        sa.Column("backup_key", Text(length=64), nullable=False),
        sa.Column("state", Text(length=16), nullable=False),
        sa.Column("since", When(), nullable=True),
        sa.Column("interrupted_since", When(), nullable=True),
        sa.Column("publisher", Text(length=8), nullable=True),
        sa.Column("client_id", Text(length=32), nullable=True),
        sa.Column("seen_at", When(), nullable=True),
        sa.Column("standby_client_id", Text(length=32), nullable=True),
        sa.Column("standby_seen_at", When(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("forum_id"),
    )


def downgrade() -> None:
    op.drop_table("room_stream")
