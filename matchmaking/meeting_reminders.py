"""A `match.reminder` on each party's `account:<id>` topic shortly before their meeting.

The agenda's machinery, shared in the core (expo/reminder_claims.py): a background job in every
server process claims the due meetings with one conditional UPDATE of `Meeting.reminded_at`, so
exactly one process sends each meeting's reminders. Each meeting's two reminders go out in
order: if the broker fails the first, nobody has it and the meeting is given back (reminded_at
cleared) for the next round; if it fails the second, the first person has theirs, so the second
is kept and retried by this process (never resent to the first). A rescheduled meeting has its
claim cleared (a new time, a new reminder).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.models import utcnow
from expo.reminder_claims import Reminders, remind_once
from expo.services import Services
from matchmaking.meeting_views import REMINDER, meeting_view, people_for
from matchmaking.models import MatchSlot, Meeting, MeetingStatus
from matchmaking.topics import account_topic

log = logging.getLogger("matchmaking.reminders")

LEAD = timedelta(minutes=10)  # reminded this long before the slot starts
LATE = timedelta(minutes=5)  # a reminder missed (all processes down) is still sent this late


def _due(at: datetime) -> list[Any]:
    starting = select(MatchSlot.id).where(
        col(MatchSlot.starts_at) <= at + LEAD, col(MatchSlot.starts_at) > at - LATE
    )
    return [
        col(Meeting.reminded_at).is_(None),
        col(Meeting.status) == MeetingStatus.CONFIRMED,
        col(Meeting.slot_id).in_(starting.scalar_subquery()),
    ]


async def _reminders(db: AsyncSession, meeting_ids: list[int]) -> Reminders:
    rows = await db.execute(
        select(Meeting).where(col(Meeting.id).in_(meeting_ids)).order_by(col(Meeting.id))
    )
    meetings = list(rows.scalars().all())
    people = await people_for(db, [], meetings)
    return [
        (
            meeting.id,
            [
                (account_topic(who), REMINDER, {"meeting": meeting_view(meeting, people, who)})
                for who in (meeting.requester_id, meeting.recipient_id)
            ],
        )
        for meeting in meetings
        if meeting.id is not None
    ]


async def remind_due(svc: Services, at: datetime) -> list[int]:
    """Send the reminders due at `at`; returns the meetings whose reminders this process sent."""
    return await remind_once(svc, Meeting, _due, at, _reminders, log)


async def send_reminders(svc: Services) -> None:
    """Every `settings.reminder_interval` seconds, in every process."""
    while True:
        try:
            await remind_due(svc, utcnow())
        except Exception:
            log.exception("meeting reminders failed; trying again next round")
        await asyncio.sleep(svc.settings.reminder_interval)


tasks = [send_reminders]
