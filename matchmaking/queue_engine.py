"""The booth queues' operations: each stores its change in the database, moves the line
(Redis, or this process when embedded: matchmaking/queue_index.py), then announces it.

Who decides what:
- The line (one atomic Lua script per operation) decides order: a join's rank, who is called
  next, where a no-show goes back. Positions are ranks in one sorted set, so they are always
  exactly 1..n, in every process.
- The database keeps every ticket, stored before a join is answered, with the rank the line
  gave it; each status change is a compare-and-set, so a ticket is called, answered, served or
  dropped once, whoever tries at the same moment.
- A line that is not there (a Redis that restarted empty, a booth nobody queued at yet) is
  rebuilt from the database before the operation is tried again (`_on_line`).

Events (after the change is stored):
- `queue.moved` on `booth-queue:<exhibitor>` (anyone): the line's change with no one's
  identity: kind, rank, length, and its generation and version, so a page in line works out
  its own new position (a change ranked before it moves it by one) or reloads on a gap;
- `queue.ticket_changed` on `queue-ticket:<id>` (its owner): the ticket as they see it;
- `queue.line_changed` on `booth-queue-staff:<exhibitor>` (its staff): the ticket with the
  person's name and card;
- `queue.summary` on `match-organisers:all`: the queue's length and longest wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from expo.db import busy, stored_id
from expo.errors import Conflict, ExpoError, NotFound
from expo.hall.public import exhibitor_card, on_duty
from expo.models import utcnow
from expo.realtime.announce import Announcement
from expo.realtime.broker import BrokerUnavailable
from expo.security import Principal
from expo.services import Services
from matchmaking.blocks import unseen_by
from matchmaking.models import ACTIVE_TICKET, BoothQueue, QueueState, QueueTicket, TicketStatus
from matchmaking.queue_index import NeedsRebuild, QueueIndex, queue_index
from matchmaking.queue_line import Change, LineFull
from matchmaking.queue_rules import ServiceTimes, call_deadline, service_times
from matchmaking.queue_store import (
    active_ticket,
    blocked_tickets,
    booth_queue,
    callers_of,
    change_ticket,
    durations_of,
    has_appointment,
    line_from_database,
    live_tickets,
    new_ticket,
    open_call_of,
    queue_settings,
    set_rank,
)
from matchmaking.queue_topics import call_topic, queue_staff_topic, queue_topic, ticket_topic
from matchmaking.queue_views import queue_view, staff_ticket_view, ticket_view
from matchmaking.topics import ORGANISERS_TOPIC, account_topic

log = logging.getLogger(__name__)
T = TypeVar("T")

INDEX_KEY = "matchmaking.queue_index"
TIMES_KEY = "matchmaking.queue_times"
TIMES_TTL = 30.0  # seconds a booth's service times are reused before being read again
# ... when nobody was on duty: the first staff member coming on duty shows in waits soon.
UNSTAFFED_TTL = 5.0
MAX_TICKETS = 5  # live tickets one person may hold at once (in line at five booths)


def index_of(svc: Services) -> QueueIndex:
    """This app's line store, made on first use (closed by the sweeper task at shutdown)."""
    found = svc.cache.get(INDEX_KEY)
    if found is None:
        found = queue_index(svc.settings.redis_url, svc.settings.redis_pool_size)
        svc.cache[INDEX_KEY] = found
    return found


async def on_line(svc: Services, exhibitor_id: int, op: Callable[[QueueIndex], Awaitable[T]]) -> T:
    """Run `op` on the booth's line; a line that is not loaded is rebuilt from the database
    first (at most once per call: the rebuild loads it only if nobody else did meanwhile)."""
    index = index_of(svc)
    try:
        for _ in range(3):  # a line forgotten again meanwhile is rebuilt again
            try:
                return await op(index)
            except NeedsRebuild:
                async with svc.read() as db:
                    line = await line_from_database(db, exhibitor_id)
                if await index.rebuild(exhibitor_id, line):
                    log.info(
                        "queue line rebuilt from the database", extra={"exhibitor": exhibitor_id}
                    )
    except BrokerUnavailable as error:
        raise unavailable() from error
    raise unavailable()


