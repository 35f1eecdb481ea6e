"""Rules of the forum rooms, with no I/O."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from expo.errors import BadRequest
from forums.models import ForumSession

MAX_CHAT_CHARS = 500


def now_and_next(
    sessions: Sequence[ForumSession], at: datetime
) -> tuple[ForumSession | None, ForumSession | None]:
    """The session running at `at` and the first one starting after it (sessions sorted)."""
    current = next((s for s in sessions if s.starts_at <= at < s.ends_at), None)
    upcoming = next((s for s in sessions if s.starts_at > at), None)
    return current, upcoming


def clean_chat_text(text: str) -> str:
    """Chat text as stored: trimmed, control characters dropped, bounded; never HTML-escaped
    here (the page escapes what it shows)."""
    cleaned = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    ).strip()
    if not cleaned:
        raise BadRequest("chat.empty", "Write something first.")
    if len(cleaned) > MAX_CHAT_CHARS:
        raise BadRequest("chat.too_long", f"Chat messages are at most {MAX_CHAT_CHARS} characters.")
    return cleaned


def forum_topic(forum_id: int) -> str:
    return f"forum:{forum_id}"
