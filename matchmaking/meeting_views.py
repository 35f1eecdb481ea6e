"""How requests and meetings are shown: to their two people (over HTTP and in the events on
their `account:<id>` topics) and in the meeting's own topic. Reads only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.db import stored_id
from expo.hall.public import exhibitor_card
from expo.models import Account
from matchmaking.models import MatchSlot, Meeting, MeetingRequest
from matchmaking.topics import ORGANISERS_TOPIC, account_topic, meeting_topic

REQUEST_CHANGED = "match.request_changed"
MEETING_CHANGED = "match.meeting_changed"
DASHBOARD_CHANGED = "match.dashboard_changed"
REMINDER = "match.reminder"

Announcement = tuple[str, str, Any]


class People:
    """The accounts and exhibitors a batch of views names, read once."""

    def __init__(self) -> None:
        self.accounts: dict[int, Account] = {}
        self.exhibitors: dict[int, dict[str, Any]] = {}
        self.slots: dict[int, MatchSlot] = {}

    async def load(
        self,
        db: AsyncSession,
        account_ids: Iterable[int],
        exhibitor_ids: Iterable[int | None] = (),
        slot_ids: Iterable[int] = (),
    ) -> People:
        wanted = set(account_ids) - set(self.accounts)
        if wanted:
            rows = await db.execute(select(Account).where(col(Account.id).in_(wanted)))
            self.accounts.update({stored_id(a): a for a in rows.scalars()})
        for exhibitor_id in set(exhibitor_ids) - set(self.exhibitors) - {None}:
            assert exhibitor_id is not None
            card = await exhibitor_card(db, exhibitor_id)
            if card is not None:
                self.exhibitors[exhibitor_id] = {
                    "id": card.id,
                    "name_zh": card.name_zh,
                    "name_en": card.name_en,
                }
        wanted_slots = set(slot_ids) - set(self.slots)
        if wanted_slots:
            rows_s = await db.execute(select(MatchSlot).where(col(MatchSlot.id).in_(wanted_slots)))
            self.slots.update({stored_id(s): s for s in rows_s.scalars()})
        return self

    def person(self, account_id: int) -> dict[str, Any]:
        account = self.accounts.get(account_id)
        if account is None:
            return {
                "id": account_id,
                "name": "",
                "title": "",
                "organisation": "",
                "exhibitor": None,
            }
        return {
            "id": account_id,
            "name": account.display_name,
            "title": account.title,
            "organisation": account.organisation,
            "exhibitor": self.exhibitors.get(account.exhibitor_id or 0),
        }

    def slot(self, slot_id: int) -> dict[str, Any]:
        slot = self.slots.get(slot_id)
        if slot is None:
            return {"id": slot_id, "starts_at": None, "ends_at": None}
        return {
            "id": slot_id,
            "starts_at": slot.starts_at.isoformat(),
            "ends_at": slot.ends_at.isoformat(),
        }


async def people_for(
    db: AsyncSession, requests: Iterable[MeetingRequest], meetings: Iterable[Meeting] = ()
) -> People:
    requests, meetings = list(requests), list(meetings)
    accounts = {a for r in requests for a in (r.requester_id, r.recipient_id)}
    accounts |= {a for m in meetings for a in (m.requester_id, m.recipient_id)}
    found = await db.execute(
        select(Account.exhibitor_id).where(col(Account.id).in_(accounts or {0}))
    )
    exhibitors = {e for e in found.scalars() if e is not None}
    exhibitors |= {r.exhibitor_id for r in requests if r.exhibitor_id is not None}
    exhibitors |= {m.exhibitor_id for m in meetings if m.exhibitor_id is not None}
    return await People().load(db, accounts, exhibitors, {m.slot_id for m in meetings})


def request_view(
    request: MeetingRequest, people: People, meeting: Meeting | None = None
) -> dict[str, Any]:
    return {
        "id": stored_id(request),
        "requester": people.person(request.requester_id),
        "recipient": people.person(request.recipient_id),
        "exhibitor": people.exhibitors.get(request.exhibitor_id or 0),
        "note": request.note,
        "status": request.status,
        "created_at": request.created_at.isoformat(),
        "answered_at": request.answered_at.isoformat() if request.answered_at else None,
        "version": request.version,
        # The meeting it became (None: not accepted, or accepted and waiting for a slot).
        "meeting": None if meeting is None else stored_id(meeting),
    }


def meeting_view(meeting: Meeting, people: People, viewer: int | None = None) -> dict[str, Any]:
    """`with`: the other of the two for `viewer` (None: the meeting's own topic, both)."""
    other = None
    if viewer is not None:
        other = meeting.recipient_id if viewer == meeting.requester_id else meeting.requester_id
    return {
        "id": stored_id(meeting),
        "request": meeting.request_id,
        "slot": people.slot(meeting.slot_id),
        "status": meeting.status,
        "version": meeting.version,
        "seat": meeting.seat,
        "exhibitor": people.exhibitors.get(meeting.exhibitor_id or 0),
        "placed_by": meeting.placed_by,
        "requester": people.person(meeting.requester_id),
        "recipient": people.person(meeting.recipient_id),
        "with": None if other is None else people.person(other),
    }


def request_events(
    request: MeetingRequest, people: People, meeting: Meeting | None = None
) -> list[Announcement]:
    view = request_view(request, people, meeting)
    data = {"request": view, "version": request.version}
    return [
        (account_topic(a), REQUEST_CHANGED, data)
        for a in (request.requester_id, request.recipient_id)
    ]


def meeting_events(meeting: Meeting, people: People, **extra: Any) -> list[Announcement]:
    """To each of the two (their own `with`) and to the meeting's topic."""
    events: list[Announcement] = [
        (
            account_topic(a),
            MEETING_CHANGED,
            {"meeting": meeting_view(meeting, people, a), "version": meeting.version, **extra},
        )
        for a in (meeting.requester_id, meeting.recipient_id)
    ]
    events.append(
        (
            meeting_topic(stored_id(meeting)),
            MEETING_CHANGED,
            {"meeting": meeting_view(meeting, people), "version": meeting.version, **extra},
        )
    )
    return events


def dashboard_event() -> Announcement:
    return (ORGANISERS_TOPIC, DASHBOARD_CHANGED, {})
