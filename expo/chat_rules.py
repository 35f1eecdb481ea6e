"""The rules every chat of the expo follows, with no I/O: a forum room's chat and a booth's
share them (a feature never imports another, so they live in the core).

What a message may hold (`clean_chat_text`), how long a mute or ban lasts (`sanction_until`),
what a person's sanctions in one place leave them (`standing`), how they are refused
(`refuse_sanctioned`: `chat.muted`, and the place's own `<place>.banned`), the chat rate limit
every author spends (`CHAT_RATE`, one budget over all rooms and booths), and slow mode's budget.
Each feature keeps its own tables of messages and sanctions; these rules take any row with a
sanction's `kind`, `until` and `lifted_at`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Literal, Protocol

from expo.errors import BadRequest, Forbidden
from expo.ratelimit import Rate
from expo.text_rules import too_long, without_controls

__all__ = [
    "CHAT_COLUMN",
    "CHAT_RATE",
    "EXPO_TIME",
    "MAX_CHAT_CHARS",
    "MAX_SANCTION_MINUTES",
    "Duration",
    "SanctionKind",
    "SanctionRow",
    "Standing",
    "banned_error",
    "clean_chat_text",
    "clean_reason",
    "muted_error",
    "refuse_sanctioned",
    "sanction_until",
    "slow_mode_key",
    "slow_mode_rate",
    "standing",
]

MAX_CHAT_CHARS = 500  # as people see them (grapheme clusters)
CHAT_COLUMN = 2000  # a chat message's text column holds this many code points
# The settings' rate limit (expo/ratelimit.py) that sending a chat message spends, per account:
# one budget, whichever room or booth the message goes to.
CHAT_RATE = "chat"

# The expo's own clock (Guiyang: China Standard Time, no daylight saving): "the rest of the day"
# ends at midnight there, wherever the moderator or the server happens to be.
EXPO_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
MAX_SANCTION_MINUTES = 7 * 24 * 60

Duration = int | Literal["day"]  # minutes, or until midnight in the expo's time zone


def clean_chat_text(text: str) -> str:
    """Chat text as stored: trimmed, control characters dropped (emoji sequences kept, see
    expo/text_rules.py), bounded; never HTML-escaped here (the page escapes what it shows)."""
    cleaned = without_controls(text, keep="\n\t").strip()
    if not cleaned:
        raise BadRequest("chat.empty", "Write something first.")
    if too_long(cleaned, MAX_CHAT_CHARS, stored=CHAT_COLUMN):
        raise BadRequest("chat.too_long", f"Chat messages are at most {MAX_CHAT_CHARS} characters.")
    return cleaned


def clean_reason(text: str) -> str:
    """A sanction's reason as stored and shown (to staff, and to the person): one line, with
    control and format characters taken out (PostgreSQL cannot even store a NUL), spaces
    collapsed, trimmed."""
    return " ".join(without_controls(text, blank=" ").split())


class SanctionKind(StrEnum):
    MUTE = "mute"  # may watch, may not chat
    BAN = "ban"  # may not follow the place at all


class SanctionRow(Protocol):
    """A stored sanction, as `standing` reads it (a room's, a booth's)."""

    @property
    def kind(self) -> str: ...
    @property
    def until(self) -> datetime: ...
    @property
    def lifted_at(self) -> datetime | None: ...


def sanction_until(now: datetime, duration: Duration) -> datetime:
    """When a sanction given at `now` for `duration` ends."""
    if duration == "day":
        local = now.astimezone(EXPO_TIME)
        midnight = datetime(local.year, local.month, local.day, tzinfo=EXPO_TIME)
        return (midnight + timedelta(days=1)).astimezone(now.tzinfo)
    return now + timedelta(minutes=duration)


@dataclass(frozen=True, slots=True)
class Standing:
    """What someone may do in one place (a room, a booth) now: a ban also mutes."""

    muted_until: datetime | None = None
    banned_until: datetime | None = None

    @property
    def muted(self) -> bool:
        return self.muted_until is not None

    @property
    def banned(self) -> bool:
        return self.banned_until is not None


def standing(sanctions: Iterable[SanctionRow], now: datetime) -> Standing:
    """The standing that a person's sanctions in one place give them at `now` (lifted and
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


def banned_error(standing: Standing, code: str, place: str = "room") -> Forbidden:
    """The refusal of someone banned: `code` names the place (`forum.banned`, `booth.banned`)."""
    until = standing.banned_until.isoformat() if standing.banned_until else None
    return Forbidden(
        code, f"A moderator banned you from this {place} until {until}.", details={"until": until}
    )


def muted_error(standing: Standing, place: str = "room") -> Forbidden:
    until = standing.muted_until.isoformat() if standing.muted_until else None
    return Forbidden(
        "chat.muted",
        f"A moderator muted you in this {place} until {until}.",
        details={"until": until},
    )


def refuse_sanctioned(standing: Standing, banned_code: str, place: str = "room") -> None:
    """A banned person may not chat (nor follow the place); a muted one may only watch."""
    if standing.banned_until is not None:
        raise banned_error(standing, banned_code, place)
    if standing.muted_until is not None:
        raise muted_error(standing, place)


def slow_mode_key(place: int | str, seconds: int, account_id: int) -> str:
    """The shared limiter's key: per place and person, and per setting, so that changing the
    slow mode starts everyone afresh instead of carrying a longer wait over."""
    return f"slow:{place}:{seconds}:{account_id}"


def slow_mode_rate(seconds: int) -> Rate:
    """One message per `seconds`, no burst."""
    return Rate(1, seconds, burst=1)
