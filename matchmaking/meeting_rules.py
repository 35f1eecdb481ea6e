"""The rules of 1:1 meeting requests and their placement, with no I/O.

- Who may ask whom (`check_request`): not oneself, not someone blocked either way nor someone
  without a visible profile (both answered as an unknown profile, so a block never shows), not
  twice while a request or meeting between the two is open, not over the organisers' cap.
  The cap counts only the requests one SENT that still wait for an answer (pending): an
  accepted request (placed or waiting for a slot) and a meeting no longer count, so answering
  frees a place; the duplicate check looks at pending and accepted alike.
- Who may withdraw (`may_withdraw`): the requester an unanswered request; either of the two an
  accepted one still waiting for a slot (a placed one is a meeting: cancel it instead).
- Whose seat a meeting takes (`seat_holder`): the recipient's company if they are exhibitor
  staff, else the requester's, else none (two attendees need no table).
- Where a meeting goes (`placements`): the slots both are available in and neither has a
  meeting in, that start after now, earliest first; in each, the exhibitor's free seats in
  order. The database has the last word (its keys refuse a double booking), so placement tries
  these in order and takes the first the database lets in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from expo.errors import BadRequest, Conflict, NotFound
from expo.models import Role
from expo.text_rules import too_long, without_controls

NOTE_LIMIT = 300  # characters as people see them (the column holds 500 code points)
NOTE_STORED = 500
REASON_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a request, as the rules need it."""

    account_id: int
    role: str
    exhibitor_id: int | None


@dataclass(frozen=True, slots=True)
class Slot:
    id: int
    starts_at: datetime
    ends_at: datetime


def clean_note(text: str, *, limit: int = NOTE_LIMIT, stored: int = NOTE_STORED) -> str:
    """The note without control characters (line breaks kept), trimmed; too long: refused."""
    cleaned = without_controls(text, keep="\n").strip()
    if too_long(cleaned, limit, stored=stored):
        raise BadRequest("match.note_too_long", f"A note has at most {limit} characters.")
    return cleaned


def clean_reason(text: str) -> str:
    cleaned = without_controls(text, keep="\n").strip()
    if too_long(cleaned, REASON_LIMIT, stored=500):
        raise BadRequest(
            "match.reason_too_long", f"A reason has at most {REASON_LIMIT} characters."
        )
    return cleaned


def unknown_profile(account_id: int) -> NotFound:
    # The same answer for missing, hidden and blocked: a block is never revealed.
    return NotFound("match.unknown_profile", f"There is no matchmaking profile {account_id}.")


def check_request(
    requester_id: int,
    recipient_id: int,
    *,
    recipient_visible: bool,
    blocked: bool,
    open_between: bool,
    pending_sent: int,
    cap: int,
) -> None:
    """Refuse a request that may not be sent, with the reason's code; in this order, so that
    what is refused says nothing it should not (a blocked person looks like nobody)."""
    if requester_id == recipient_id:
        raise BadRequest("match.self", "You cannot ask yourself for a meeting.")
    if blocked or not recipient_visible:
        raise unknown_profile(recipient_id)
    if open_between:
        raise Conflict(
            "match.duplicate", "There is already an open request or meeting between you two."
        )
    if pending_sent >= cap:
        raise Conflict(
            "match.cap",
            f"You have {pending_sent} requests sent and still waiting for an answer; at most "
            f"{cap} may wait at once (accepted requests and meetings do not count). Wait for "
            "answers or withdraw one.",
        )


def seat_holder(requester: Party, recipient: Party) -> int | None:
    """The exhibitor whose seat the meeting takes (models.MeetingRequest.exhibitor_id)."""
    if recipient.role == Role.EXHIBITOR and recipient.exhibitor_id is not None:
        return recipient.exhibitor_id
    if requester.role == Role.EXHIBITOR and requester.exhibitor_id is not None:
        return requester.exhibitor_id
    return None


def free_seats(taken: Collection[int], seats: int) -> list[int]:
    """The exhibitor's seats not taken, in order (seat numbers 0 .. seats-1)."""
    return [seat for seat in range(seats) if seat not in taken]


def placements(
    slots: Sequence[Slot],
    now: datetime,
    *,
    available: Sequence[Collection[int]],
    busy: Collection[int],
    seats: int | None,
    seats_taken: Mapping[int, Collection[int]],
    only_slot: int | None = None,
) -> Iterator[tuple[int, int | None]]:
    """(slot, seat) to try, earliest first: slots every party is `available` in, none is
    `busy` in (has a meeting), starting after `now`; `seats` None means no exhibitor (seat
    None). With `only_slot`, that slot alone (a repair of a freed seat, a reschedule)."""
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.id)):
        if only_slot is not None and slot.id != only_slot:
            continue
        if slot.starts_at <= now or slot.id in busy:
            continue
        if not all(slot.id in each for each in available):
            continue
        if seats is None:
            yield slot.id, None
            continue
        for seat in free_seats(seats_taken.get(slot.id, ()), seats):
            yield slot.id, seat


def earliest(
    slots: Sequence[Slot],
    now: datetime,
    *,
    available: Sequence[Collection[int]],
    busy: Collection[int],
    seats: int | None,
    seats_taken: Mapping[int, Collection[int]],
) -> tuple[int, int | None] | None:
    """The earliest common free slot with a free seat, or None."""
    return next(
        placements(
            slots, now, available=available, busy=busy, seats=seats, seats_taken=seats_taken
        ),
        None,
    )


def may_withdraw(status: str, placed: bool, *, by_requester: bool = True) -> bool:
    """Withdraw: the requester takes back a request not answered; either of the two backs out
    of an accepted one still waiting for a slot (nothing is booked yet). A placed one is a
    meeting: cancel it instead. The recipient answers a pending request (decline), not this."""
    if status == "accepted" and not placed:
        return True
    return by_requester and status == "pending"
