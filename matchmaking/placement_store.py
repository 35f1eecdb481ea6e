"""Placing an accepted request in a slot, in the caller's transaction.

`place(db, request)` inserts the meeting and the rows that hold its slot (a place per person,
a seat of the exhibitor) in the earliest common free slot. The rules (meeting_rules.placements)
say what to try; the database decides: its keys refuse a second meeting of a person in a slot
and a seat taken twice, so of any number of placements racing for the last seat (in any number
of processes, on SQLite or PostgreSQL) exactly one gets in. A loser's insert fails inside a
savepoint, which is rolled back, and the next (slot, seat) is tried.

Rows are inserted in one order (the meeting, the places by account, then the seat), so two
placements never wait for each other in a cycle (no deadlock on PostgreSQL).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.db import stored_id
from expo.models import utcnow
from matchmaking.meeting_rules import Slot, free_seats, placements
from matchmaking.models import (
    ExhibitorSeats,
    MatchAvailability,
    MatchBlock,
    MatchSlot,
    Meeting,
    MeetingPlace,
    MeetingRequest,
    MeetingSeat,
    MeetingStatus,
    RequestStatus,
)
from matchmaking.organiser_settings import all_slots, match_settings, seats_of

REPAIR_CANDIDATES = 200  # accepted-but-unplaced requests looked at per freed seat


async def slots(db: AsyncSession) -> list[Slot]:
    return [Slot(stored_id(s), s.starts_at, s.ends_at) for s in await all_slots(db)]


async def availability(db: AsyncSession, account_id: int) -> set[int]:
    rows = await db.execute(
        select(MatchAvailability.slot_id).where(col(MatchAvailability.account_id) == account_id)
    )
    return set(rows.scalars())


async def busy_slots(db: AsyncSession, account_ids: list[int]) -> set[int]:
    rows = await db.execute(
        select(MeetingPlace.slot_id).where(col(MeetingPlace.account_id).in_(account_ids))
    )
    return set(rows.scalars())


async def seats_taken(db: AsyncSession, exhibitor_id: int) -> dict[int, set[int]]:
    rows = await db.execute(
        select(MeetingSeat.slot_id, MeetingSeat.seat).where(
            col(MeetingSeat.exhibitor_id) == exhibitor_id
        )
    )
    taken: dict[int, set[int]] = defaultdict(set)
    for slot_id, seat in rows.all():
        taken[slot_id].add(seat)
    return taken


async def insert_rows(db: AsyncSession, meeting: Meeting) -> bool:
    """The meeting and its place and seat rows, inside a savepoint: False (nothing kept) when
    the database refuses one (someone took the place or the seat meanwhile). The one insert of
    a meeting: accept, repair and the scheduler (scheduler_store.write) all go through it."""
    try:
        async with db.begin_nested():
            db.add(meeting)
            await db.flush()
            meeting_id = stored_id(meeting)
            for account_id in sorted((meeting.requester_id, meeting.recipient_id)):
                db.add(
                    MeetingPlace(
                        account_id=account_id, slot_id=meeting.slot_id, meeting_id=meeting_id
                    )
                )
            await db.flush()
            if meeting.exhibitor_id is not None and meeting.seat is not None:
                db.add(
                    MeetingSeat(
                        exhibitor_id=meeting.exhibitor_id,
                        slot_id=meeting.slot_id,
                        seat=meeting.seat,
                        meeting_id=meeting_id,
                    )
                )
                await db.flush()
        return True
    except IntegrityError:
        return False


async def place(
    db: AsyncSession,
    request: MeetingRequest,
    *,
    placed_by: str = "accept",
    only_slot: int | None = None,
    now: datetime | None = None,
) -> Meeting | None:
    """Place the accepted `request` in the earliest common free slot with a free seat (or in
    `only_slot`); None when there is none. Nothing is committed: the caller does."""
    now = now or utcnow()
    parties = [request.requester_id, request.recipient_id]
    exhibitor_id = request.exhibitor_id
    seats = None if exhibitor_id is None else await seats_of(db, exhibitor_id)
    taken = {} if exhibitor_id is None else await seats_taken(db, exhibitor_id)
    tries = placements(
        await slots(db),
        now,
        available=[await availability(db, a) for a in parties],
        busy=await busy_slots(db, parties),
        seats=seats,
        seats_taken=taken,
        only_slot=only_slot,
    )
    for slot_id, seat in tries:
        meeting = Meeting(
            request_id=stored_id(request),
            requester_id=request.requester_id,
            recipient_id=request.recipient_id,
            exhibitor_id=exhibitor_id,
            slot_id=slot_id,
            seat=seat,
            placed_by=placed_by,
        )
        if await insert_rows(db, meeting):
            return meeting
    return None


class _NoRoom(Exception):
    """Every seat of the new slot is taken: the whole move is rolled back."""


async def move(db: AsyncSession, meeting: Meeting, slot_id: int, seats: int | None) -> bool:
    """Move a confirmed meeting to `slot_id` (its places and seat), in the caller's transaction:
    False, with nothing changed, when a person or every seat there is taken."""
    meeting_id = stored_id(meeting)
    try:
        async with db.begin_nested():
            await free_rows(db, meeting_id)
            for account_id in sorted((meeting.requester_id, meeting.recipient_id)):
                db.add(MeetingPlace(account_id=account_id, slot_id=slot_id, meeting_id=meeting_id))
            await db.flush()
            seat = None
            if meeting.exhibitor_id is not None and seats is not None:
                seat = await _take_a_seat(db, meeting.exhibitor_id, slot_id, seats, meeting_id)
    except (IntegrityError, _NoRoom):
        return False
    meeting.slot_id, meeting.seat = slot_id, seat
    return True


async def _take_a_seat(
    db: AsyncSession, exhibitor_id: int, slot_id: int, seats: int, meeting_id: int
) -> int:
    taken = (await seats_taken(db, exhibitor_id)).get(slot_id, set())
    for seat in range(seats):
        if seat in taken:
            continue
        try:
            async with db.begin_nested():
                db.add(
                    MeetingSeat(
                        exhibitor_id=exhibitor_id, slot_id=slot_id, seat=seat, meeting_id=meeting_id
                    )
                )
                await db.flush()
        except IntegrityError:
            continue  # taken meanwhile: the next one
        return seat
    raise _NoRoom()


async def free_rows(db: AsyncSession, meeting_id: int) -> None:
    """Give back the meeting's places and seat (a cancellation, a move)."""
    await db.execute(delete(MeetingSeat).where(col(MeetingSeat.meeting_id) == meeting_id))
    await db.execute(delete(MeetingPlace).where(col(MeetingPlace.meeting_id) == meeting_id))
    await db.flush()


