"""matchmaking: random 1:1 coffees (pairings, their rooms' chat; accept window, room minutes)

Revision ID: 0005_matchmaking
Revises: 0004_matchmaking
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005_matchmaking"
down_revision: str | Sequence[str] | None = "0004_matchmaking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    for name, default in (("coffee_accept_window", "30"), ("coffee_minutes", "5")):
        with op.batch_alter_table("match_settings") as batch:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=default))
    op.create_table(
        "match_coffee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("status", Text(length=10), nullable=False),
        sa.Column("low_accepted", sa.Boolean(), nullable=False),
        sa.Column("high_accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", Text(length=10), nullable=True),
        sa.Column("proposed_at", When(), nullable=False),
        sa.Column("accept_by", When(), nullable=False),
        sa.Column("started_at", When(), nullable=True),
        sa.Column("ends_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["high_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["low_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_match_coffee_high_id", "match_coffee", ["high_id"], unique=False)
    op.create_index(
        "ix_match_coffee_low_id_high_id", "match_coffee", ["low_id", "high_id"], unique=False
    )
    op.create_index(
        "ix_match_coffee_status_accept_by", "match_coffee", ["status", "accept_by"], unique=False
    )
    op.create_table(
        "match_coffee_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coffee_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("text", Text(length=2000), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["coffee_id"], ["match_coffee.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_match_coffee_message_coffee_id_id",
        "match_coffee_message",
        ["coffee_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_match_coffee_message_coffee_id_id", table_name="match_coffee_message")
    op.drop_table("match_coffee_message")
    op.drop_index("ix_match_coffee_status_accept_by", table_name="match_coffee")
    op.drop_index("ix_match_coffee_low_id_high_id", table_name="match_coffee")
    op.drop_index("ix_match_coffee_high_id", table_name="match_coffee")
    op.drop_table("match_coffee")
    for name in ("coffee_minutes", "coffee_accept_window"):
        with op.batch_alter_table("match_settings") as batch:
            batch.drop_column(name)
