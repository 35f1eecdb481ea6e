"""hall search: the booth search index and booth industries as rows

Revision ID: hall_search
Revises: 0001_hall
Create Date: 2026-12-04 16:30:00

The index is of each database's own kind: an FTS5 table on SQLite, a tsvector column with a
GIN index on PostgreSQL (expo/hall/search_index.py). Booths that exist already are indexed here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "hall_search"
down_revision: str | Sequence[str] | None = "0001_hall"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    from expo.hall import search_index

    op.create_table(
        "booth_industry",
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("industry", Text(length=60), nullable=False),
        sa.ForeignKeyConstraint(["exhibitor_id"], ["exhibitor.id"]),
        sa.PrimaryKeyConstraint("exhibitor_id", "industry"),
    )
    op.create_index("ix_booth_industry_industry", "booth_industry", ["industry", "exhibitor_id"])
    bind = op.get_bind()
    for statement in search_index.CREATE[bind.dialect.name]:
        op.execute(statement)
    search_index.reindex_all_sync(bind)


def downgrade() -> None:
    bind = op.get_bind()
    op.execute("DROP TABLE booth_search")
    op.drop_index("ix_booth_industry_industry", table_name="booth_industry")
    op.drop_table("booth_industry")
    del bind
