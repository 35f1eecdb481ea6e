"""The booth queues' clock, one task per server process (they may all run it at once: every
change it makes is a compare-and-set in the database, so one process makes each).

Every second:
- removals from a line that Redis could not take are tried again;
- a call whose window ran out is a no-show (back in line once, then out: queue_engine.no_show);
- a waiting ticket the line never ranked (its process stopped between storing and ranking) is
  put in line.
Every few seconds: a waiting ticket none of its owner's pages follows is marked away; away for
longer than the grace period, it is dropped; back in time, it keeps its place. Every ten: each
line is compared with the database, and what two looks in a row found different is put right.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlmodel import col

from expo.db import stored_id
from expo.models import utcnow
from expo.services import Services
from matchmaking import queue_engine as engine
from matchmaking.models import QueueTicket, TicketStatus
from matchmaking.queue_index import NeedsRebuild
from matchmaking.queue_rules import away_too_long
from matchmaking.queue_store import (
    change_ticket,
    expired_calls,
    queue_settings,
    set_rank,
    unranked,
    waiting_tickets,
)
from matchmaking.queue_topics import ticket_topic

log = logging.getLogger(__name__)
TICK = 1.0  # seconds
PRESENCE_EVERY = 5  # ticks between looks at who is still there
RECONCILE_EVERY = 10  # ticks between two looks at lines against the database
SUSPECTS_KEY = "matchmaking.queue_suspects"
UNRANKED_AFTER = timedelta(seconds=5)  # a join still ranking is not an orphan


async def expire_calls(svc: Services) -> int:
    async with svc.read() as db:
        due = await expired_calls(db, utcnow())
    done = 0
    for ticket in due:
        if await engine.no_show(svc, stored_id(ticket), expected_version=ticket.version):
            done += 1
    return done


async def _rank(svc: Services, ticket: QueueTicket, overtake_cap: int) -> None:
    """Put an unranked waiting ticket in line: a join at the end (an appointment ahead, as
    always), a no-show's return behind the next person."""
    if ticket.no_shows > 0:
        change = await engine.requeue(svc, ticket)
        if change is not None and change.kind != "same":
            await engine.announce(svc, ticket, change, change)
        return
    booth, tid = ticket.exhibitor_id, stored_id(ticket)
    place = await engine.on_line(
        svc,
        booth,
        lambda line: line.join(
            booth, tid, appointment=ticket.appointment, max_length=10**6, overtake_cap=overtake_cap
        ),
    )
    async with svc.db() as db:
        ranked = await set_rank(db, tid, place.rank, place.passed)
    if not ranked:  # ended meanwhile
        await engine.take_off_line(svc, booth, tid)
        return
    ticket.rank = place.rank
    if place.kind != "same":
        await engine.announce(svc, ticket, place, place)


async def rank_orphans(svc: Services) -> int:
    async with svc.read() as db:
        orphans = await unranked(db, utcnow() - UNRANKED_AFTER)
        settings = await queue_settings(db)
    for ticket in orphans:
        await _rank(svc, ticket, settings.overtake_cap)
    return len(orphans)


async def _mark_away(svc: Services, ticket_id: int, since: datetime | None) -> None:
    """Away since `since` (None: back); the staff's panels hear it. Only a ticket not already
    so: every process sweeps, and the one that changes it is the one that announces it."""
    away = col(QueueTicket.away_since)
    unchanged = away.is_not(None) if since is None else away.is_(None)
    async with svc.db() as db:
        ticket = await change_ticket(
            db, ticket_id, (TicketStatus.WAITING,), where=(unchanged,), away_since=since
        )
    if ticket is not None:
        await engine.announce(svc, ticket, None, await engine.my_place(svc, ticket))