def unavailable() -> ExpoError:
    return ExpoError(
        "queue.unavailable",
        "The queues cannot be reached just now; try again in a moment.",
        status=503,
    )


async def times_of(svc: Services, exhibitor_id: int) -> ServiceTimes:
    return (await times_of_many(svc, [exhibitor_id]))[exhibitor_id]


async def times_of_many(svc: Services, booths: list[int]) -> dict[int, ServiceTimes]:
    """`times_of` for a page of booths (the hall): those not kept read together, two queries
    for them all plus each one's staff on duty."""
    cache: dict[int, tuple[float, ServiceTimes]] = svc.cache.setdefault(TIMES_KEY, {})
    now, found = time.monotonic(), {}
    for booth in booths:
        kept = cache.get(booth)
        if kept is not None and now - kept[0] < (TIMES_TTL if kept[1].servers else UNSTAFFED_TTL):
            found[booth] = kept[1]
    stale = [b for b in booths if b not in found]
    if stale:
        async with svc.read() as db:
            durations = await durations_of(db, stale)
            callers = await callers_of(db, stale)
            for booth in stale:
                # On duty by their own say, or serving the line now without having said so.
                on = {person.account_id for person in await on_duty(db, booth)}
                found[booth] = service_times(durations[booth], len(on | callers[booth]))
        if len(cache) > 10_000:
            cache.clear()
        cache.update({b: (now, found[b]) for b in stale})
    return found


PENDING_KEY = "matchmaking.queue_pending_removals"


async def _remove(svc: Services, exhibitor_id: int, ticket_id: int) -> Change | None:
    return await on_line(svc, exhibitor_id, lambda line: line.remove(exhibitor_id, ticket_id))


async def take_off_line(svc: Services, exhibitor_id: int, ticket_id: int) -> Change | None:
    """Take a ticket that ended (stored as ended already) off its line. With Redis out of
    reach the end stands: the removal is kept and retried by this process's sweeper, so the
    ticket does not hold a place in others' positions for long."""
    try:
        return await _remove(svc, exhibitor_id, ticket_id)
    except ExpoError as error:
        if error.code != "queue.unavailable":
            raise
        pending: set[tuple[int, int]] = svc.cache.setdefault(PENDING_KEY, set())
        pending.add((exhibitor_id, ticket_id))
        log.warning("queue removal kept for later: redis unavailable", extra={"ticket": ticket_id})
        return None


async def retry_removals(svc: Services) -> int:
    """The removals `take_off_line` kept; each done is announced as the line's change."""
    pending: set[tuple[int, int]] = svc.cache.get(PENDING_KEY, set())
    done = 0
    for exhibitor_id, ticket_id in sorted(pending):
        try:
            change = await _remove(svc, exhibitor_id, ticket_id)
        except ExpoError:
            return done  # still out of reach: next round
        pending.discard((exhibitor_id, ticket_id))
        done += 1
        if change is not None:
            times = await times_of(svc, exhibitor_id)
            await svc.hub.publish_stored(
                [
                    moved_event(exhibitor_id, change, times),
                    await summary_event(svc, exhibitor_id, change.length),
                ]
            )
    return done


# --- announcing -------------------------------------------------------------------------------


def moved_event(exhibitor_id: int, change: Change, times: ServiceTimes) -> Announcement:
    return (
        queue_topic(exhibitor_id),
        "queue.moved",
        {
            "exhibitor": exhibitor_id,
            "kind": change.kind,
            "rank": change.rank,
            "length": change.length,
            "generation": change.generation,
            "version": change.version,
            "service": {"low": times.low, "high": times.high, "servers": times.servers},
        },
    )


