"""Requests and meetings, changed in one transaction each and announced after it commits.

Each function checks what the rules (meeting_rules.py) say against what is stored, changes the
rows, commits, and hands back what to answer and what to announce; the handlers (meetings.py)
publish the announcements. Who may act on which request or meeting is decided before any of
this runs (matchmaking/access.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.db import stored_id
from expo.errors import BadRequest, Conflict, Forbidden
from expo.models import Account, utcnow
from expo.security import Principal
from expo.services import Services
from matchmaking import placement_store
from matchmaking.access import unknown_meeting, unknown_request
from matchmaking.blocks import blocked_between, unseen_by
from matchmaking.meeting_rules import (
    Party,
    check_request,
    clean_note,
    may_withdraw,
    seat_holder,
    unknown_profile,
)
from matchmaking.meeting_views import (
    Announcement,
    People,
    dashboard_event,
    meeting_events,
    meeting_view,
    people_for,
    request_events,
    request_view,
)
from matchmaking.models import (
    MatchAvailability,
    MatchBlock,
    MatchProfile,
    MatchSlot,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    RequestStatus,
)
from matchmaking.organiser_settings import match_settings, seats_of

OPEN = (RequestStatus.PENDING, RequestStatus.ACCEPTED)
NO_COMMON_SLOT = "match.no_common_slot"


@dataclass
class Outcome:
    """What a change answers, and what it announces once it is stored."""

    reply: dict[str, Any]
    events: list[Announcement] = field(default_factory=list)


def _party(account: Account) -> Party:
    return Party(stored_id(account), account.role, account.exhibitor_id)


async def _locked_request(db: AsyncSession, request_id: int) -> MeetingRequest:
    query = (
        select(MeetingRequest)
        .where(col(MeetingRequest.id) == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = (await db.execute(query)).scalars().first()
    if row is None:
        raise unknown_request(request_id)
    return row


async def _locked_meeting(db: AsyncSession, meeting_id: int) -> Meeting:
    query = (
        select(Meeting)
        .where(col(Meeting.id) == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = (await db.execute(query)).scalars().first()
    if row is None:
        raise unknown_meeting(meeting_id)
    return row


async def meeting_of_request(db: AsyncSession, request_id: int) -> Meeting | None:
    found = await db.execute(select(Meeting).where(col(Meeting.request_id) == request_id))
    return found.scalars().first()


async def _open_between(db: AsyncSession, one: int, other: int) -> bool:
    pair = or_(
        (col(MeetingRequest.requester_id) == one) & (col(MeetingRequest.recipient_id) == other),
        (col(MeetingRequest.requester_id) == other) & (col(MeetingRequest.recipient_id) == one),
    )
    found = await db.execute(
        select(MeetingRequest.id).where(pair, col(MeetingRequest.status).in_(OPEN)).limit(1)
    )
    return found.first() is not None


async def pending_sent(db: AsyncSession, account_id: int) -> int:
    """What the cap counts: requests `account_id` sent that still wait for an answer. One to
    someone blocked either way does not count (a block cancels them; this keeps a row left
    from before, which the page no longer shows, from holding a place)."""
    blocked = exists().where(
        or_(
            (col(MatchBlock.account_id) == MeetingRequest.requester_id)
            & (col(MatchBlock.blocked_id) == MeetingRequest.recipient_id),
            (col(MatchBlock.account_id) == MeetingRequest.recipient_id)
            & (col(MatchBlock.blocked_id) == MeetingRequest.requester_id),
        )
    )
    found = await db.execute(
        select(func.count())
        .select_from(MeetingRequest)
        .where(
            col(MeetingRequest.requester_id) == account_id,
            col(MeetingRequest.status) == RequestStatus.PENDING,
            ~blocked,
        )
    )
    return int(found.scalar_one())


def _bump(row: MeetingRequest | Meeting) -> None:
    row.version += 1
    if isinstance(row, Meeting):
        row.updated_at = utcnow()


# --- requests ----------------------------------------------------------------------------------


async def send_request(svc: Services, who: Principal, recipient_id: int, note: str) -> Outcome:
    note = clean_note(note)
    async with svc.db() as db:
        # The two accounts locked (PostgreSQL; SQLite writes one at a time anyway), in one
        # order: two requests between them, or two of one person's against the cap, are serial.
        ids = sorted({who.account_id, recipient_id})
        rows = await db.execute(
            select(Account)
            .where(col(Account.id).in_(ids))
            .order_by(col(Account.id))
            .with_for_update()
        )
        accounts = {stored_id(a): a for a in rows.scalars()}
        requester = accounts[who.account_id]
        profile = await db.get(MatchProfile, recipient_id)
        recipient = accounts.get(recipient_id)
        visible = (
            profile is not None
            and profile.visible
            and recipient is not None
            and recipient.disabled_at is None
        )
        check_request(
            who.account_id,
            recipient_id,
            recipient_visible=visible,
            blocked=await blocked_between(db, who.account_id, recipient_id),
            open_between=await _open_between(db, who.account_id, recipient_id),
            pending_sent=await pending_sent(db, who.account_id),
            cap=(await match_settings(db)).open_request_cap,
        )
        assert recipient is not None
        row = MeetingRequest(
            requester_id=who.account_id,
            recipient_id=recipient_id,
            exhibitor_id=seat_holder(_party(requester), _party(recipient)),
            note=note,
        )
        db.add(row)
        await db.flush()
        people = await people_for(db, [row])
        await db.commit()
    view = request_view(row, people)
    return Outcome({"request": view}, [*request_events(row, people), dashboard_event()])


async def accept(svc: Services, who: Principal, request_id: int) -> Outcome:
    """Accept and place at once, in one transaction: the earliest common free slot with a free
    seat, or none (the request stays accepted, for the organisers' scheduler)."""
    async with svc.db() as db:
        row = await _locked_request(db, request_id)
        if row.status != RequestStatus.PENDING:
            raise Conflict("match.not_pending", f"This request is {row.status}, not waiting.")
        if await blocked_between(db, row.requester_id, row.recipient_id):
            raise unknown_profile(row.requester_id)
        row.status, row.answered_at = RequestStatus.ACCEPTED, utcnow()
        _bump(row)
        db.add(row)
        await db.flush()
        meeting = await placement_store.place(db, row)
        people = await people_for(db, [row], [meeting] if meeting else [])
        await db.commit()
    reply: dict[str, Any] = {
        "request": request_view(row, people, meeting),
        "placed": meeting is not None,
    }
    events = request_events(row, people, meeting)
    if meeting is not None:
        reply["meeting"] = meeting_view(meeting, people, who.account_id)
        events += meeting_events(meeting, people)
    else:
        reply["reason"] = {
            "code": NO_COMMON_SLOT,
            "message": "You two have no common free slot with a free seat now; the organisers' "
            "scheduler will place this meeting.",
        }
    return Outcome(reply, [*events, dashboard_event()])


async def _close_request(
    svc: Services,
    request_id: int,
    status: str,
    *,
    allowed: Callable[[MeetingRequest, bool], bool],
    refusal: str,
) -> Outcome:
    async with svc.db() as db:
        row = await _locked_request(db, request_id)
        placed = await meeting_of_request(db, request_id) is not None
        if not allowed(row, placed):
            raise Conflict(refusal, f"This request is {row.status}; it cannot be {status} now.")
        row.status, row.answered_at = status, row.answered_at or utcnow()
        _bump(row)
        db.add(row)
        await db.flush()
        people = await people_for(db, [row])
        await db.commit()
    return Outcome(
        {"request": request_view(row, people)}, [*request_events(row, people), dashboard_event()]
    )


async def decline(svc: Services, request_id: int) -> Outcome:
    return await _close_request(
        svc,
        request_id,
        RequestStatus.DECLINED,
        allowed=lambda row, _placed: row.status == RequestStatus.PENDING,
        refusal="match.not_pending",
    )


async def withdraw(svc: Services, who: Principal, request_id: int) -> Outcome:
    """The requester: pending, or accepted and waiting for a slot; the recipient: accepted and
    waiting for a slot only (a pending one they decline: 403, as before this was allowed them).
    Either of the two passed the permission check (PARTY_TO_REQUEST)."""

    def allowed(row: MeetingRequest, placed: bool) -> bool:
        by_requester = who.account_id == row.requester_id
        if not by_requester and row.status == RequestStatus.PENDING:
            # Not theirs to take back: refused as the permission table refuses (403).
            raise Forbidden(message="A request waiting for your answer is declined, not withdrawn.")
        return may_withdraw(row.status, placed, by_requester=by_requester)

    return await _close_request(
        svc, request_id, RequestStatus.CANCELLED, allowed=allowed, refusal="match.not_open"
    )


# --- meetings ----------------------------------------------------------------------------------


def _confirmed(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.CONFIRMED:
        raise Conflict("match.meeting_cancelled", "This meeting was cancelled.")


async def _repaired(
    db: AsyncSession, slot_id: int, exhibitor_id: int | None, people_ids: list[int]
) -> list[Meeting]:
    return await placement_store.repair(db, slot_id, exhibitor_id, people_ids)


async def _announce_repairs(db: AsyncSession, placed: list[Meeting]) -> list[Announcement]:
    events: list[Announcement] = []
    for meeting in placed:
        request = await db.get(MeetingRequest, meeting.request_id)
        assert request is not None
        people = await people_for(db, [request], [meeting])
        events += request_events(request, people, meeting) + meeting_events(meeting, people)
    return events


async def cancel(svc: Services, who: Principal, meeting_id: int, reason: str) -> Outcome:
    """Cancel (either of the two): its place and seat rows go, its request is cancelled, and
    what it freed is offered at once to accepted requests waiting for a slot (repair)."""
    async with svc.db() as db:
        meeting = await _locked_meeting(db, meeting_id)
        _confirmed(meeting)
        request = await _locked_request(db, meeting.request_id)
        await placement_store.free_rows(db, meeting_id)
        meeting.status = MeetingStatus.CANCELLED
        _bump(meeting)
        request.status = RequestStatus.CANCELLED
        _bump(request)
        db.add_all([meeting, request])
        await db.flush()
        repaired = await _repaired(
            db, meeting.slot_id, meeting.exhibitor_id, [meeting.requester_id, meeting.recipient_id]
        )
        people = await people_for(db, [request], [meeting])
        events = request_events(request, people, meeting)
        events += meeting_events(meeting, people, cancelled_by=who.account_id, reason=reason)
        events += await _announce_repairs(db, repaired)
        await db.commit()
    reply = {"meeting": meeting_view(meeting, people, who.account_id), "repaired": len(repaired)}
    return Outcome(reply, [*events, dashboard_event()])


async def cancel_between(
    db: AsyncSession, one: int, other: int, now: datetime
) -> list[Announcement]:
    """A block's consequences, in the caller's (the block's) transaction: every open request
    between the two (pending, accepted) cancelled, and its meeting too while it has not ended
    (its place and seat rows freed and offered to requests waiting for that slot, as `cancel`
    does). A meeting already over stays as it was (the reads hide it). What to announce once
    committed: the usual events, with no `cancelled_by` nor reason, so the one blocked learns
    only that it was cancelled."""
    # Their confirmed meetings locked first, then the requests: the order `cancel` locks in,
    # so a block and a cancellation of the same meeting wait for each other, never in a cycle.
    await db.execute(
        select(Meeting.id)
        .where(
            or_(
                (col(Meeting.requester_id) == one) & (col(Meeting.recipient_id) == other),
                (col(Meeting.requester_id) == other) & (col(Meeting.recipient_id) == one),
            ),
            col(Meeting.status) == MeetingStatus.CONFIRMED,
        )
        .order_by(col(Meeting.id))
        .with_for_update()
    )
    pair = or_(
        (col(MeetingRequest.requester_id) == one) & (col(MeetingRequest.recipient_id) == other),
        (col(MeetingRequest.requester_id) == other) & (col(MeetingRequest.recipient_id) == one),
    )
    found = await db.execute(
        select(MeetingRequest)
        .where(pair, col(MeetingRequest.status).in_(OPEN))
        .order_by(col(MeetingRequest.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    events: list[Announcement] = []
    for request in found.scalars().all():
        meeting = await meeting_of_request(db, stored_id(request))
        if meeting is not None:
            meeting = await _locked_meeting(db, stored_id(meeting))
            slot = await db.get(MatchSlot, meeting.slot_id)
            if meeting.status != MeetingStatus.CONFIRMED or (slot and slot.ends_at <= now):
                continue  # over (or already cancelled): nothing to free, hidden when read
            await placement_store.free_rows(db, stored_id(meeting))
            meeting.status = MeetingStatus.CANCELLED
            _bump(meeting)
            db.add(meeting)
        request.status, request.answered_at = RequestStatus.CANCELLED, request.answered_at or now
        _bump(request)
        db.add(request)
        await db.flush()
        people = await people_for(db, [request], [meeting] if meeting else [])
        events += request_events(request, people, meeting)
        if meeting is not None:
            events += meeting_events(meeting, people)
            repaired = await _repaired(
                db,
                meeting.slot_id,
                meeting.exhibitor_id,
                [meeting.requester_id, meeting.recipient_id],
            )
            events += await _announce_repairs(db, repaired)
    if events:
        events.append(dashboard_event())
    return events


async def reschedule(svc: Services, who: Principal, meeting_id: int, slot_id: int) -> Outcome:
    """Move (either of the two) to a slot both are available and free in, with a free seat."""
    async with svc.db() as db:
        meeting = await _locked_meeting(db, meeting_id)
        _confirmed(meeting)
        slot = await db.get(MatchSlot, slot_id)
        if slot is None:
            raise BadRequest("match.unknown_slot", f"There is no meeting slot {slot_id}.")
        if slot.starts_at <= utcnow():
            raise BadRequest("match.slot_past", "That slot has begun; choose one to come.")
        if slot_id == meeting.slot_id:
            raise Conflict("match.same_slot", "The meeting is already in that slot.")
        parties = [meeting.requester_id, meeting.recipient_id]
        found = await db.execute(
            select(func.count())
            .select_from(MatchAvailability)
            .where(
                col(MatchAvailability.slot_id) == slot_id,
                col(MatchAvailability.account_id).in_(parties),
            )
        )
        if int(found.scalar_one()) < 2:
            raise Conflict("match.not_available", "One of you is not available in that slot.")
        old_slot = meeting.slot_id
        seats = None if meeting.exhibitor_id is None else await seats_of(db, meeting.exhibitor_id)
        if not await placement_store.move(db, meeting, slot_id, seats):
            raise Conflict(
                "match.slot_taken", "One of you has a meeting then, or no seat is free then."
            )
        meeting.placed_by, meeting.reminded_at = "reschedule", None  # a new time, a new reminder
        _bump(meeting)
        db.add(meeting)
        await db.flush()
        repaired = await _repaired(db, old_slot, meeting.exhibitor_id, parties)
        request = await db.get(MeetingRequest, meeting.request_id)
        assert request is not None
        people = await people_for(db, [request], [meeting])
        events = meeting_events(meeting, people, moved_by=who.account_id)
        events += await _announce_repairs(db, repaired)
        await db.commit()
    reply = {"meeting": meeting_view(meeting, people, who.account_id), "repaired": len(repaired)}
    return Outcome(reply, [*events, dashboard_event()])


# --- reading -----------------------------------------------------------------------------------

LIST_LIMIT = 300


async def my_requests(db: AsyncSession, account_id: int, unseen: set[int]) -> dict[str, Any]:
    rows = await db.execute(
        select(MeetingRequest)
        .where(
            or_(
                col(MeetingRequest.requester_id) == account_id,
                col(MeetingRequest.recipient_id) == account_id,
            )
        )
        .order_by(col(MeetingRequest.created_at).desc(), col(MeetingRequest.id).desc())
        .limit(LIST_LIMIT)
    )
    requests = [r for r in rows.scalars().all() if not {r.requester_id, r.recipient_id} & unseen]
    ids = [stored_id(r) for r in requests]
    found = await db.execute(select(Meeting).where(col(Meeting.request_id).in_(ids or [0])))
    meetings = {m.request_id: m for m in found.scalars()}
    people = await people_for(db, requests)
    views = [request_view(r, people, meetings.get(stored_id(r))) for r in requests]
    settings = await match_settings(db)
    return {
        "sent": [v for v in views if v["requester"]["id"] == account_id],
        "received": [v for v in views if v["recipient"]["id"] == account_id],
        "cap": settings.open_request_cap,
        "pending_sent": await pending_sent(db, account_id),
    }


@dataclass
class MyMeetings:
    """Someone's confirmed meetings, by slot, and the people and slots they name: read once,
    for the list and the calendar alike."""

    viewer: int
    meetings: list[Meeting]
    people: People

    def views(self) -> list[dict[str, Any]]:
        return [meeting_view(m, self.people, self.viewer) for m in self.meetings]


async def confirmed_meetings(db: AsyncSession, account_id: int) -> MyMeetings:
    """The confirmed meetings of `account_id`, by slot, without those with someone blocked
    either way (a block cancels the meetings to come; one already held is hidden too)."""
    unseen = await unseen_by(db, account_id)
    rows = await db.execute(
        select(Meeting)
        .join(MatchSlot, col(MatchSlot.id) == Meeting.slot_id)
        .where(
            or_(col(Meeting.requester_id) == account_id, col(Meeting.recipient_id) == account_id),
            col(Meeting.status) == MeetingStatus.CONFIRMED,
        )
        .order_by(col(MatchSlot.starts_at), col(Meeting.id))
    )
    meetings = [m for m in rows.scalars().all() if not {m.requester_id, m.recipient_id} & unseen]
    return MyMeetings(account_id, meetings, await people_for(db, [], meetings))


async def my_meetings(db: AsyncSession, account_id: int) -> list[dict[str, Any]]:
    """The confirmed meetings of `account_id`, by slot, as shown."""
    return (await confirmed_meetings(db, account_id)).views()


async def one_meeting(db: AsyncSession, meeting_id: int, viewer: int) -> dict[str, Any]:
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None or await blocked_between(db, meeting.requester_id, meeting.recipient_id):
        raise unknown_meeting(meeting_id)  # blocked: as if there were none
    people = await people_for(db, [], [meeting])
    return meeting_view(meeting, people, viewer)
