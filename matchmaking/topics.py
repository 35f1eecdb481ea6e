"""Matchmaking's topics, and who may follow each.

- `meeting:<meeting id>`: the meeting room (its private chat, the video call's signalling, the
  meeting's changes); only its two people may follow it. Not even organisers.
- `match-organisers:all`: organisers only: the dashboard's live figures and the scheduler's
  progress.
- A participant's own notices (a request received, accepted, a meeting placed, moved, cancelled,
  a reminder) go to the core's `account:<id>` topic, which only that account may follow:
  `account_topic` below.
"""

from __future__ import annotations

from expo.errors import Forbidden, NotFound, Unauthorized
from expo.models import Role
from expo.realtime.gateway import CommandContext
from matchmaking.access import load_meeting, unknown_meeting
from matchmaking.blocks import blocked_between

MEETING = "meeting"
ORGANISERS = "match-organisers"
ORGANISERS_TOPIC = "match-organisers:all"


def meeting_topic(meeting_id: int) -> str:
    return f"{MEETING}:{meeting_id}"


def account_topic(account_id: int) -> str:
    return f"account:{account_id}"


def _meeting_key(key: str) -> int:
    if not key.isdigit() or not 0 < int(key) < 2**31:
        raise NotFound("match.unknown_meeting", f"There is no meeting {key}.")
    return int(key)


async def meeting_guard(ctx: CommandContext, key: str) -> None:
    """The meeting's two people only."""
    who = ctx.principal
    if who is None:
        raise Unauthorized()
    meeting = await load_meeting(ctx.services, _meeting_key(key))
    if not meeting.has_party(who.account_id):
        raise Forbidden(message="Only the meeting's two people may follow it.")
    other = meeting.recipient_id if who.account_id == meeting.requester_id else meeting.requester_id
    async with ctx.services.read() as db:
        if await blocked_between(db, who.account_id, other):  # as if it were gone
            raise unknown_meeting(meeting.meeting_id)


async def organisers_guard(ctx: CommandContext, key: str) -> None:
    if key != "all":
        raise NotFound("topic.unknown", f"There is no matchmaking topic {key}.")
    who = ctx.principal
    if who is None:
        raise Unauthorized()
    if who.role != Role.ORGANIZER:
        raise Forbidden(message="Only organisers follow this.")


topics = {MEETING: meeting_guard, ORGANISERS: organisers_guard}
