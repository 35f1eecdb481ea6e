"""certificates: the issuer's keys (private halves sealed) and the credentials issued, with
their revocation status list index

Revision ID: 0001_certificates
Revises:
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001_certificates"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("certificates",)
depends_on: str | Sequence[str] | None = "0001_core"

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "issuer_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_multibase", Text(length=64), nullable=False),
        sa.Column("sealed_private", Text(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("retired_at", When(), nullable=True),
        sa.Column("deleted_at", When(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_multibase"),
    )
    op.create_index(
        "uq_issuer_key_active",
        "issuer_key",
        ["active"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "issued_credential",
        sa.Column("id", Text(length=36), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", Text(length=32), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("issued_at", When(), nullable=False),
        sa.Column("revoked_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["key_id"], ["issuer_key.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "kind"),
        sa.UniqueConstraint("status_index"),
    )
    op.create_index(op.f("ix_issued_credential_account_id"), "issued_credential", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_issued_credential_account_id"), table_name="issued_credential")
    op.drop_table("issued_credential")
    op.drop_index("uq_issuer_key_active", table_name="issuer_key")
    op.drop_table("issuer_key")
