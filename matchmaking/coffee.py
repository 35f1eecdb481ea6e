"""Random 1:1 coffees (咖啡轮盘): opt in, get paired with someone new, both accept within the
window, talk in a private room (chat + video) for a few minutes.

Commands (the pairing's rules: matchmaking/coffee_rules.py; the pool: coffee_pool.py):
- `coffee.join` {}: into the pool (again: keeps one's place) -> {"waiting": true};
  `coffee.busy` while in a pairing or a room already.
- `coffee.leave` {}: out of the pool; a pairing not yet accepted by both is cancelled (`left`)
  -> {"waiting": false}.
- `coffee.accept` {pair} -> {"pair", "status": "proposed" | "started"};
  `coffee.decline` {pair} -> {"pair", "status": "cancelled"}; `coffee.not_open` once it is
  decided. Only the pair's two people (coffee_access.py).

Events on each person's `account:<id>`:
- `coffee.proposed` {pair, with: the other's card, accept_by};
- `coffee.started` {pair, topic: "coffee:<pair>", ends_at} once both accepted;
- `coffee.cancelled` {pair, reason: declined | timeout | left, waiting}: `waiting` is true for
  whoever had accepted: they are back in front of the pool;
- `coffee.ended` {pair} when the room's time is up (also on the room's topic).

Who decides what: the pool (one atomic operation each) decides that a person is taken once; the
database decides each pairing's fate with compare-and-set updates, so one process starts,
cancels or ends it, whoever tries at the same moment. A clock task per process (`sweep_coffee`)
times proposals out, ends rooms and pairs whoever the pool still holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from pydantic import Field
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from expo.db import stored_id
from expo.errors import Conflict, ExpoError
from expo.models import utcnow
from expo.realtime.announce import Announcement
from expo.realtime.broker import BrokerUnavailable
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.services import Services
from matchmaking.coffee_access import JOINS, PARTY_TO_COFFEE, coffee_of_command, coffee_topic
from matchmaking.coffee_pool import CoffeePool, coffee_pool
from matchmaking.coffee_rules import Waiting, apart, back_to_pool, next_pair
from matchmaking.models import Coffee, CoffeeStatus, MatchBlock, Meeting, MeetingStatus
from matchmaking.organiser_settings import match_settings
from matchmaking.room import person_view
from matchmaking.topics import account_topic

log = logging.getLogger(__name__)
T = TypeVar("T")
Id = Annotated[int, Field(gt=0, lt=2**31)]

POOL_KEY = "matchmaking.coffee_pool"
LOCK_KEY = "matchmaking.coffee_lock"
LOOK = 200  # the longest-waiting people one pairing looks at
TICK = 1.0  # seconds between two looks of the clock
RATE = "moderate"
MET = (CoffeeStatus.STARTED, CoffeeStatus.ENDED)


class Nothing(Strict):
    pass


class PairCommand(Strict):
    pair: Id


def pool_of(svc: Services) -> CoffeePool:
    """This app's pool, made on first use (closed by the clock task at shutdown)."""
    found = svc.cache.get(POOL_KEY)
    if found is None:
        found = coffee_pool(svc.settings.redis_url, svc.settings.redis_pool_size)
        svc.cache[POOL_KEY] = found
    return found


async def shared(step: Awaitable[T]) -> T:
    try:
        return await step
    except BrokerUnavailable as error:
        raise ExpoError(
            "coffee.unavailable", "The coffee pool cannot be reached just now.", status=503
        ) from error


# --- reads ------------------------------------------------------------------------------------


async def kept_apart(db: AsyncSession, ids: list[int]) -> set[frozenset[int]]:
    """The pairs among `ids` never to be paired: a block either way, a meeting, a coffee held."""
    queries = [
        select(MatchBlock.account_id, MatchBlock.blocked_id).where(
            col(MatchBlock.account_id).in_(ids), col(MatchBlock.blocked_id).in_(ids)
        ),
        select(Meeting.requester_id, Meeting.recipient_id).where(
            col(Meeting.requester_id).in_(ids),
            col(Meeting.recipient_id).in_(ids),
            col(Meeting.status) == MeetingStatus.CONFIRMED,
        ),
        select(Coffee.low_id, Coffee.high_id).where(
            col(Coffee.low_id).in_(ids), col(Coffee.high_id).in_(ids), col(Coffee.status).in_(MET)
        ),
    ]
    found: set[frozenset[int]] = set()
    for query in queries:
        found |= {apart(a, b) for a, b in (await db.execute(query)).all()}
    return found


async def live_coffee(db: AsyncSession, account_id: int) -> Coffee | None:
    """The person's pairing waiting for answers, or their room still open."""
    rows = await db.execute(
        select(Coffee).where(
            or_(col(Coffee.low_id) == account_id, col(Coffee.high_id) == account_id),
            or_(
                col(Coffee.status) == CoffeeStatus.PROPOSED,
                (col(Coffee.status) == CoffeeStatus.STARTED) & (col(Coffee.ends_at) > utcnow()),
            ),
        )
    )
    return rows.scalars().first()


