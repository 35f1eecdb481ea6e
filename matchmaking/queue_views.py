"""How a ticket and a queue look to each side: the person in line sees their position, wait and
caller; the booth's staff see who waits, since when, and their card if they shared it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from expo.hall.public import exhibitor_card
from expo.models import Account
from matchmaking.models import BoothQueue, QueueTicket, TicketStatus
from matchmaking.queue_line import Change
from matchmaking.queue_rules import ServiceTimes, eta_minutes, staffed
from matchmaking.queue_store import queue_settings


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def service_view(times: ServiceTimes) -> dict[str, Any]:
    return {"low": times.low, "high": times.high, "servers": times.servers}


def queue_view(queue: BoothQueue, length: int, times: ServiceTimes) -> dict[str, Any]:
    return {
        "exhibitor": queue.exhibitor_id,
        "state": queue.state,
        "max_length": queue.max_length,
        "version": queue.version,
        "length": length,
        "service": service_view(times),
        "staffed": staffed(times),  # false: nobody on duty, so no wait is estimated
    }


def line_view(place: Change | None, times: ServiceTimes) -> dict[str, Any] | None:
    """Where a waiting ticket stands: its position, the line's length, the wait, and what lets
    a page follow the line's `queue.moved` events from here (generation, version, rank). With
    no staff on duty, `staffed` is false and `eta` null (the wait is unknown), else `eta` is
    [low, high] whole minutes."""
    if place is None:
        return None
    eta = eta_minutes(place.position, times)
    return {
        "position": place.position,
        "length": place.length,
        "eta": list(eta) if eta is not None else None,
        "staffed": staffed(times),
        "rank": place.rank,
        "generation": place.generation,
        "version": place.version,
    }


def drop_reason(ticket: QueueTicket) -> str:
    """Why the queue dropped a ticket: two calls not answered (`no_show`), or none of its
    owner's pages following it for longer than the grace period (`away`)."""
    return "no_show" if ticket.no_shows >= 2 else "away"


async def drop_view(db: AsyncSession, ticket: QueueTicket) -> dict[str, Any] | None:
    """For a dropped ticket, what its owner is told: why, and the grace period (seconds)."""
    if ticket.status != TicketStatus.DROPPED:
        return None
    settings = await queue_settings(db)
    return {"reason": drop_reason(ticket), "grace": settings.grace}


async def caller_view(db: AsyncSession, ticket: QueueTicket) -> dict[str, Any] | None:
    if ticket.called_by is None:
        return None
    staff = await db.get(Account, ticket.called_by)
    return {"account": ticket.called_by, "name": staff.display_name if staff else ""}


async def ticket_view(
    db: AsyncSession, ticket: QueueTicket, place: Change | None, times: ServiceTimes
) -> dict[str, Any]:
    """The ticket as its owner sees it."""
    waiting = ticket.status == TicketStatus.WAITING
    booth = await exhibitor_card(db, ticket.exhibitor_id)
    return {
        "id": ticket.id,
        "exhibitor": ticket.exhibitor_id,
        "booth": {"name_zh": booth.name_zh, "name_en": booth.name_en} if booth else None,
        "status": ticket.status,
        "appointment": ticket.appointment,
        "share_card": ticket.share_card,
        "no_shows": ticket.no_shows,
        "joined_at": _when(ticket.joined_at),
        "called_at": _when(ticket.called_at),
        "call_deadline": _when(ticket.call_deadline),
        "caller": await caller_view(db, ticket),
        "line": line_view(place, times) if waiting else None,
        "ended_at": _when(ticket.ended_at),
        "drop": await drop_view(db, ticket),
        "version": ticket.version,
    }


async def person_view(db: AsyncSession, ticket: QueueTicket) -> dict[str, Any]:
    """The person behind a ticket as the booth's staff see them: a name always, their title and
    company only if they chose to share their card."""
    account = await db.get(Account, ticket.account_id)
    name = account.display_name if account else ""
    card = (
        {"title": account.title, "organisation": account.organisation}
        if account is not None and ticket.share_card
        else None
    )
    return {"account": ticket.account_id, "name": name, "card": card}


async def staff_ticket_view(
    db: AsyncSession, ticket: QueueTicket, position: int | None
) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "exhibitor": ticket.exhibitor_id,
        "status": ticket.status,
        "position": position,
        "rank": ticket.rank,  # the line's order: a page sorts late events by it
        "appointment": ticket.appointment,
        "no_shows": ticket.no_shows,
        "person": await person_view(db, ticket),
        "joined_at": _when(ticket.joined_at),
        "called_at": _when(ticket.called_at),
        "call_deadline": _when(ticket.call_deadline),
        "caller": await caller_view(db, ticket),
        "answered_at": _when(ticket.answered_at),
        "away_since": _when(ticket.away_since),
        "version": ticket.version,
    }


def hall_view(
    queue: BoothQueue,
    length: int,
    times: ServiceTimes,
    ticket: QueueTicket | None,
    place: Change | None,
) -> dict[str, Any]:
    """A booth's queue as the hall's card shows it: its state, length, whether anyone is on
    duty, the wait of someone joining now (`eta` [low, high] whole minutes, null with nobody on
    duty), and the asker's own live ticket there (`position` null once called)."""
    eta = eta_minutes(length + 1, times)
    return {
        "exhibitor": queue.exhibitor_id,
        "state": queue.state,
        "version": queue.version,
        "length": length,
        "max_length": queue.max_length,
        "staffed": staffed(times),
        "eta": list(eta) if eta is not None else None,
        "ticket": None
        if ticket is None
        else {
            "id": ticket.id,
            "status": ticket.status,
            "position": place.position if place is not None else None,
        },
    }
