"""Matchmaking's tables: profiles, the meeting slots, requests and the meetings they became.

A participant is an account (an attendee, or staff of an exhibitor meeting for their company).
Who meets whom, and when, is kept so the database itself refuses a double booking:

- `MeetingPlace` (account, slot) is a primary key: nobody is in two meetings in one slot;
- `MeetingSeat` (exhibitor, slot, seat) is a primary key, and `seat` < the exhibitor's seats:
  an exhibitor never hosts more meetings in a slot than it has tables or staff.

A meeting is placed by inserting its rows; of many placements racing for the last seat, the
database lets exactly one in, in any number of server processes, on SQLite and PostgreSQL.
Cancelling deletes the place and seat rows (the meeting row stays, with its history).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from expo.models import utcnow


class Intent(StrEnum):
    """Why someone is at the matchmaking: the profile's intents, and what recommendations pair
    (a buyer with a seller, an investor with those who seek investment...)."""

    BUY = "buy"
    SELL = "sell"
    INVEST = "invest"
    PARTNER = "partner"
    HIRE = "hire"


class MatchProfile(SQLModel, table=True):
    """One participant's matchmaking profile: what they offer, what they need, when they can
    meet. Staff of an exhibitor speak for their company (`exhibitor_id`, copied from the account
    when the profile is saved)."""

    __tablename__ = "match_profile"

    account_id: int = Field(primary_key=True, foreign_key="account.id")
    exhibitor_id: int | None = Field(default=None, foreign_key="exhibitor.id", index=True)
    # Intent values (above), industry keys (expo/industries.py), language codes ("zh", "en").
    intents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    industries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    offer: str = Field(default="", max_length=500)
    need: str = Field(default="", max_length=500)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # False: not shown to others nor recommended (the participant is not looking now).
    visible: bool = Field(default=True)
    # Bumped with every change, in the same transaction; events and caches carry it.
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class MatchSlot(SQLModel, table=True):
    """A meeting slot: the organisers cut the expo's meeting days into these."""

    __tablename__ = "match_slot"

    id: int | None = Field(default=None, primary_key=True)
    starts_at: datetime = Field(index=True)
    ends_at: datetime


class MatchAvailability(SQLModel, table=True):
    """A slot a participant can meet in (their profile's availability)."""

    __tablename__ = "match_availability"

    account_id: int = Field(primary_key=True, foreign_key="account.id")
    slot_id: int = Field(primary_key=True, foreign_key="match_slot.id")


class MatchSettings(SQLModel, table=True):
    """The organisers' settings: one row (id 1)."""

    __tablename__ = "match_settings"

    id: int = Field(default=1, primary_key=True)
    # Requests one person may have open (sent and not yet answered) at once.
    open_request_cap: int = Field(default=10)
    # Seats (tables, staff) an exhibitor has in each slot unless its staff set their own.
    default_seats: int = Field(default=2)
    # Booth queues: seconds a called person has to answer; seconds a ticket is kept while none
    # of its person's pages is open; how many appointments may go ahead of any one walk-in who
    # joined before them (so walk-ins are not starved).
    queue_call_window: int = Field(default=60)
    queue_grace: int = Field(default=120)
    queue_overtake_cap: int = Field(default=2)
    # Random coffees: seconds the two have to accept a pairing; minutes their room stays open.
    coffee_accept_window: int = Field(default=30)
    coffee_minutes: int = Field(default=5)
    version: int = Field(default=1)


class ExhibitorSeats(SQLModel, table=True):
    """How many meetings an exhibitor can hold at once (its tables or staff free to meet)."""

    __tablename__ = "match_exhibitor_seats"

    exhibitor_id: int = Field(primary_key=True, foreign_key="exhibitor.id")
    seats: int = Field(default=2)