async def ticket_events(
    svc: Services, ticket: QueueTicket, place: Change | None = None
) -> list[Announcement]:
    times = await times_of(svc, ticket.exhibitor_id)
    async with svc.read() as db:
        mine = await ticket_view(db, ticket, place, times)
        theirs = await staff_ticket_view(db, ticket, place.position if place else None)
    tid = stored_id(ticket)
    events: list[Announcement] = [
        (ticket_topic(tid), "queue.ticket_changed", mine),
        (queue_staff_topic(ticket.exhibitor_id), "queue.line_changed", theirs),
    ]
    if ticket.version == 1 or ticket.status not in ACTIVE_TICKET:
        # A new or ended ticket, to every page of the person's, on any device: their other
        # pages do not follow a ticket they have not heard of yet.
        events.append((account_topic(ticket.account_id), "queue.ticket_changed", mine))
    if ticket.called_at is not None or ticket.no_shows > 0:  # called now, or once before
        # The call's room follows the ticket's state: open while served, read-only after.
        call = {"ticket": tid, "status": ticket.status, "version": ticket.version}
        events.append((call_topic(tid), "queue.call_changed", call))
    return events


async def summary_event(svc: Services, exhibitor_id: int, length: int) -> Announcement:
    return (ORGANISERS_TOPIC, "queue.summary", {"exhibitor": exhibitor_id, "length": length})


async def announce(
    svc: Services, ticket: QueueTicket, change: Change | None, place: Change | None = None
) -> None:
    events = await ticket_events(svc, ticket, place)
    if change is not None and change.kind != "same":
        times = await times_of(svc, ticket.exhibitor_id)
        events.append(moved_event(ticket.exhibitor_id, change, times))
        events.append(await summary_event(svc, ticket.exhibitor_id, change.length))
    await svc.hub.publish_stored(events)


# --- the person in line -----------------------------------------------------------------------


async def my_place(svc: Services, ticket: QueueTicket) -> Change | None:
    if ticket.status != TicketStatus.WAITING:
        return None
    tid = stored_id(ticket)
    return await on_line(
        svc, ticket.exhibitor_id, lambda line: line.position(ticket.exhibitor_id, tid)
    )


JOINS_AT_ONCE = 8  # joins one process works on at a time; the others wait their turn
JOIN_GATE_KEY = "matchmaking.queue_join_gate"


@asynccontextmanager
async def _join_turn(svc: Services) -> AsyncIterator[None]:
    """A storm of joins (a booth announced on the main stage) holds at most JOINS_AT_ONCE of
    the process's database connections at a time, so the staff's calls and everyone else's
    requests keep theirs: without it a thousand joins starved the calls. A join that waits
    longer than a connection would be waited for is answered `database.busy`."""
    gate: asyncio.Semaphore | None = svc.cache.get(JOIN_GATE_KEY)
    if gate is None:
        gate = svc.cache[JOIN_GATE_KEY] = asyncio.Semaphore(JOINS_AT_ONCE)
    try:
        async with asyncio.timeout(svc.settings.database_pool_timeout):
            await gate.acquire()
    except TimeoutError:
        raise busy() from None
    try:
        yield
    finally:
        gate.release()


async def join(
    svc: Services, who: Principal, exhibitor_id: int, *, share_card: bool
) -> tuple[dict[str, Any], bool]:
    """Join the booth's line, or the ticket already held there (True when it is new)."""
    async with _join_turn(svc):
        return await _join(svc, who, exhibitor_id, share_card=share_card)


