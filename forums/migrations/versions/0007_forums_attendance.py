"""forums: attendance, one row per person, room and minute they followed it

Sampled once a minute from each process's sockets (forums/attendance.py); the certificates'
"opening ceremony" and "watched a session" achievements count a person's minutes in a session.
The key is the row: a second tab or a second process seeing the same person adds nothing.

Revision ID: 0007_forums
Revises: 0006_forums
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the types autogenerate writes out below
from alembic import op

revision: str = "0007_forums"
down_revision: str | Sequence[str] | None = "0006_forums"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forum_attendance",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("minute", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "forum_id", "minute"),
    )


def downgrade() -> None:
    op.drop_table("forum_attendance")
