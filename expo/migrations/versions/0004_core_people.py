"""people: accounts can be disabled, invitations revoked and carry a suggested name

Revision ID: 0004_core
Revises: 0003_core
Create Date: 2026-12-03 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the types autogenerate writes out below
from alembic import op

revision: str = "0004_core"
down_revision: str | Sequence[str] | None = "0003_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # op.add_column, not batch mode: on SQLite batch mode rebuilds the table (DROP TABLE),
    # which rows of other tables referring to it refuse; a seeded database upgrades in place.
    # Nullable columns only: a seeded demo database upgrades in place, every account enabled
    # and every invitation as it was.
    op.add_column(
        "account", sa.Column("disabled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "invitation", sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "invitation",
        sa.Column(
            "display_name",
            sqlmodel.sql.sqltypes.AutoString(length=80),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column(
        "invitation",
        sa.Column(
            "language",
            sqlmodel.sql.sqltypes.AutoString(length=8),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("display_name")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
