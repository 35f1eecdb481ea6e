"""matchmaking: live booth queues (queues, tickets, the call room's chat; queue settings)

Revision ID: 0004_matchmaking
Revises: 0003_matchmaking
Create Date: 2026-12-04 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004_matchmaking"
down_revision: str | Sequence[str] | None = "0003_matchmaking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    for name, default in (
        ("queue_call_window", "60"),
        ("queue_grace", "120"),
        ("queue_overtake_cap", "2"),
    ):
        with op.batch_alter_table("match_settings") as batch:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=default))
    op.create_table(
        "booth_queue",
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("state", Text(length=8), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.PrimaryKeyConstraint("exhibitor_id"),
    )
    op.create_table(
        "queue_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=True),
        sa.Column("status", Text(length=8), nullable=False),
        sa.Column("appointment", sa.Boolean(), nullable=False),
        sa.Column("share_card", sa.Boolean(), nullable=False),
        sa.Column("rank", sa.Float(), nullable=True),
        sa.Column("overtaken", sa.Integer(), nullable=False),
        sa.Column("no_shows", sa.Integer(), nullable=False),
        sa.Column("joined_at", When(), nullable=False),
        sa.Column("called_at", When(), nullable=True),
        sa.Column("called_by", sa.Integer(), nullable=True),
        sa.Column("caller_live", sa.Integer(), nullable=True),
        sa.Column("call_deadline", When(), nullable=True),
        sa.Column("answered_at", When(), nullable=True),
        sa.Column("ended_at", When(), nullable=True),
        sa.Column("away_since", When(), nullable=True),
        sa.Column("updated_at", When(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["called_by"], ["account.id"]),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("exhibitor_id", "account_id", "active"),
        sa.UniqueConstraint("caller_live"),
    )
    op.create_index("ix_queue_ticket_account_id", "queue_ticket", ["account_id"], unique=False)
    op.create_index(
        "ix_queue_ticket_exhibitor_status", "queue_ticket", ["exhibitor_id", "status"], unique=False
    )
    op.create_index(
        "ix_queue_ticket_status_deadline", "queue_ticket", ["status", "call_deadline"], unique=False
    )
    op.create_table(
        "queue_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("text", Text(length=2000), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["queue_ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_queue_message_ticket_id_id", "queue_message", ["ticket_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("queue_message")
    op.drop_table("queue_ticket")
    op.drop_table("booth_queue")
    with op.batch_alter_table("match_settings") as batch:
        for name in ("queue_overtake_cap", "queue_grace", "queue_call_window"):
            batch.drop_column(name)
