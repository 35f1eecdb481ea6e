"""tokens: scope and expiry; service accounts

Revision ID: 0005_core
Revises: 0004_core
Create Date: 2026-12-03 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the types autogenerate writes out below
from alembic import op

revision: str = "0005_core"
down_revision: str | Sequence[str] | None = "0004_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # op.add_column, not batch mode: on SQLite batch mode rebuilds the table (DROP TABLE),
    # which rows of other tables referring to it refuse; a seeded database upgrades in place.
    # Existing tokens keep doing everything, and never expire (as when they were issued).
    op.add_column(
        "api_token",
        sa.Column(
            "scope",
            sqlmodel.sql.sqltypes.AutoString(length=8),
            nullable=False,
            server_default="full",
        ),
    )
    op.add_column(
        "api_token", sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "account", sa.Column("service", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("service")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