def blocked_pair(requester: Any, recipient: Any) -> ColumnElement[bool]:
    """SQL: either of the two blocked the other (matchmaking/blocks.py, as a condition)."""
    return exists().where(
        or_(
            (col(MatchBlock.account_id) == requester) & (col(MatchBlock.blocked_id) == recipient),
            (col(MatchBlock.account_id) == recipient) & (col(MatchBlock.blocked_id) == requester),
        )
    )


async def repair(
    db: AsyncSession,
    slot_id: int,
    exhibitor_id: int | None,
    people: list[int],
    *,
    now: datetime | None = None,
) -> list[Meeting]:
    """Offer what a cancelled (or moved) meeting freed in `slot_id` (a seat of `exhibitor_id`,
    the places of `people`) to accepted requests still waiting for a slot, oldest answer first;
    returns the meetings placed (untouched meetings never move).

    It runs under the cancel's locks, so it is kept to a few queries whatever the backlog: the
    database picks only candidates that can take this slot (both people available in it and
    free in it, not blocked either way), the slot and the seats are read once, and each
    candidate costs one savepoint insert."""
    slot = await db.get(MatchSlot, slot_id)
    if slot is None or slot.starts_at <= (now or utcnow()):
        return []
    placed_requests = exists().where(col(Meeting.request_id) == MeetingRequest.id)
    concerned: list[ColumnElement[bool]] = [
        col(MeetingRequest.requester_id).in_(people),
        col(MeetingRequest.recipient_id).in_(people),
    ]
    if exhibitor_id is not None:
        concerned.append(col(MeetingRequest.exhibitor_id) == exhibitor_id)

    def available(person: Any) -> ColumnElement[bool]:
        return exists().where(
            col(MatchAvailability.account_id) == person, col(MatchAvailability.slot_id) == slot_id
        )

    def busy(person: Any) -> ColumnElement[bool]:
        return exists().where(
            col(MeetingPlace.account_id) == person, col(MeetingPlace.slot_id) == slot_id
        )

    requester, recipient = col(MeetingRequest.requester_id), col(MeetingRequest.recipient_id)
    waiting = await db.execute(
        select(MeetingRequest)
        .where(
            col(MeetingRequest.status) == RequestStatus.ACCEPTED,
            ~placed_requests,
            or_(*concerned),
            available(requester),
            available(recipient),
            ~busy(requester),
            ~busy(recipient),
            # A block racing this repair must not end in a meeting (they never see each other).
            ~blocked_pair(requester, recipient),
        )
        .order_by(col(MeetingRequest.answered_at), col(MeetingRequest.id))
        .limit(REPAIR_CANDIDATES)
        # Locked while placed, so a withdrawal at the same moment waits and then finds the
        # meeting (PostgreSQL; SQLite writes one at a time); one being withdrawn is skipped.
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    candidates = list(waiting.scalars().all())
    if not candidates:
        return []
    exhibitors = {r.exhibitor_id for r in candidates if r.exhibitor_id is not None}
    seats: dict[int, int] = {}
    taken: dict[int, set[int]] = defaultdict(set)
    if exhibitors:
        default = (await match_settings(db)).default_seats
        own = await db.execute(
            select(ExhibitorSeats).where(col(ExhibitorSeats.exhibitor_id).in_(exhibitors))
        )
        seats = {e: default for e in exhibitors} | {s.exhibitor_id: s.seats for s in own.scalars()}
        rows = await db.execute(
            select(MeetingSeat.exhibitor_id, MeetingSeat.seat).where(
                col(MeetingSeat.exhibitor_id).in_(exhibitors), col(MeetingSeat.slot_id) == slot_id
            )
        )
        for e, number in rows.all():
            taken[e].add(number)
    busy_now: set[int] = set()  # people this repair placed in the slot
    placed = []
    for request in candidates:
        parties = {request.requester_id, request.recipient_id}
        if parties & busy_now:
            continue
        seat: int | None = None
        if request.exhibitor_id is not None:
            free = free_seats(taken[request.exhibitor_id], seats[request.exhibitor_id])
            if not free:
                continue
            seat = free[0]
        meeting = Meeting(
            request_id=stored_id(request),
            requester_id=request.requester_id,
            recipient_id=request.recipient_id,
            exhibitor_id=request.exhibitor_id,
            slot_id=slot_id,
            seat=seat,
            placed_by="repair",
        )
        if await insert_rows(db, meeting):
            placed.append(meeting)
            busy_now |= parties
            if seat is not None and request.exhibitor_id is not None:
                taken[request.exhibitor_id].add(seat)
    return placed


def is_confirmed(meeting: Meeting) -> bool:
    return meeting.status == MeetingStatus.CONFIRMED
