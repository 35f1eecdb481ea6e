"""The booth queues in the database: tickets stored before they are acknowledged, their
changes as compare-and-set updates (a ticket is called, answered or ended by exactly one
request, in any number of processes), and the lines read back for a Redis that lost them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from expo.db import stored_id
from expo.models import utcnow
from matchmaking.models import (
    ACTIVE_TICKET,
    BoothQueue,
    MatchSettings,
    MatchSlot,
    Meeting,
    MeetingStatus,
    QueueTicket,
    TicketStatus,
)
from matchmaking.queue_line import Entry, Line

# A meeting booked at the booth counts as an appointment from this long before its slot.
APPOINTMENT_EARLY = timedelta(minutes=10)
# The recent conversations a booth's waiting times are worked out from.
HISTORY = timedelta(hours=2)
HISTORY_ROWS = 50


@dataclass(frozen=True, slots=True)
class QueueSettings:
    call_window: int
    grace: int
    overtake_cap: int


async def queue_settings(db: AsyncSession) -> QueueSettings:
    row = await db.get(MatchSettings, 1)
    if row is None:
        row = MatchSettings()
    return QueueSettings(row.queue_call_window, row.queue_grace, row.queue_overtake_cap)


async def booth_queue(db: AsyncSession, exhibitor_id: int) -> BoothQueue:
    """The booth's queue row; an unsaved default one (open, the default cap) when it has none."""
    row = await db.get(BoothQueue, exhibitor_id)
    return row if row is not None else BoothQueue(exhibitor_id=exhibitor_id)


async def active_ticket(db: AsyncSession, exhibitor_id: int, account_id: int) -> QueueTicket | None:
    rows = await db.execute(
        select(QueueTicket).where(
            col(QueueTicket.exhibitor_id) == exhibitor_id,
            col(QueueTicket.account_id) == account_id,
            col(QueueTicket.active) == 1,
        )
    )
    return rows.scalars().first()


async def blocked_tickets(db: AsyncSession, exhibitor_id: int, people: set[int]) -> set[int]:
    """The waiting tickets at this booth of any of `people`."""
    if not people:
        return set()
    rows = await db.execute(
        select(QueueTicket.id).where(
            col(QueueTicket.exhibitor_id) == exhibitor_id,
            col(QueueTicket.status) == TicketStatus.WAITING,
            col(QueueTicket.account_id).in_(people),
        )
    )
    return {t for t in rows.scalars() if t is not None}


async def live_tickets(db: AsyncSession, account_id: int) -> int:
    rows = await db.execute(
        select(func.count())
        .select_from(QueueTicket)
        .where(col(QueueTicket.account_id) == account_id, col(QueueTicket.active) == 1)
    )
    return int(rows.scalar_one())


async def has_appointment(db: AsyncSession, exhibitor_id: int, account_id: int) -> bool:
    """A confirmed meeting with this exhibitor whose slot is on now (or about to be)."""
    now = utcnow()
    rows = await db.execute(
        select(func.count())
        .select_from(Meeting)
        .join(MatchSlot, col(MatchSlot.id) == col(Meeting.slot_id))
        .where(
            col(Meeting.exhibitor_id) == exhibitor_id,
            col(Meeting.status) == MeetingStatus.CONFIRMED,
            or_(col(Meeting.requester_id) == account_id, col(Meeting.recipient_id) == account_id),
            col(MatchSlot.starts_at) <= now + APPOINTMENT_EARLY,
            col(MatchSlot.ends_at) > now,
        )
    )
    return bool(rows.scalar_one())


async def new_ticket(db: AsyncSession, ticket: QueueTicket) -> tuple[QueueTicket, bool]:
    """Store a new ticket; when the person has a live one at this booth already (another tab,
    another process, at the same moment), that one and False."""
    db.add(ticket)
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        existing = await active_ticket(db, ticket.exhibitor_id, ticket.account_id)
        if existing is None:
            raise
        return existing, False
    await db.refresh(ticket)
    return ticket, True