class MatchBlock(SQLModel, table=True):
    """`account_id` blocked `blocked_id`: the two never see each other anywhere in matchmaking
    (recommendations, profiles, requests), whichever of them blocked."""

    __tablename__ = "match_block"

    account_id: int = Field(primary_key=True, foreign_key="account.id")
    blocked_id: int = Field(primary_key=True, foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class MatchHidden(SQLModel, table=True):
    """`account_id` hid `hidden_id` from their recommendations (only theirs; no other effect)."""

    __tablename__ = "match_hidden"

    account_id: int = Field(primary_key=True, foreign_key="account.id")
    hidden_id: int = Field(primary_key=True, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class RequestStatus(StrEnum):
    PENDING = "pending"  # sent, not answered: blocks nobody's slots
    ACCEPTED = "accepted"  # accepted; placed (its meeting) or waiting for the scheduler
    DECLINED = "declined"
    CANCELLED = "cancelled"  # withdrawn by the requester, or the meeting cancelled


class MeetingRequest(SQLModel, table=True):
    """A request for a 1:1 meeting, from `requester_id` to `recipient_id`."""

    __tablename__ = "meeting_request"
    __table_args__ = (
        Index("ix_meeting_request_requester_status", "requester_id", "status"),
        Index("ix_meeting_request_recipient_status", "recipient_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(foreign_key="account.id")
    recipient_id: int = Field(foreign_key="account.id")
    # The exhibitor whose seat a meeting takes: the recipient's company if they are staff, else
    # the requester's; None between two attendees (no seat needed).
    exhibitor_id: int | None = Field(default=None, foreign_key="exhibitor.id", index=True)
    note: str = Field(default="", max_length=500)
    status: str = Field(default=RequestStatus.PENDING, max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = Field(default=None)
    version: int = Field(default=1)


class MeetingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Meeting(SQLModel, table=True):
    """An accepted request placed in a slot. Its place and seat rows hold the slot; they go
    when it is cancelled, the meeting stays."""

    __tablename__ = "meeting"
    __table_args__ = (UniqueConstraint("request_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="meeting_request.id")
    requester_id: int = Field(foreign_key="account.id", index=True)
    recipient_id: int = Field(foreign_key="account.id", index=True)
    exhibitor_id: int | None = Field(default=None, foreign_key="exhibitor.id", index=True)
    slot_id: int = Field(foreign_key="match_slot.id", index=True)
    seat: int | None = Field(default=None)  # which of the exhibitor's seats; None: no exhibitor
    status: str = Field(default=MeetingStatus.CONFIRMED, max_length=12)
    # Who placed it: "accept" (instantly), "scheduler", "repair", "reschedule".
    placed_by: str = Field(default="accept", max_length=12)
    # Set by the one process that sent this meeting's reminder (a claim in SQL, as the agenda's).
    reminded_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class MeetingPlace(SQLModel, table=True):
    """A participant's slot taken by a meeting: the key refuses a second meeting in it."""

    __tablename__ = "meeting_place"

    account_id: int = Field(primary_key=True, foreign_key="account.id")
    slot_id: int = Field(primary_key=True, foreign_key="match_slot.id")
    meeting_id: int = Field(foreign_key="meeting.id", index=True)


class MeetingSeat(SQLModel, table=True):
    """One of an exhibitor's seats in a slot, taken by a meeting: the key refuses a second."""

    __tablename__ = "meeting_seat"

    exhibitor_id: int = Field(primary_key=True, foreign_key="exhibitor.id")
    slot_id: int = Field(primary_key=True, foreign_key="match_slot.id")
    seat: int = Field(primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)


# Each part below appends its own tables, under a marked line, in its own migration.
# --- scheduler ---


class SchedulerRunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"  # the solver raised, or its process died (the claim expired)


class SchedulerRun(SQLModel, table=True):
    """One run of the optimal scheduler (matchmaking/scheduler.py), started by an organiser.

    `active` is 1 while the run is going and NULL after: the unique key lets one run at a time
    claim it, in any number of server processes, on SQLite and PostgreSQL (NULLs never clash).
    A claim past `expires_at` (its process died) is released by the next start."""

    __tablename__ = "match_scheduler_run"

    id: int | None = Field(default=None, primary_key=True)
    active: int | None = Field(default=None, unique=True)
    status: str = Field(default=SchedulerRunStatus.RUNNING, max_length=12)
    started_by: int = Field(foreign_key="account.id")
    time_limit: float = Field(default=30.0)
    started_at: datetime = Field(default_factory=utcnow, index=True)
    expires_at: datetime
    finished_at: datetime | None = Field(default=None)
    phase: str = Field(default="queued", max_length=16)
    percent: int = Field(default=0)
    # What the run found and did (scheduler.py's summary): placed, upper bound, people...
    result: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str = Field(default="", max_length=300)


# --- room ---


class MeetingMessage(SQLModel, table=True):
    """A line of a meeting room's private chat, between the meeting's two people only (kept so
    either of them reads the conversation again after a reload)."""

    __tablename__ = "meeting_message"
    __table_args__ = (Index("ix_meeting_message_meeting_id_id", "meeting_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id")
    account_id: int = Field(foreign_key="account.id")
    # Cleaned as every chat of the expo (expo/chat_rules.py: at most 500 characters as seen).
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


# --- queues ---


class QueueState(StrEnum):
    OPEN = "open"  # people join, staff call
    PAUSED = "paused"  # people join, nobody is called (the staff are away for a moment)
    CLOSED = "closed"  # nobody joins; those in line are still served


class BoothQueue(SQLModel, table=True):
    """A booth's queue: its state and length cap, set by its staff. No row: open, default cap."""

    __tablename__ = "booth_queue"

    exhibitor_id: int = Field(primary_key=True, foreign_key="exhibitor.id")
    state: str = Field(default=QueueState.OPEN, max_length=8)
    max_length: int = Field(default=200)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)


class TicketStatus(StrEnum):
    WAITING = "waiting"  # in line
    CALLED = "called"  # a staff member called it; the call window runs
    SERVING = "serving"  # answered: the two are in the call's room
    SERVED = "served"
    LEFT = "left"  # the attendee left the line
    DROPPED = "dropped"  # a second no-show, or away longer than the grace period


ACTIVE_TICKET = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)


class QueueTicket(SQLModel, table=True):
    """One person's place in a booth's queue, and its history once it ends (for the booth's
    reports: waits, service times, no-shows).

    `active` is 1 while the ticket waits, is called or served, NULL after: the unique key gives
    a person one live ticket per booth, so joining twice returns the same ticket, in any number
    of processes. `rank` is the line's order (matchmaking/queue_line.py), stored before the join
    is acknowledged: a Redis that lost the lines rebuilds them from here."""

    __tablename__ = "queue_ticket"
    __table_args__ = (
        UniqueConstraint("exhibitor_id", "account_id", "active"),
        Index("ix_queue_ticket_exhibitor_status", "exhibitor_id", "status"),
        Index("ix_queue_ticket_status_deadline", "status", "call_deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id")
    account_id: int = Field(foreign_key="account.id", index=True)
    active: int | None = Field(default=1)
    status: str = Field(default=TicketStatus.WAITING, max_length=8)
    appointment: bool = Field(default=False)  # a meeting booked at this booth now: goes first
    share_card: bool = Field(default=False)  # the staff see the person's card (title, company)
    rank: float | None = Field(default=None)
    overtaken: int = Field(default=0)
    no_shows: int = Field(default=0)
    joined_at: datetime = Field(default_factory=utcnow)
    called_at: datetime | None = Field(default=None)
    called_by: int | None = Field(default=None, foreign_key="account.id")
    # `called_by` while the call is going (called or in conversation), NULL otherwise: unique,
    # so one staff member has one call going, however many requests race (NULLs never clash).
    caller_live: int | None = Field(default=None, unique=True)
    call_deadline: datetime | None = Field(default=None)
    answered_at: datetime | None = Field(default=None)
    ended_at: datetime | None = Field(default=None)
    # Since when none of the person's pages follows the ticket (a dropped websocket): past the
    # grace period the ticket is dropped.
    away_since: datetime | None = Field(default=None)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class QueueMessage(SQLModel, table=True):
    """A line of the private chat between a called person and the staff member who called."""

    __tablename__ = "queue_message"
    __table_args__ = (Index("ix_queue_message_ticket_id_id", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="queue_ticket.id")
    account_id: int = Field(foreign_key="account.id")
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


class CoffeeStatus(StrEnum):
    PROPOSED = "proposed"  # paired, waiting for both to accept
    STARTED = "started"  # both accepted: the room is open until `ends_at`
    ENDED = "ended"  # the room's time is up (the two met)
    CANCELLED = "cancelled"  # declined, timed out or left before both accepted


class Coffee(SQLModel, table=True):
    """A random 1:1 coffee: two people the pool paired, from the proposal to the room's end.
    One started (or ended) is a meeting held: the two are never paired again."""

    __tablename__ = "match_coffee"
    __table_args__ = (
        Index("ix_match_coffee_low_id_high_id", "low_id", "high_id"),
        Index("ix_match_coffee_status_accept_by", "status", "accept_by"),
    )

    id: int | None = Field(default=None, primary_key=True)
    low_id: int = Field(foreign_key="account.id")  # the two, smaller account id first
    high_id: int = Field(foreign_key="account.id", index=True)
    status: str = Field(default=CoffeeStatus.PROPOSED, max_length=10)
    low_accepted: bool = Field(default=False)
    high_accepted: bool = Field(default=False)
    reason: str | None = Field(default=None, max_length=10)  # why it was cancelled
    proposed_at: datetime = Field(default_factory=utcnow)
    accept_by: datetime
    started_at: datetime | None = Field(default=None)
    ends_at: datetime | None = Field(default=None)

    def has_party(self, account_id: int) -> bool:
        return account_id in (self.low_id, self.high_id)


class CoffeeMessage(SQLModel, table=True):
    """A line of a coffee room's private chat."""

    __tablename__ = "match_coffee_message"
    __table_args__ = (Index("ix_match_coffee_message_coffee_id_id", "coffee_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    coffee_id: int = Field(foreign_key="match_coffee.id")
    account_id: int = Field(foreign_key="account.id")
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
