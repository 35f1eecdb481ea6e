"""Rules of room moderation, with no I/O: who moderates, how long a sanction lasts, what a
muted or banned person may do, and the slow mode's budget."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from expo.errors import BadRequest
from expo.models import Role
from expo.ratelimit import Rate
from expo.text_rules import too_long, without_controls
from forums.models import RoomSanction, SanctionKind

# The expo's own clock (Guiyang: China Standard Time, no daylight saving): "the rest of the day"
# ends at midnight there, wherever the moderator or the server happens to be.
EXPO_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
MODERATOR_ROLES = frozenset({Role.MODERATOR, Role.ORGANIZER})
MAX_SANCTION_MINUTES = 7 * 24 * 60
MAX_SLOW_MODE_SECONDS = 3600
MAX_ANNOUNCEMENT_CHARS = 500  # Forum.announcement and Announcement.text_* columns

Duration = int | Literal["day"]  # minutes, or until midnight in the expo's time zone


def is_moderator(role: str | None) -> bool:
    """Moderators and organisers moderate every room."""
    return role in MODERATOR_ROLES


def sanction_until(now: datetime, duration: Duration) -> datetime:
    """When a sanction given at `now` for `duration` ends."""
    if duration == "day":
        local = now.astimezone(EXPO_TIME)
        midnight = datetime(local.year, local.month, local.day, tzinfo=EXPO_TIME)
        return (midnight + timedelta(days=1)).astimezone(now.tzinfo)
    return now + timedelta(minutes=duration)


@dataclass(frozen=True, slots=True)
class Standing:
    """What someone may do in one room now: a ban also mutes."""

    muted_until: datetime | None = None
    banned_until: datetime | None = None

    @property
    def muted(self) -> bool:
        return self.muted_until is not None

    @property
    def banned(self) -> bool:
        return self.banned_until is not None


def standing(sanctions: Iterable[RoomSanction], now: datetime) -> Standing:
    """The standing that a person's sanctions in one room give them at `now` (lifted and
    expired ones count for nothing)."""
    muted: datetime | None = None
    banned: datetime | None = None
    for sanction in sanctions:
        if sanction.lifted_at is not None or sanction.until <= now:
            continue
        if sanction.kind == SanctionKind.BAN:
            banned = max(banned or sanction.until, sanction.until)
        muted = max(muted or sanction.until, sanction.until)  # a ban implies a mute
    return Standing(muted_until=muted, banned_until=banned)


def slow_mode_key(forum_id: int, seconds: int, account_id: int) -> str:
    """The shared limiter's key: per room and person, and per setting, so that changing the
    slow mode starts everyone afresh instead of carrying a longer wait over."""
    return f"slow:{forum_id}:{seconds}:{account_id}"


def slow_mode_rate(seconds: int) -> Rate:
    """One message per `seconds`, no burst."""
    return Rate(1, seconds, burst=1)


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


def clean_reason(text: str) -> str:
    """A sanction's reason as stored and shown (to staff, and to the person): one line, with
    control and format characters taken out (PostgreSQL cannot even store a NUL), spaces
    collapsed, trimmed."""
    return " ".join(without_controls(text, blank=" ").split())
