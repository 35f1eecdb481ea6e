"""Reminders sent once across processes: claimed in SQL, given back when nothing went out.

Used by the agenda (forums/agenda.py: a starred session starts) and by matchmaking
(matchmaking/meeting_reminders.py: a meeting is about to start). Every server process runs the
job; a due row is claimed with one conditional UPDATE of its `reminded_at` (NULL → `at`), so of
two processes at once the row lock (PostgreSQL) or the write lock (SQLite) lets exactly one
claim each row and the other skips it.

Each claimed row has its reminders, in order (one per person). What the broker does with them:

- the first fails: nobody has it yet, so the row is given back (`reminded_at` cleared) and the
  next round, on whichever process, tries again. Reminders are not kept in memory for that
  (the announcer's way): the process may stop, and thousands due in an outage would fill the
  announcer's cap;
- a later one fails: the earlier people have theirs, and giving the row back would send it to
  them again. The rest are handed to `publish_stored` (expo/realtime/announce.py: kept in this
  process and retried in order until the broker takes them), so each person is reminded once.

The hub cannot publish to several topics atomically (each topic is numbered by its own script),
so "all or nothing" is not on offer; this is the next best: never twice, never lost while this
process runs. A timeout may have put an event out all the same (announce.py rule 4): then it may
come twice, and pages drop repeats by id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.errors import Unavailable
from expo.realtime.announce import Announcement
from expo.services import Services

# One claimed row's reminders: (its id, its events in order).
Reminders = list[tuple[int, list[Announcement]]]
Load = Callable[[AsyncSession, list[int]], Awaitable[Reminders]]


async def remind_once(
    svc: Services,
    table: Any,
    due: Callable[[datetime], Sequence[Any]],
    at: datetime,
    load: Load,
    log: logging.Logger,
) -> list[int]:
    """Claim `table`'s rows matching `due(at)` (which must include `reminded_at IS NULL`), send
    their reminders (`load`), give back those none of whose reminders went out. Returns the ids
    this process claimed and kept."""
    async with svc.read() as db:
        # Mostly nothing is due: a read that never waits for (or takes) SQLite's write lock.
        if (await db.execute(select(table.id).where(*due(at)).limit(1))).first() is None:
            return []
    try:
        await svc.hub.announcer.ready()  # a broker that is down: claim nothing, try next round
    except Unavailable:
        log.warning("reminders wait for the broker")
        return []
    async with svc.db() as db:
        claim = update(table).where(*due(at)).values(reminded_at=at).returning(col(table.id))
        # A primary key is never NULL: the filter only tells the type so.
        claimed = [i for i in (await db.execute(claim)).scalars() if i is not None]
        await db.commit()
        if not claimed:
            return []
        reminders = await load(db, claimed)
    unsent: set[int] = set()
    for row_id, events in reminders:
        for index, (topic, kind, data) in enumerate(events):
            try:
                await svc.hub.publish(topic, kind, data)
            except Unavailable:
                if index == 0:
                    log.warning("reminders not sent; given back", extra={"row": row_id})
                    unsent.add(row_id)
                else:  # some went out: the rest are kept and retried here, never resent
                    await svc.hub.publish_stored(events[index:])
                break
    if unsent:
        async with svc.db() as db:
            await db.execute(
                update(table)
                .where(col(table.id).in_(unsent), col(table.reminded_at) == at)
                .values(reminded_at=None)
            )
            await db.commit()
    return [i for i in claimed if i not in unsent]
