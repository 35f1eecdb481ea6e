"""forums: indexes for a room's chat history and a session's questions

Revision ID: 0003_forums
Revises: 0002_forums
Create Date: 2026-11-25 13:25:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_forums"
down_revision: str | Sequence[str] | None = "0002_forums"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_chat_message_forum_id_id", "chat_message", ["forum_id", "id"])
    op.create_index("ix_question_session_id", "question", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_question_session_id", table_name="question")
    op.drop_index("ix_chat_message_forum_id_id", table_name="chat_message")