# --- announcing -------------------------------------------------------------------------------


def started_view(coffee_id: int, ends_at: Any) -> dict[str, Any]:
    return {"pair": coffee_id, "topic": coffee_topic(coffee_id), "ends_at": ends_at.isoformat()}


async def _proposed(svc: Services, coffee: Coffee) -> list[Announcement]:
    async with svc.read() as db:
        cards = {p: await person_view(db, p) for p in (coffee.low_id, coffee.high_id)}
    accept_by = coffee.accept_by.isoformat()
    return [
        (
            account_topic(me),
            "coffee.proposed",
            {"pair": stored_id(coffee), "with": cards[other], "accept_by": accept_by},
        )
        for me, other in ((coffee.low_id, coffee.high_id), (coffee.high_id, coffee.low_id))
    ]


# --- pairing ----------------------------------------------------------------------------------


async def propose(svc: Services, one: int, other: int) -> Coffee:
    async with svc.db() as db:
        window = (await match_settings(db)).coffee_accept_window
        coffee = Coffee(
            low_id=min(one, other),
            high_id=max(one, other),
            accept_by=utcnow() + timedelta(seconds=window),
        )
        db.add(coffee)
        await db.commit()
        await db.refresh(coffee)
    await svc.hub.publish_stored(await _proposed(svc, coffee))
    return coffee


async def pair_waiting(svc: Services) -> int:
    """Pair whoever may be paired now, longest waiting first; how many pairs were proposed."""
    pool = pool_of(svc)
    rng: random.Random = svc.cache.setdefault("matchmaking.coffee_rng", random.Random())
    lock: asyncio.Lock = svc.cache.setdefault(LOCK_KEY, asyncio.Lock())
    made = 0
    async with lock:  # other processes may pair at the same time: `claim` settles it
        for _ in range(LOOK):
            waiting = [Waiting(a, s) for a, s in await shared(pool.waiting(LOOK))]
            if len(waiting) < 2:
                break
            async with svc.read() as db:
                keep = await kept_apart(db, [w.account for w in waiting])
            pair = next_pair(waiting, keep, rng)
            if pair is None:
                break
            if not await shared(pool.claim(*pair)):
                continue  # one of them was paired elsewhere or left meanwhile: look again
            try:
                await propose(svc, *pair)
            except BaseException:
                for person in pair:  # not proposed: their places are theirs again
                    with contextlib.suppress(Exception):
                        await pool.front(person, time.time())
                raise
            made += 1
    return made


async def cancel(svc: Services, coffee_id: int, reason: str, by: int | None = None) -> bool:
    """End a pairing not yet accepted by both (once, whichever process tries); whoever had
    accepted goes back in front of the pool. Whether this call cancelled it."""
    async with svc.db() as db:
        row = (
            await db.execute(
                update(Coffee)
                .where(col(Coffee.id) == coffee_id, col(Coffee.status) == CoffeeStatus.PROPOSED)
                .values(status=CoffeeStatus.CANCELLED, reason=reason)
                .returning(
                    col(Coffee.low_id),
                    col(Coffee.high_id),
                    col(Coffee.low_accepted),
                    col(Coffee.high_accepted),
                )
            )
        ).first()
        await db.commit()
    if row is None:
        return False
    low, high, low_yes, high_yes = row
    back = back_to_pool((low, high), (low_yes, high_yes), by)
    for person in back:
        await shared(pool_of(svc).front(person, time.time()))
    await svc.hub.publish_stored(
        [
            (
                account_topic(p),
                "coffee.cancelled",
                {"pair": coffee_id, "reason": reason, "waiting": p in back},
            )
            for p in (low, high)
        ]
    )
    if back:
        await pair_waiting(svc)
    return True


def not_open() -> Conflict:
    return Conflict("coffee.not_open", "This pairing is no longer open.")