async def _join(
    svc: Services, who: Principal, exhibitor_id: int, *, share_card: bool
) -> tuple[dict[str, Any], bool]:
    if who.exhibitor_id == exhibitor_id:
        raise Conflict("queue.own_booth", "Staff do not queue at their own booth.")
    async with svc.db() as db:
        if await exhibitor_card(db, exhibitor_id) is None:
            raise NotFound("exhibitor.unknown", f"There is no exhibitor {exhibitor_id}.")
        existing = await active_ticket(db, exhibitor_id, who.account_id)
        queue = await booth_queue(db, exhibitor_id)
        # Read now: a join racing this one for the row rolls the session back, which expires
        # the queue's row, and it could not be loaded again once the session is closed.
        max_length = queue.max_length
        settings = await queue_settings(db)
        if existing is None:
            if queue.state == QueueState.CLOSED:
                raise Conflict("queue.closed", "This booth's queue is closed.")
            if await live_tickets(db, who.account_id) >= MAX_TICKETS:
                raise Conflict(
                    "queue.too_many",
                    f"You are in {MAX_TICKETS} queues already; leave one to join another.",
                )
            appointment = await has_appointment(db, exhibitor_id, who.account_id)
            ticket, created = await new_ticket(
                db,
                QueueTicket(
                    exhibitor_id=exhibitor_id,
                    account_id=who.account_id,
                    appointment=appointment,
                    share_card=share_card,
                ),
            )
        else:
            ticket, created = existing, False
    tid = stored_id(ticket)
    place: Change | None = None
    if ticket.status == TicketStatus.WAITING:
        async with svc.db() as db:
            # The connection first: with the pool saturated the join is refused
            # (database.busy) before it takes a place in line whose rank it cannot store.
            await db.connection()
            try:
                place = await on_line(
                    svc,
                    exhibitor_id,
                    lambda line: line.join(
                        exhibitor_id,
                        tid,
                        appointment=ticket.appointment,
                        max_length=max_length,
                        overtake_cap=settings.overtake_cap,
                    ),
                )
            except LineFull:
                if created:  # never acknowledged: it goes, as if the join had not happened
                    await change_ticket(db, tid, (TicketStatus.WAITING,), status=TicketStatus.LEFT)
                raise Conflict(
                    "queue.full", "This booth's queue is full; try again later."
                ) from None
            ranked = True
            if place.kind == "joined" or ticket.rank is None:
                ranked = await set_rank(db, tid, place.rank, place.passed)
        if place.kind == "joined" or ticket.rank is None:
            if not ranked:  # called, left or dropped meanwhile: not in line after all
                await take_off_line(svc, exhibitor_id, tid)
                async with svc.read() as db:
                    fresh = await db.get(QueueTicket, tid)
                assert fresh is not None
                times = await times_of(svc, exhibitor_id)
                if place.kind == "joined":  # the line's change all the same: pages count it
                    await svc.hub.publish_stored([moved_event(exhibitor_id, place, times)])
                async with svc.read() as db:
                    return await ticket_view(db, fresh, None, times), created
            ticket.rank = place.rank
            # A line rebuilt from the database before that rank was stored (Redis restarted
            # empty meanwhile) has the ticket at its end, as unranked: that is its place now,
            # the one the join answers and the database keeps.
            now = await on_line(svc, exhibitor_id, lambda line: line.position(exhibitor_id, tid))
            if now is not None and now.rank != place.rank:
                async with svc.db() as db:
                    if await set_rank(db, tid, now.rank, ()):
                        ticket.rank, place = now.rank, replace(now, kind=place.kind)
    # Whoever put it in line tells the line: when the same join came twice at once, or again
    # after an attempt that stored the ticket and then found Redis away, that is not always
    # the request that stored it.
    if created or (place is not None and place.kind == "joined"):
        await announce(svc, ticket, place, place)
    times = await times_of(svc, exhibitor_id)
    async with svc.read() as db:
        return await ticket_view(db, ticket, place, times), created


async def leave(svc: Services, ticket_id: int) -> dict[str, Any]:
    """The person leaves the line (or lets a call go): their ticket ends."""
    async with svc.db() as db:
        ticket = await change_ticket(
            db,
            ticket_id,
            (TicketStatus.WAITING, TicketStatus.CALLED),
            status=TicketStatus.LEFT,
        )
    if ticket is None:
        raise Conflict("queue.ticket_ended", "This ticket is no longer in the queue.")
    change = await take_off_line(svc, ticket.exhibitor_id, ticket_id)
    await announce(svc, ticket, change)
    times = await times_of(svc, ticket.exhibitor_id)
    async with svc.read() as db:
        return await ticket_view(db, ticket, None, times)


