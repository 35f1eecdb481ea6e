"""Rules of room moderation, with no I/O: who moderates, what an announcement may hold. How long
a sanction lasts, what a muted or banned person may do and the slow mode's budget are every
chat's rules, the core's (expo/chat_rules.py): booths' chats follow them too."""

from __future__ import annotations

from expo.chat_rules import EXPO_TIME as EXPO_TIME
from expo.chat_rules import MAX_SANCTION_MINUTES as MAX_SANCTION_MINUTES
from expo.chat_rules import Duration as Duration
from expo.chat_rules import Standing as Standing
from expo.chat_rules import clean_reason as clean_reason
from expo.chat_rules import sanction_until as sanction_until
from expo.chat_rules import slow_mode_key as slow_mode_key
from expo.chat_rules import slow_mode_rate as slow_mode_rate
from expo.chat_rules import standing as standing
from expo.errors import BadRequest
from expo.models import Role
from expo.text_rules import too_long, without_controls

MODERATOR_ROLES = frozenset({Role.MODERATOR, Role.ORGANIZER})
MAX_SLOW_MODE_SECONDS = 3600
MAX_ANNOUNCEMENT_CHARS = 500  # Forum.announcement and Announcement.text_* columns


def is_moderator(role: str | None) -> bool:
    """Moderators and organisers moderate every room."""
    return role in MODERATOR_ROLES


def clean_announcement(text: str) -> str:
    """Announcement text as stored: trimmed, control characters dropped (newlines and emoji
    sequences stay), bounded; "" when nothing is left."""
    cleaned = without_controls(text, keep="\n").strip()
    # As people see them, and within the columns, which count code points.
    if too_long(cleaned, MAX_ANNOUNCEMENT_CHARS, stored=MAX_ANNOUNCEMENT_CHARS):
        raise BadRequest(
            "announcement.too_long",
            f"Announcements are at most {MAX_ANNOUNCEMENT_CHARS} characters.",
        )
    return cleaned
