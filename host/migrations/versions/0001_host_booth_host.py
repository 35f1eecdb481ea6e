"""host: each booth's host switch, its PDFs' page texts, its staff's FAQ entries and the log
of the host's answers

Revision ID: 0001_host
Revises:
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001_host"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("host",)
depends_on: str | Sequence[str] | None = "hall_releases"

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "host_setting",
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("exhibitor_id"),
    )
    op.create_table(
        "host_document",
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("sha256", Text(length=64), nullable=False),
        sa.Column("pages", sa.JSON(), nullable=False),
        sa.Column("extracted_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("upload_id"),
    )
    op.create_index("ix_host_document_exhibitor_id", "host_document", ["exhibitor_id"])
    op.create_table(
        "host_faq",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("question", Text(length=500), nullable=False),
        sa.Column("answer", Text(length=2000), nullable=False),
        sa.Column("language", Text(length=2), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_host_faq_exhibitor_id", "host_faq", ["exhibitor_id"])
    op.create_table(
        "host_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("question", Text(length=500), nullable=False),
        sa.Column("language", Text(length=2), nullable=False),
        sa.Column("sentences", sa.JSON(), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("reason", Text(length=20), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("corrected_by", sa.Integer(), nullable=True),
        sa.Column("corrected_at", When(), nullable=True),
        sa.Column("faq_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["corrected_by"], ["account.id"]),
        sa.ForeignKeyConstraint(["faq_id"], ["host_faq.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_host_answer_booth", "host_answer", ["exhibitor_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_host_answer_booth", table_name="host_answer")
    op.drop_table("host_answer")
    op.drop_index("ix_host_faq_exhibitor_id", table_name="host_faq")
    op.drop_table("host_faq")
    op.drop_index("ix_host_document_exhibitor_id", table_name="host_document")
    op.drop_table("host_document")
    op.drop_table("host_setting")