async def _drop(svc: Services, ticket_id: int, away_before: datetime) -> bool:
    """Dropped only if still away since before `away_before`: someone back meanwhile (marked
    back by another process) keeps their place."""
    async with svc.db() as db:
        gone = await change_ticket(
            db,
            ticket_id,
            (TicketStatus.WAITING,),
            status=TicketStatus.DROPPED,
            where=(col(QueueTicket.away_since) <= away_before,),
        )
    if gone is None:
        return False
    change = await engine.take_off_line(svc, gone.exhibitor_id, ticket_id)
    await engine.announce(svc, gone, change)
    return True


async def drop_the_absent(svc: Services) -> int:
    """Mark away the waiting tickets none of whose owner's pages follow; drop those away past
    the grace period; a ticket followed again is no longer away."""
    async with svc.read() as db:
        waiting = await waiting_tickets(db)
        settings = await queue_settings(db)
    if not waiting:
        return 0
    audience = await svc.hub.presence([ticket_topic(stored_id(t)) for t in waiting])
    now = utcnow()
    dropped = 0
    for ticket in waiting:
        tid = stored_id(ticket)
        if audience.get(ticket_topic(tid), 0) > 0:
            if ticket.away_since is not None:
                await _mark_away(svc, tid, None)
        elif ticket.away_since is None:
            await _mark_away(svc, tid, now)
        elif away_too_long(ticket.away_since, now, settings.grace):
            dropped += await _drop(svc, tid, now - timedelta(seconds=settings.grace))
    return dropped


async def reconcile(svc: Services) -> int:
    """Lines that disagree with the database, put right: a ticket waiting (and ranked) in the
    database but missing from its line (a process stopped between taking it off the line and
    storing the call) has the line rebuilt; a ticket in the line that no longer waits (a
    removal a process never finished) is taken off. Only what two passes in a row saw: in
    between, an operation under way shows the same difference for a moment."""
    suspects: set[tuple[str, int, int]] = svc.cache.setdefault(SUSPECTS_KEY, set())
    seen: set[tuple[str, int, int]] = set()
    index = engine.index_of(svc)
    async with svc.read() as db:
        waiting = await waiting_tickets(db)
    by_booth: dict[int, set[int]] = {}
    for ticket in waiting:
        if ticket.rank is not None:
            by_booth.setdefault(ticket.exhibitor_id, set()).add(stored_id(ticket))
    for booth in sorted(set(by_booth) | {b for _, b, _ in suspects}):
        try:
            in_line = set((await index.snapshot(booth)).tickets())
        except NeedsRebuild:
            continue  # rebuilt from the database on its next use
        expected = by_booth.get(booth, set())
        seen |= {("missing", booth, t) for t in expected - in_line}
        seen |= {("ghost", booth, t) for t in in_line - expected}
    confirmed = seen & suspects
    for kind, booth, ticket_id in sorted(confirmed):
        if kind == "ghost":
            await engine.take_off_line(svc, booth, ticket_id)
        else:
            log.warning("queue line rebuilt: a waiting ticket was missing from it")
            await index.forget(booth)
    suspects.clear()
    suspects |= seen - confirmed  # first seen now: put right if the next look sees it too
    return len(confirmed)


async def sweep_queues(svc: Services) -> None:
    """The task: the clock of every booth queue, until shutdown (then the line store closes)."""
    tick = 0
    try:
        while True:
            await asyncio.sleep(TICK)
            tick += 1
            steps = [engine.retry_removals, expire_calls, rank_orphans]
            if tick % PRESENCE_EVERY == 0:
                steps.append(drop_the_absent)
            if tick % RECONCILE_EVERY == 0:
                steps.append(reconcile)
            for step in steps:  # one failing does not hold up the others
                try:
                    await step(svc)
                except Exception:
                    log.exception("booth queue sweep failed", extra={"step": step.__name__})
    finally:
        index = svc.cache.pop(engine.INDEX_KEY, None)
        if index is not None:
            with contextlib.suppress(Exception):
                await index.close()


tasks = [sweep_queues]
