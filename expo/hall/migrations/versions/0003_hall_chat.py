"""hall chat: booth chat messages, booth sanctions, private conversations and their messages

Revision ID: hall_chat
Revises: hall_search
Create Date: 2026-12-04 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "hall_chat"
down_revision: str | Sequence[str] | None = "hall_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "booth_chat_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("author_name", Text(length=80), nullable=False),
        sa.Column("staff", sa.Boolean(), nullable=False),
        sa.Column("text", Text(length=2000), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("deleted_at", When(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_booth_chat_message_booth_id", "booth_chat_message", ["exhibitor_id", "id"])
    op.create_index("ix_booth_chat_message_account_id", "booth_chat_message", ["account_id"])
    op.create_table(
        "booth_sanction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", Text(length=8), nullable=False),
        sa.Column("until", When(), nullable=False),
        sa.Column("reason", Text(length=300), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("lifted_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_booth_sanction_booth_account", "booth_sanction", ["exhibitor_id", "account_id"]
    )
    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("visitor_name", Text(length=80), nullable=False),
        sa.Column("open_key", Text(length=24), nullable=True),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("claimed_name", Text(length=80), nullable=True),
        sa.Column("claimed_at", When(), nullable=True),
        sa.Column("waiting_since", When(), nullable=True),
        sa.Column("staff_unread", sa.Integer(), nullable=False),
        sa.Column("visitor_unread", sa.Integer(), nullable=False),
        sa.Column("last_text", Text(length=2000), nullable=False),
        sa.Column("last_at", When(), nullable=True),
        sa.Column("opened_at", When(), nullable=False),
        sa.Column("closed_at", When(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.ForeignKeyConstraint(["visitor_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["claimed_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_conversation_booth_state", "conversation", ["exhibitor_id", "closed_at"])
    op.create_index("ix_conversation_open_key", "conversation", ["open_key"], unique=True)
    op.create_index("ix_conversation_visitor_id", "conversation", ["visitor_id"])
    op.create_table(
        "private_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("author_name", Text(length=80), nullable=False),
        sa.Column("from_staff", sa.Boolean(), nullable=False),
        sa.Column("text", Text(length=2000), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_private_message_conversation_id", "private_message", ["conversation_id", "id"]
    )


def downgrade() -> None:
    op.drop_table("private_message")
    op.drop_table("conversation")
    op.drop_table("booth_sanction")
    op.drop_table("booth_chat_message")
