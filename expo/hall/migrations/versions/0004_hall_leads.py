"""hall leads: the cards visitors leave with exhibitors

Revision ID: hall_leads
Revises: hall_chat
Create Date: 2026-12-04 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "hall_leads"
down_revision: str | Sequence[str] | None = "hall_chat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "booth_lead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("source", Text(length=12), nullable=False),
        sa.Column("name", Text(length=80), nullable=False),
        sa.Column("organisation", Text(length=120), nullable=False),
        sa.Column("title", Text(length=80), nullable=False),
        sa.Column("email", Text(length=254), nullable=False),
        sa.Column("consent_version", Text(length=20), nullable=False),
        sa.Column("consented_at", When(), nullable=False),
        sa.Column("notes", Text(length=2000), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("exhibitor_id", "account_id", name="uq_booth_lead_visitor"),
    )
    op.create_index("ix_booth_lead_account_id", "booth_lead", ["account_id"])
    op.create_index("ix_booth_lead_booth_consented", "booth_lead", ["exhibitor_id", "consented_at"])


def downgrade() -> None:
    op.drop_index("ix_booth_lead_booth_consented", table_name="booth_lead")
    op.drop_index("ix_booth_lead_account_id", table_name="booth_lead")
    op.drop_table("booth_lead")