async def change_ticket(
    db: AsyncSession,
    ticket_id: int,
    expect: tuple[str, ...],
    *,
    where: tuple[Any, ...] = (),
    **values: Any,
) -> QueueTicket | None:
    """Compare and set: the ticket's new values if its status is one of `expect` now (and the
    `where` conditions hold), else nothing changes and None (someone else changed it first).
    Commits."""
    values["version"] = col(QueueTicket.version) + 1
    values.setdefault("updated_at", utcnow())
    if "status" in values and values["status"] not in ACTIVE_TICKET:
        values.setdefault("active", None)
        values.setdefault("ended_at", utcnow())
    if "status" in values and values["status"] not in (TicketStatus.CALLED, TicketStatus.SERVING):
        values.setdefault("caller_live", None)  # the call, if there was one, is over
    result = await db.execute(
        update(QueueTicket)
        .where(col(QueueTicket.id) == ticket_id, col(QueueTicket.status).in_(expect), *where)
        .values(**values)
    )
    await db.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await db.get(QueueTicket, ticket_id, populate_existing=True)


async def set_rank(db: AsyncSession, ticket_id: int, rank: float, passed: tuple[int, ...]) -> bool:
    """The line's rank of a ticket that joined or came back, and the walk-ins an appointment
    passed (they may be passed fewer times after this): stored before the join is answered.
    False, storing nothing, when the ticket no longer waits (called, left or dropped while it
    was being put in line): the caller takes it off the line again."""
    stored = await db.execute(
        update(QueueTicket)
        .where(col(QueueTicket.id) == ticket_id, col(QueueTicket.status) == TicketStatus.WAITING)
        .values(rank=rank)
    )
    if stored.rowcount != 1:  # type: ignore[attr-defined]
        await db.rollback()
        return False
    if passed:
        await db.execute(
            update(QueueTicket)
            .where(col(QueueTicket.id).in_(passed))
            .values(overtaken=col(QueueTicket.overtaken) + 1)
        )
    await db.commit()
    return True


