"""hall booths, products, uploads, activity

Revision ID: 0001_hall
Revises:
Create Date: 2026-12-04 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001_hall"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("hall",)
depends_on: str | Sequence[str] | None = "0001_core"

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "booth",
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("tier", Text(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("description_zh", Text(length=5000), nullable=False),
        sa.Column("description_en", Text(length=5000), nullable=False),
        sa.Column("logo_upload_id", sa.Integer(), nullable=True),
        sa.Column("videos", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.PrimaryKeyConstraint("exhibitor_id"),
    )
    op.create_table(
        "upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("kind", Text(length=12), nullable=False),
        sa.Column("content_type", Text(length=60), nullable=False),
        sa.Column("filename", Text(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", Text(length=64), nullable=False),
        sa.Column("title_zh", Text(length=200), nullable=False),
        sa.Column("title_en", Text(length=200), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_upload_exhibitor_id", "upload", ["exhibitor_id"])
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_zh", Text(length=120), nullable=False),
        sa.Column("name_en", Text(length=120), nullable=False),
        sa.Column("description_zh", Text(length=2000), nullable=False),
        sa.Column("description_en", Text(length=2000), nullable=False),
        sa.Column("image_upload_id", sa.Integer(), nullable=True),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_product_exhibitor_id", "product", ["exhibitor_id"])
    op.create_table(
        "booth_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("kind", Text(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column("at", When(), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_booth_activity_booth_at", "booth_activity", ["exhibitor_id", "at"])
    # Exhibitors that exist already (an expo upgraded in place) get their booth.
    op.execute(
        "INSERT INTO booth (exhibitor_id, tier, position, industries, description_zh,"
        " description_en, videos, links, version, updated_at)"
        " SELECT id, 'standard', id, '[]', summary_zh, summary_en, '[]', '[]', 1, created_at"
        " FROM exhibitor"
    )


def downgrade() -> None:
    op.drop_index("ix_booth_activity_booth_at", table_name="booth_activity")
    op.drop_table("booth_activity")
    op.drop_index("ix_product_exhibitor_id", table_name="product")
    op.drop_table("product")
    op.drop_index("ix_upload_exhibitor_id", table_name="upload")
    op.drop_table("upload")
    op.drop_table("booth")