async def answer(svc: Services, ticket_id: int) -> dict[str, Any]:
    """The called person answers within the window: the two are in the call's room."""
    now = utcnow()
    async with svc.db() as db:
        current = await db.get(QueueTicket, ticket_id)
        if current is None:
            raise NotFound("queue.unknown_ticket", f"There is no ticket {ticket_id}.")
        answered = current.status == TicketStatus.SERVING  # already (another tab)
        ticket: QueueTicket | None = current
        if not answered:
            late = current.call_deadline is not None and current.call_deadline <= now
            ticket = None if late else await change_ticket(
                db, ticket_id, (TicketStatus.CALLED,), status=TicketStatus.SERVING, answered_at=now
            )  # fmt: skip
    if ticket is None:
        raise Conflict("queue.not_called", "This ticket is not being called now.")
    if not answered:
        await announce(svc, ticket, None)
    times = await times_of(svc, ticket.exhibitor_id)
    async with svc.read() as db:
        return await ticket_view(db, ticket, None, times)


# --- the booth's staff ------------------------------------------------------------------------


def busy_error() -> Conflict:
    return Conflict(
        "queue.busy", "Finish your current conversation (served or no-show) before calling."
    )


async def call_next(svc: Services, who: Principal, exhibitor_id: int) -> dict[str, Any]:
    """The next person in line is called by this staff member, and by no one else."""
    async with svc.read() as db:
        queue = await booth_queue(db, exhibitor_id)
        settings = await queue_settings(db)
        busy = await open_call_of(db, exhibitor_id, who.account_id)
    if queue.state == QueueState.PAUSED:
        raise Conflict("queue.paused", "The queue is paused; resume it to call someone.")
    if busy is not None:
        raise busy_error()
    async with svc.read() as db:
        # People blocked either way with this staff member keep their place for the others.
        skip = await blocked_tickets(db, exhibitor_id, await unseen_by(db, who.account_id))
    async with svc.db() as db:
        # The connection first: with the pool saturated the call is refused (database.busy)
        # before it takes anyone off the line, not after (which would cost a rebuild).
        await db.connection()
        ticket = await _call_head(svc, db, who, exhibitor_id, skip, settings.call_window)
    async with svc.read() as db:
        return await staff_ticket_view(db, ticket, None)


async def _call_head(
    svc: Services,
    db: AsyncSession,
    who: Principal,
    exhibitor_id: int,
    skip: set[int],
    call_window: int,
) -> QueueTicket:
    """Take the head of the line (skipping `skip`) and store the call; announced."""
    for _ in range(20):  # tickets that left meanwhile are skipped
        change = await on_line(svc, exhibitor_id, lambda line: line.call(exhibitor_id, skip))
        if change is None:
            raise Conflict("queue.empty", "Nobody is waiting in this queue.")
        now = utcnow()
        try:
            ticket = await change_ticket(
                db,
                change.ticket,
                (TicketStatus.WAITING,),
                status=TicketStatus.CALLED,
                called_by=who.account_id,
                caller_live=who.account_id,
                called_at=now,
                call_deadline=call_deadline(now, call_window),
                away_since=None,
            )
        except Exception as error:
            # Taken off the line but not called in the database: the line is dropped, so the
            # next operation rebuilds it from the database, where the ticket still waits at
            # its rank. Refused by the unique `caller_live`: this staff member's other request
            # called someone at the same moment.
            await db.rollback()
            await index_of(svc).forget(exhibitor_id)
            if isinstance(error, IntegrityError):
                raise busy_error() from None
            raise
        if ticket is None:
            continue
        await announce(svc, ticket, change)
        return ticket
    raise Conflict("queue.empty", "Nobody is waiting in this queue.")


async def serve(svc: Services, ticket_id: int) -> dict[str, Any]:
    """The conversation is over (or the person came without answering on the page)."""
    async with svc.db() as db:
        ticket = await change_ticket(
            db, ticket_id, (TicketStatus.CALLED, TicketStatus.SERVING), status=TicketStatus.SERVED
        )
    if ticket is None:
        raise Conflict("queue.not_called", "This ticket is not being served.")
    await announce(svc, ticket, None)
    async with svc.read() as db:
        return await staff_ticket_view(db, ticket, None)