async def line_from_database(db: AsyncSession, exhibitor_id: int) -> Line:
    """The booth's line as the database has it: its waiting tickets by rank (those not yet
    ranked, a join cut short, after them by id). Its generation is new, so pages that knew
    the old line reload their positions."""
    waiting = (
        await db.execute(
            select(QueueTicket)
            .where(
                col(QueueTicket.exhibitor_id) == exhibitor_id,
                col(QueueTicket.status) == TicketStatus.WAITING,
            )
            .order_by(col(QueueTicket.rank).is_(None), col(QueueTicket.rank), col(QueueTicket.id))
        )
    ).scalars()
    top = (
        await db.execute(
            select(func.max(QueueTicket.rank)).where(col(QueueTicket.exhibitor_id) == exhibitor_id)
        )
    ).scalar_one()
    seq = float(int(top or 0))
    entries, returning = [], []
    for ticket in waiting:
        rank = ticket.rank
        if rank is None and ticket.no_shows > 0:
            returning.append(ticket)  # a no-show coming back: behind the next person, below
            continue
        if rank is None:
            seq += 1.0
            rank = seq
        entries.append(Entry(stored_id(ticket), rank, ticket.appointment, ticket.overtaken))
    line = Line(generation=time.time_ns() // 1_000_000, seq=seq, entries=entries)
    for ticket in returning:
        line.requeue(stored_id(ticket), appointment=ticket.appointment, overtaken=ticket.overtaken)
    line.version = 0
    return line


async def unranked(db: AsyncSession, older_than: datetime) -> list[QueueTicket]:
    """Waiting tickets the line never ranked: a process stopped between storing a join (or a
    no-show's return) and ranking it, or Redis refused it."""
    rows = await db.execute(
        select(QueueTicket).where(
            col(QueueTicket.status) == TicketStatus.WAITING,
            col(QueueTicket.rank).is_(None),
            col(QueueTicket.updated_at) < older_than,
        )
    )
    return list(rows.scalars())


async def expired_calls(db: AsyncSession, now: datetime) -> list[QueueTicket]:
    rows = await db.execute(
        select(QueueTicket).where(
            col(QueueTicket.status) == TicketStatus.CALLED, col(QueueTicket.call_deadline) <= now
        )
    )
    return list(rows.scalars())


async def waiting_tickets(db: AsyncSession) -> list[QueueTicket]:
    rows = await db.execute(
        select(QueueTicket).where(col(QueueTicket.status) == TicketStatus.WAITING)
    )
    return list(rows.scalars())


async def open_call_of(db: AsyncSession, exhibitor_id: int, staff_id: int) -> QueueTicket | None:
    """The call this staff member has going (called and not answered yet, or in conversation)."""
    rows = await db.execute(
        select(QueueTicket).where(
            col(QueueTicket.exhibitor_id) == exhibitor_id,
            col(QueueTicket.called_by) == staff_id,
            col(QueueTicket.status).in_((TicketStatus.CALLED, TicketStatus.SERVING)),
        )
    )
    return rows.scalars().first()


# --- many booths at once (the hall's cards: one read for a page of them) ----------------------


async def booth_queues(db: AsyncSession, booths: Sequence[int]) -> dict[int, BoothQueue]:
    """The queue rows of these booths (an unsaved default one for a booth that has none)."""
    rows = await db.execute(select(BoothQueue).where(col(BoothQueue.exhibitor_id).in_(booths)))
    found = {q.exhibitor_id: q for q in rows.scalars()}
    return {b: found.get(b) or BoothQueue(exhibitor_id=b) for b in booths}


async def waiting_counts(db: AsyncSession, booths: Sequence[int]) -> dict[int, int]:
    """How many wait at each of these booths, as the database has it: the length of the line a
    rebuild would load (`line_from_database`)."""
    rows = await db.execute(
        select(QueueTicket.exhibitor_id, func.count())
        .where(
            col(QueueTicket.exhibitor_id).in_(booths),
            col(QueueTicket.status) == TicketStatus.WAITING,
        )
        .group_by(col(QueueTicket.exhibitor_id))
    )
    counts = {b: 0 for b in booths}
    counts.update({booth: n for booth, n in rows.all()})
    return counts


async def live_tickets_at(
    db: AsyncSession, account_id: int, booths: Sequence[int]
) -> list[QueueTicket]:
    """One person's live tickets at any of these booths (at most one a booth)."""
    rows = await db.execute(
        select(QueueTicket).where(
            col(QueueTicket.account_id) == account_id,
            col(QueueTicket.exhibitor_id).in_(booths),
            col(QueueTicket.active) == 1,
        )
    )
    return list(rows.scalars())


async def durations_of(db: AsyncSession, booths: Sequence[int]) -> dict[int, list[float]]:
    """How long each booth's latest conversations took (answered to served), in seconds, in one
    query."""
    rows = await db.execute(
        select(QueueTicket.exhibitor_id, QueueTicket.answered_at, QueueTicket.ended_at)
        .where(
            col(QueueTicket.exhibitor_id).in_(booths),
            col(QueueTicket.status) == TicketStatus.SERVED,
            col(QueueTicket.answered_at).is_not(None),
            col(QueueTicket.ended_at) > utcnow() - HISTORY,
        )
        .order_by(col(QueueTicket.ended_at).desc())
    )
    found: dict[int, list[float]] = {b: [] for b in booths}
    for booth, start, end in rows.all():
        if start and end and len(found[booth]) < HISTORY_ROWS:
            found[booth].append((end - start).total_seconds())
    return found


async def callers_of(db: AsyncSession, booths: Sequence[int]) -> dict[int, set[int]]:
    """Each booth's staff with a call going (called or in conversation): serving the line
    whether or not they switched themselves on duty. One query."""
    rows = await db.execute(
        select(QueueTicket.exhibitor_id, QueueTicket.called_by).where(
            col(QueueTicket.exhibitor_id).in_(booths),
            col(QueueTicket.status).in_((TicketStatus.CALLED, TicketStatus.SERVING)),
        )
    )
    found: dict[int, set[int]] = {b: set() for b in booths}
    for booth, caller in rows.all():
        if caller is not None:
            found[booth].add(caller)
    return found
