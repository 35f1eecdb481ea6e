"""A `match.reminder` on each party's `account:<id>` topic shortly before their meeting.

The agenda's machinery (forums/agenda.py), reused as it is: a background job in every server
process claims the due meetings with one conditional UPDATE of `Meeting.reminded_at`, so exactly
one process sends each meeting's reminders; what the broker fails is given back (reminded_at
cleared) for the next round. A rescheduled meeting has its claim cleared (a new time, a new
reminder).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.errors import Unavailable
from expo.models import utcnow
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


async def _any_due(db: AsyncSession, at: datetime) -> bool:
    return (await db.execute(select(Meeting.id).where(*_due(at)).limit(1))).first() is not None


async def remind_due(svc: Services, at: datetime) -> list[int]:
    """Send the reminders due at `at`; returns the meetings whose reminders this process sent."""
    async with svc.read() as db:
        if not await _any_due(db, at):  # mostly nothing: a read that takes no write lock
            return []
    try:
        await svc.hub.announcer.ready()
    except Unavailable:
        return []
    async with svc.db() as db:
        claim = update(Meeting).where(*_due(at)).values(reminded_at=at).returning(col(Meeting.id))
        claimed = [i for i in (await db.execute(claim)).scalars() if i is not None]
        await db.commit()
        if not claimed:
            return []
        rows = await db.execute(select(Meeting).where(col(Meeting.id).in_(claimed)))
        meetings = list(rows.scalars().all())
        people = await people_for(db, [], meetings)
    unsent: set[int] = set()
    for meeting in meetings:
        assert meeting.id is not None
        for account_id in (meeting.requester_id, meeting.recipient_id):
            data = {"meeting": meeting_view(meeting, people, account_id)}
            try:
                await svc.hub.publish(account_topic(account_id), REMINDER, data)
            except Unavailable:
                log.warning("meeting reminder not sent; given back", extra={"meeting": meeting.id})
                unsent.add(meeting.id)
                break
    if unsent:
        async with svc.db() as db:
            await db.execute(
                update(Meeting)
                .where(col(Meeting.id).in_(unsent), col(Meeting.reminded_at) == at)
                .values(reminded_at=None)
            )
            await db.commit()
    return [i for i in claimed if i not in unsent]


async def send_reminders(svc: Services) -> None:
    """Every `settings.reminder_interval` seconds, in every process."""
    while True:
        try:
            await remind_due(svc, utcnow())
        except Exception:
            log.exception("meeting reminders failed; trying again next round")
        await asyncio.sleep(svc.settings.reminder_interval)


tasks = [send_reminders]