async def no_show(
    svc: Services, ticket_id: int, *, expected_version: int | None = None
) -> QueueTicket | None:
    """A called person who did not answer: back in line once, behind the next person; the
    second time, dropped. None when the ticket was not called any more (answered, or someone
    else decided first)."""
    async with svc.db() as db:
        current = await db.get(QueueTicket, ticket_id)
        if current is None or current.status != TicketStatus.CALLED:
            return None
        if expected_version is not None and current.version != expected_version:
            return None
        caller = current.called_by  # read now: the change below refreshes `current`
        if current.no_shows == 0:
            ticket = await change_ticket(
                db, ticket_id, (TicketStatus.CALLED,), status=TicketStatus.WAITING, no_shows=1,
                rank=None, called_by=None, called_at=None, call_deadline=None,
            )  # fmt: skip
        else:
            ticket = await change_ticket(
                db, ticket_id, (TicketStatus.CALLED,), status=TicketStatus.DROPPED,
                no_shows=current.no_shows + 1,
            )  # fmt: skip
    if ticket is None:
        return None
    if caller is not None:
        # The call is over for its caller: they leave its room, on every process, so a later
        # call of this ticket by a colleague is not heard by them.
        await svc.gateway.evict(call_topic(ticket_id), caller, "queue.call_ended")
    if ticket.status == TicketStatus.WAITING:
        change = await requeue(svc, ticket)
        await announce(svc, ticket, change, change)
    else:
        await announce(svc, ticket, None)
    return ticket


async def requeue(svc: Services, ticket: QueueTicket) -> Change | None:
    """A no-show's ticket (stored as waiting again, unranked) back in line behind the next
    person. With Redis away the return stands: the sweeper puts it in line (behind the next
    person still) once Redis is back."""
    booth, tid = ticket.exhibitor_id, stored_id(ticket)
    try:
        change = await on_line(
            svc,
            booth,
            lambda line: line.requeue(
                booth, tid, appointment=ticket.appointment, overtaken=ticket.overtaken
            ),
        )
    except ExpoError as error:
        if error.code != "queue.unavailable":
            raise
        return None
    async with svc.db() as db:
        if not await set_rank(db, tid, change.rank, ()):
            await take_off_line(svc, booth, tid)  # ended meanwhile (left)
            return None
    ticket.rank = change.rank
    return change


async def _locked_queue(db: AsyncSession, exhibitor_id: int) -> BoothQueue:
    """The booth's queue row, locked (PostgreSQL; SQLite's writer holds the database); made by
    the first of two saves racing to make it, the other then waits for it and locks it."""
    queue = await db.get(BoothQueue, exhibitor_id, with_for_update=True)
    if queue is not None:
        return queue
    try:
        async with db.begin_nested():
            queue = BoothQueue(exhibitor_id=exhibitor_id, version=0)
            db.add(queue)
            await db.flush()
        return queue
    except IntegrityError:
        found = await db.get(BoothQueue, exhibitor_id, with_for_update=True, populate_existing=True)
        assert found is not None
        return found


async def set_queue(
    svc: Services, exhibitor_id: int, *, state: str | None, max_length: int | None
) -> dict[str, Any]:
    """Pause, resume, close or cap the queue."""
    async with svc.db() as db:
        queue = await _locked_queue(db, exhibitor_id)
        if state is not None:
            queue.state = state
        if max_length is not None:
            queue.max_length = max_length
        queue.version += 1
        queue.updated_at = utcnow()
        await db.commit()
        await db.refresh(queue)
    view = await queue_summary(svc, queue)
    await svc.hub.publish_stored(
        [
            (queue_topic(exhibitor_id), "queue.state_changed", view),
            (queue_staff_topic(exhibitor_id), "queue.state_changed", view),
        ]
    )
    return view


async def queue_summary(svc: Services, queue: BoothQueue) -> dict[str, Any]:
    booth = queue.exhibitor_id
    try:
        length = (await index_of(svc).lengths([booth])).get(booth)
    except BrokerUnavailable as error:
        raise unavailable() from error
    if length is None:  # not loaded: the whole line, rebuilt from the database, once
        length = len(await on_line(svc, booth, lambda idx: idx.snapshot(booth)))
    return queue_view(queue, length, await times_of(svc, booth))
