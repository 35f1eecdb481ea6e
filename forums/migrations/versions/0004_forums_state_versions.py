"""forums: a version on each row whose events replace state (questions, polls, rooms, sessions)

Events are published after the row's lock is released, so two moves can be announced in the
opposite order to their commits; the version, bumped in the move's transaction, says which
came last, and pages keep the highest.

Revision ID: 0004_forums
Revises: 0003_forums
Create Date: 2026-12-03 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_forums"
down_revision: str | Sequence[str] | None = "0003_forums"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("question", "poll", "forum", "forum_session")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
