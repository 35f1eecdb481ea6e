"""matchmaking profiles, slots, requests and meetings

Revision ID: 0001_matchmaking
Revises:
Create Date: 2026-12-04 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001_matchmaking"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("matchmaking",)
depends_on: str | Sequence[str] | None = "0001_core"

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime

TABLES = [
    "meeting_seat",
    "meeting_place",
    "meeting",
    "meeting_request",
    "match_profile",
    "match_hidden",
    "match_block",
    "match_availability",
    "match_exhibitor_seats",
    "match_slot",
    "match_settings",
]


def upgrade() -> None:
    op.create_table(
        "match_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("open_request_cap", sa.Integer(), nullable=False),
        sa.Column("default_seats", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "match_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", When(), nullable=False),
        sa.Column("ends_at", When(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_match_slot_starts_at"), "match_slot", ["starts_at"], unique=False)
    op.create_table(
        "match_exhibitor_seats",
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitor.id"],
        ),
        sa.PrimaryKeyConstraint("exhibitor_id"),
    )
    op.create_table(
        "match_availability",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["match_slot.id"],
        ),
        sa.PrimaryKeyConstraint("account_id", "slot_id"),
    )
    op.create_table(
        "match_block",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("blocked_id", sa.Integer(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["blocked_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("account_id", "blocked_id"),
    )
    op.create_index(op.f("ix_match_block_blocked_id"), "match_block", ["blocked_id"], unique=False)
    op.create_table(
        "match_hidden",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("hidden_id", sa.Integer(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["hidden_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("account_id", "hidden_id"),
    )
    op.create_table(
        "match_profile",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=True),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("offer", Text(length=500), nullable=False),
        sa.Column("need", Text(length=500), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", When(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitor.id"],
        ),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_index(
        op.f("ix_match_profile_exhibitor_id"), "match_profile", ["exhibitor_id"], unique=False
    )
    op.create_index(
        op.f("ix_match_profile_updated_at"), "match_profile", ["updated_at"], unique=False
    )
    op.create_table(
        "meeting_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=True),
        sa.Column("note", Text(length=500), nullable=False),
        sa.Column("status", Text(length=12), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("answered_at", When(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_meeting_request_exhibitor_id"), "meeting_request", ["exhibitor_id"], unique=False
    )
    op.create_index(
        "ix_meeting_request_recipient_status",
        "meeting_request",
        ["recipient_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_meeting_request_requester_status",
        "meeting_request",
        ["requester_id", "status"],
        unique=False,
    )
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=True),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=True),
        sa.Column("status", Text(length=12), nullable=False),
        sa.Column("placed_by", Text(length=12), nullable=False),
        sa.Column("reminded_at", When(), nullable=True),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("updated_at", When(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["meeting_request.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["match_slot.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index(op.f("ix_meeting_exhibitor_id"), "meeting", ["exhibitor_id"], unique=False)
    op.create_index(op.f("ix_meeting_recipient_id"), "meeting", ["recipient_id"], unique=False)
    op.create_index(op.f("ix_meeting_requester_id"), "meeting", ["requester_id"], unique=False)
    op.create_index(op.f("ix_meeting_slot_id"), "meeting", ["slot_id"], unique=False)
    op.create_table(
        "meeting_place",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["match_slot.id"],
        ),
        sa.PrimaryKeyConstraint("account_id", "slot_id"),
    )
    op.create_index(
        op.f("ix_meeting_place_meeting_id"), "meeting_place", ["meeting_id"], unique=False
    )
    op.create_table(
        "meeting_seat",
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["match_slot.id"],
        ),
        sa.PrimaryKeyConstraint("exhibitor_id", "slot_id", "seat"),
        sa.UniqueConstraint("meeting_id"),
    )


def downgrade() -> None:
    # Indexes go with their tables.
    for table in TABLES:
        op.drop_table(table)
