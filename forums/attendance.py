"""Who watched which room, and for how long.

Every `attendance_interval` seconds (30: each minute is seen at least once) each process notes
the signed-in people following each room's topic on its sockets as one row per person, room and
minute (`forum_attendance`, whose key is those three: a second tab, a second process or a second
sample in the same minute adds nothing). How long someone watched a session is the number of its
minutes they were seen in. Sampled, not logged per join and leave: a process that dies loses
under a minute, and ten thousand people joining the opening ceremony at once cost nothing until
the next sample, one insert of them all.

The certificates read it through `watched` (certificates/store.py): the opening ceremony (the
main stage's first session) and the longest any one session was followed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.db import DATABASE_FAILURES
from expo.models import utcnow
from expo.services import Services
from forums.models import Attendance, Forum, ForumSession, RoomKind

log = logging.getLogger("expo.forums.attendance")


def on_the_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def sample(followers: Mapping[str, set[int]], at: datetime) -> list[dict[str, Any]]:
    """The rows of one sample: who follows which room (by the topic's key) at `at`."""
    minute = on_the_minute(at)
    return [
        {"account_id": account, "forum_id": int(key), "minute": minute}
        for key, accounts in followers.items()
        if key.isdigit()
        for account in sorted(accounts)
    ]


async def record(svc: Services, at: datetime) -> int:
    """Store one sample of this process's sockets; returns the rows offered."""
    rows = sample(svc.gateway.followers("forum"), at)
    if not rows:
        return 0
    async with svc.db() as db:
        dialect = postgresql if svc.engine.dialect.name == "postgresql" else sqlite
        await db.execute(dialect.insert(Attendance).on_conflict_do_nothing(), rows)
        await db.commit()
    return len(rows)


async def sample_attendance(svc: Services) -> None:
    """Every `settings.attendance_interval` seconds, in every process."""
    while True:
        await asyncio.sleep(svc.settings.attendance_interval)
        try:
            await record(svc, utcnow())
        except DATABASE_FAILURES as error:  # the next sample tries again: a minute is lost
            log.warning("attendance sample not stored", extra={"error": str(error)})


tasks = [sample_attendance]


@dataclass(frozen=True, slots=True)
class Watched:
    opening_minutes: int  # of the main stage's first session (the opening ceremony)
    best_session_minutes: int  # of the session this person followed longest


async def watched(db: AsyncSession, account_id: int) -> Watched:
    """Minutes `account_id` was seen following sessions while they ran."""
    in_session = and_(
        col(ForumSession.forum_id) == col(Attendance.forum_id),
        col(Attendance.minute) >= col(ForumSession.starts_at),
        col(Attendance.minute) < col(ForumSession.ends_at),
    )
    rows = await db.execute(
        select(col(ForumSession.id), func.count())
        .select_from(Attendance)
        .join(ForumSession, in_session)
        .where(col(Attendance.account_id) == account_id)
        .group_by(col(ForumSession.id))
    )
    minutes = {session: count for session, count in rows.all()}
    opening = await db.scalar(
        select(col(ForumSession.id))
        .join(Forum, col(Forum.id) == col(ForumSession.forum_id))
        .where(col(Forum.kind) == RoomKind.STAGE)
        .order_by(col(ForumSession.starts_at), col(ForumSession.id))
        .limit(1)
    )
    return Watched(
        opening_minutes=minutes.get(opening, 0) if opening is not None else 0,
        best_session_minutes=max(minutes.values(), default=0),
    )
