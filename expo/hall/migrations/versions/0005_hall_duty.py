"""hall duty: staff on duty, the roster, its version

Revision ID: hall_duty
Revises: hall_leads
Create Date: 2026-12-04 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "hall_duty"
down_revision: str | Sequence[str] | None = "hall_leads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "staff_duty",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("changed_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_index("ix_staff_duty_exhibitor_id", "staff_duty", ["exhibitor_id"])
    op.create_table(
        "duty_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", When(), nullable=False),
        sa.Column("ends_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_shift_booth_starts", "duty_shift", ["exhibitor_id", "starts_at"])
    op.create_table(
        "booth_duty",
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("announced_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.PrimaryKeyConstraint("exhibitor_id"),
    )


def downgrade() -> None:
    op.drop_table("booth_duty")
    op.drop_index("ix_duty_shift_booth_starts", table_name="duty_shift")
    op.drop_table("duty_shift")
    op.drop_index("ix_staff_duty_exhibitor_id", table_name="staff_duty")
    op.drop_table("staff_duty")
