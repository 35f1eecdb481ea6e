"""streams: replays (each recording of a room's stream, remuxed to MP4) and when the backup
publisher last went on air

Revision ID: 0002_streams
Revises: 0001_streams
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002_streams"
down_revision: str | Sequence[str] | None = "0001_streams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("room_stream") as table:
        table.add_column(sa.Column("backup_aired_at", When(), nullable=True))
    op.create_table(
        "stream_replay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("publisher", Text(length=8), nullable=False),
        sa.Column("started_at", When(), nullable=False),
        sa.Column("ended_at", When(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("source", Text(length=1024), nullable=True),
        sa.Column("file", Text(length=200), nullable=True),
        sa.Column("url", Text(length=500), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("state", Text(length=12), nullable=False),
        sa.Column("claimed_at", When(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure", Text(length=300), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("updated_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source"),
    )
    op.create_index("ix_stream_replay_forum_id", "stream_replay", ["forum_id"])
    op.create_index("ix_stream_replay_started_at", "stream_replay", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_stream_replay_started_at", table_name="stream_replay")
    op.drop_index("ix_stream_replay_forum_id", table_name="stream_replay")
    op.drop_table("stream_replay")
    with op.batch_alter_table("room_stream") as table:
        table.drop_column("backup_aired_at")
