"""Rules of the programme and the personal agenda, with no I/O: what a session may say, how a
refused change is explained, when a reminder is due.

(Where sessions may go at all is `forums.domain.schedule_conflicts`; what a room is doing,
`forums.domain.room_status`.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from expo.errors import BadRequest, Conflict
from expo.models import Role
from expo.text_rules import without_controls
from forums.domain import ScheduleConflict

# A session is at most this long: longer is a typo in a date, not a talk.
LONGEST_SESSION = timedelta(hours=24)
# Reminders go out for sessions that started at most this long ago (a process that was down
# at the start still sends them a little late; never hours late).
REMINDER_LATE = timedelta(minutes=10)
# Who may be a session's speaker or moderator, when named by account.
PEOPLE_ROLES = frozenset({Role.SPEAKER, Role.MODERATOR, Role.ORGANIZER})


def clean_line(text: str, *, field: str, required: bool = True) -> str:
    """A one-line text as stored: control and format characters dropped (emoji sequences kept,
    see expo/text_rules.py), spaces collapsed."""
    cleaned = " ".join(without_controls(text, blank=" ").split())
    if required and not cleaned:
        raise BadRequest("programme.empty", f"The {field} is empty.", details={"field": field})
    return cleaned


def clean_text(text: str) -> str:
    """A multi-line text (an abstract) as stored: line breaks kept, other controls dropped."""
    lines = (
        without_controls(line)
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    return "\n".join(line.rstrip() for line in lines).strip()


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    """A session ends after it starts, and within LONGEST_SESSION."""
    if ends_at <= starts_at:
        raise BadRequest("schedule.bad_times", "A session must end after it starts.")
    if ends_at - starts_at > LONGEST_SESSION:
        raise BadRequest(
            "schedule.bad_times",
            f"A session lasts at most {LONGEST_SESSION.total_seconds() / 3600:.0f} hours.",
        )


def check_person_role(account_id: int, role: str | None) -> None:
    """Only speakers, moderators and organisers may be people of a session by account."""
    if role is None:
        raise BadRequest(
            "programme.unknown_person",
            f"There is no account {account_id}.",
            details={"account_id": account_id},
        )
    if role not in PEOPLE_ROLES:
        raise BadRequest(
            "programme.not_a_speaker",
            f"Account {account_id} is a {role}: only speakers, moderators and organisers "
            "can be on the programme (or name the person without an account).",
            details={"account_id": account_id},
        )


@dataclass(frozen=True, slots=True)
class OtherSession:
    """The session a change collides with, as the refusal names it."""

    id: int
    forum_id: int
    title_zh: str
    title_en: str
    starts_at: datetime
    ends_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "forum_id": self.forum_id,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
        }


def refusal(
    conflicts: Sequence[ScheduleConflict],
    others: Mapping[int, OtherSession],
    names: Mapping[int, str],
) -> Conflict | BadRequest:
    """The error that refuses a change for its first conflict, naming the other session (and
    the person) so an organiser can fix it; every conflict is in `details.conflicts`."""
    first = conflicts[0]
    if first.reason == "schedule.bad_times":
        return BadRequest("schedule.bad_times", "A session must end after it starts.")
    listed = [_conflict_dict(c, others, names) for c in conflicts]
    other = others.get(first.other_session_id) if first.other_session_id is not None else None
    when = f" ({other.starts_at:%H:%M}–{other.ends_at:%H:%M} UTC)" if other is not None else ""
    title = f"“{other.title_en}”{when}" if other is not None else "another session"
    if first.reason == "schedule.person_busy":
        person = _name(first, names)
        message = f"{person} is in {title} at that time."
    else:
        message = f"The room is taken: {title} is on at that time."
    return Conflict(first.reason, message, details=listed[0] | {"conflicts": listed})


def _conflict_dict(
    conflict: ScheduleConflict, others: Mapping[int, OtherSession], names: Mapping[int, str]
) -> dict[str, Any]:
    other = others.get(conflict.other_session_id) if conflict.other_session_id else None
    person = None
    if conflict.person_id is not None or conflict.person_name is not None:
        person = {"account_id": conflict.person_id, "name": _name(conflict, names)}
    return {
        "reason": conflict.reason,
        "session": other.as_dict() if other is not None else None,
        "person": person,
    }


def _name(conflict: ScheduleConflict, names: Mapping[int, str]) -> str:
    """The busy person as the refused session names them (an account by its display name)."""
    if conflict.person_id is not None and conflict.person_id in names:
        return names[conflict.person_id]
    if conflict.person_name:
        return conflict.person_name
    return f"account {conflict.person_id}"


def reminder_due(starts_at: datetime, at: datetime) -> bool:
    """A starred session's reminder is due from its start until REMINDER_LATE after it."""
    return at - REMINDER_LATE < starts_at <= at
