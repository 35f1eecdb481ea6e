"""What the control room (control/) may read of matchmaking, and nothing more: the booth queues'
lengths and longest waits, and the meetings on now. Read from the database, which holds every
ticket first (the lines in Redis follow it), so every process reads the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from matchmaking.models import (
    BoothQueue,
    MatchSlot,
    Meeting,
    MeetingStatus,
    QueueState,
    QueueTicket,
    TicketStatus,
)

__all__ = ["QueueFigure", "QueueTotals", "meetings_now", "queue_figures"]


@dataclass(frozen=True, slots=True)
class QueueFigure:
    exhibitor_id: int
    length: int  # tickets waiting
    waiting_since: datetime  # the longest-waiting ticket's join
    state: str  # open | paused | closed


@dataclass(frozen=True, slots=True)
class QueueTotals:
    people: int  # waiting in every line
    queues: int  # lines with someone waiting
    longest: list[QueueFigure]  # the `top` longest waits, longest first


async def queue_figures(db: AsyncSession, top: int = 10) -> QueueTotals:
    """Every line with someone waiting, summed, and the `top` whose first waited longest."""
    first = func.min(QueueTicket.joined_at)
    rows = (
        await db.execute(
            select(col(QueueTicket.exhibitor_id), func.count(), first)
            .where(col(QueueTicket.status) == TicketStatus.WAITING)
            .group_by(col(QueueTicket.exhibitor_id))
            .order_by(first, col(QueueTicket.exhibitor_id))
        )
    ).all()
    longest = rows[:top]
    ids = [int(r[0]) for r in longest]
    states = {}
    if ids:
        found = await db.execute(
            select(col(BoothQueue.exhibitor_id), col(BoothQueue.state)).where(
                col(BoothQueue.exhibitor_id).in_(ids)
            )
        )
        states = {int(e): str(s) for e, s in found.all()}
    return QueueTotals(
        people=sum(int(r[1]) for r in rows),
        queues=len(rows),
        longest=[
            QueueFigure(int(e), int(n), since, states.get(int(e), QueueState.OPEN.value))
            for e, n, since in longest
        ],
    )


async def meetings_now(db: AsyncSession, now: datetime) -> int:
    """Confirmed meetings whose slot is on at `now`."""
    found = await db.execute(
        select(func.count())
        .select_from(Meeting)
        .join(MatchSlot, col(MatchSlot.id) == col(Meeting.slot_id))
        .where(
            col(Meeting.status) == MeetingStatus.CONFIRMED,
            col(MatchSlot.starts_at) <= now,
            col(MatchSlot.ends_at) > now,
        )
    )
    return int(found.scalar_one())