async def accept(svc: Services, coffee_id: int, who: int) -> dict[str, Any]:
    async with svc.db() as db:
        coffee = await db.get(Coffee, coffee_id)
        assert coffee is not None  # the permission check loaded it
        side = col(Coffee.low_accepted) if who == coffee.low_id else col(Coffee.high_accepted)
        said = await db.execute(
            update(Coffee)
            .where(
                col(Coffee.id) == coffee_id,
                col(Coffee.status) == CoffeeStatus.PROPOSED,
                col(Coffee.accept_by) > utcnow(),
            )
            .values({side: True})
        )
        if said.rowcount != 1:  # type: ignore[attr-defined]
            raise not_open()
        minutes = (await match_settings(db)).coffee_minutes
        await db.commit()
    now = utcnow()
    async with svc.db() as db:
        started = (
            await db.execute(
                update(Coffee)
                .where(
                    col(Coffee.id) == coffee_id,
                    col(Coffee.status) == CoffeeStatus.PROPOSED,
                    col(Coffee.low_accepted).is_(True),
                    col(Coffee.high_accepted).is_(True),
                )
                .values(
                    status=CoffeeStatus.STARTED,
                    started_at=now,
                    ends_at=now + timedelta(minutes=minutes),
                )
                .returning(col(Coffee.low_id), col(Coffee.high_id))
            )
        ).first()
        await db.commit()
    if started is None:
        return {"pair": coffee_id, "status": CoffeeStatus.PROPOSED}
    view = started_view(coffee_id, now + timedelta(minutes=minutes))
    await svc.hub.publish_stored([(account_topic(p), "coffee.started", view) for p in started])
    return {"pair": coffee_id, "status": CoffeeStatus.STARTED}


# --- commands ---------------------------------------------------------------------------------


async def join(ctx: CommandContext, data: Nothing) -> dict[str, Any]:
    who = ctx.require_principal()
    svc = ctx.services
    async with svc.read() as db:
        if await live_coffee(db, who.account_id) is not None:
            raise Conflict("coffee.busy", "Finish the coffee you are in first.")
    await shared(pool_of(svc).join(who.account_id, time.time()))
    await pair_waiting(svc)
    return {"waiting": True}


async def leave(ctx: CommandContext, data: Nothing) -> dict[str, Any]:
    who = ctx.require_principal()
    svc = ctx.services
    await shared(pool_of(svc).leave(who.account_id))
    async with svc.read() as db:
        coffee = await live_coffee(db, who.account_id)
    if coffee is not None and coffee.status == CoffeeStatus.PROPOSED:
        await cancel(svc, stored_id(coffee), "left", who.account_id)
    return {"waiting": False}


async def accept_command(ctx: CommandContext, data: PairCommand) -> dict[str, Any]:
    return await accept(ctx.services, data.pair, ctx.require_principal().account_id)


async def decline_command(ctx: CommandContext, data: PairCommand) -> dict[str, Any]:
    who = ctx.require_principal()
    if not await cancel(ctx.services, data.pair, "declined", who.account_id):
        raise not_open()
    return {"pair": data.pair, "status": CoffeeStatus.CANCELLED}


# --- the clock --------------------------------------------------------------------------------


async def expire_proposals(svc: Services) -> int:
    async with svc.read() as db:
        due = await db.execute(
            select(Coffee.id).where(
                col(Coffee.status) == CoffeeStatus.PROPOSED, col(Coffee.accept_by) <= utcnow()
            )
        )
        ids = [int(i) for i in due.scalars() if i is not None]
    return sum([await cancel(svc, i, "timeout") for i in ids])


async def end_rooms(svc: Services) -> int:
    async with svc.db() as db:
        rows = (
            await db.execute(
                update(Coffee)
                .where(col(Coffee.status) == CoffeeStatus.STARTED, col(Coffee.ends_at) <= utcnow())
                .values(status=CoffeeStatus.ENDED)
                .returning(col(Coffee.id), col(Coffee.low_id), col(Coffee.high_id))
            )
        ).all()
        await db.commit()
    events: list[Announcement] = []
    for coffee_id, low, high in rows:
        assert coffee_id is not None
        for topic in (coffee_topic(coffee_id), account_topic(low), account_topic(high)):
            events.append((topic, "coffee.ended", {"pair": coffee_id}))
    if events:
        await svc.hub.publish_stored(events)
    return len(rows)


async def sweep_coffee(svc: Services) -> None:
    """The task: the coffees' clock, until shutdown (then the pool closes)."""
    try:
        while True:
            await asyncio.sleep(TICK)
            for step in (expire_proposals, end_rooms, pair_waiting):
                try:
                    await step(svc)
                except Exception:
                    log.exception("coffee sweep failed", extra={"step": step.__name__})
    finally:
        pool = svc.cache.pop(POOL_KEY, None)
        if pool is not None:
            with contextlib.suppress(Exception):
                await pool.close()


commands = {
    "coffee.join": CommandSpec(join, Nothing, action="coffee.join", rate=RATE),
    "coffee.leave": CommandSpec(leave, Nothing, action="coffee.leave", rate=RATE),
    "coffee.accept": CommandSpec(
        accept_command, PairCommand, action="coffee.accept", rate=RATE, target=coffee_of_command
    ),
    "coffee.decline": CommandSpec(
        decline_command, PairCommand, action="coffee.decline", rate=RATE, target=coffee_of_command
    ),
}

permissions = {
    "coffee.join": JOINS,
    "coffee.leave": JOINS,
    "coffee.accept": PARTY_TO_COFFEE,
    "coffee.decline": PARTY_TO_COFFEE,
}

tasks = [sweep_coffee]
