"""forums: announcements with a window (start, end), withdrawal and a version

An announcement shows on every page from `starts_at` until `ends_at`; an organiser may take one
back (`withdrawn_at`, `withdrawn_by`), and it stays as history. The version is bumped by the
withdrawal, so a page that hears of it never shows the announcement again from an older event.
Existing announcements start when they were made, with no end.

Revision ID: 0006_forums
Revises: 0005_forums
Create Date: 2026-12-03 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the types autogenerate writes out below
from alembic import op

revision: str = "0006_forums"
down_revision: str | Sequence[str] | None = "0005_forums"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("announcement") as batch:
        batch.add_column(sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("ends_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.add_column(sa.Column("withdrawn_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.execute("UPDATE announcement SET starts_at = created_at")
    with op.batch_alter_table("announcement") as batch:
        batch.alter_column(
            "starts_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False
        )
        batch.create_index("ix_announcement_starts_at", ["starts_at"], unique=False)
        batch.create_foreign_key(
            "fk_announcement_withdrawn_by_account", "account", ["withdrawn_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("announcement") as batch:
        batch.drop_constraint("fk_announcement_withdrawn_by_account", type_="foreignkey")
        batch.drop_index("ix_announcement_starts_at")
        batch.drop_column("version")
        batch.drop_column("withdrawn_by")
        batch.drop_column("withdrawn_at")
        batch.drop_column("ends_at")
        batch.drop_column("starts_at")
