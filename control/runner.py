"""The two tasks every server process runs for the control room (docs/control.md):

- `report`: once a second, this process's heartbeat and counters (expo/counters.py) go to the
  shared reports (control/reports.py), replacing its last;
- `aggregate`: once a second, the process holding the lease (SET NX PX, renewed while it lives;
  another takes over within the lease when it dies) gathers every process's reports, the
  database's figures, nginx's statistics and the audiences, composes the figures
  (control/figures.py) and sends one `control.figures` event on `control:all`, numbered by a
  sequence shared by every aggregator so pages keep the newest. The other processes only renew
  their claim.

The event is a flash (not kept for replay: the next second replaces it); the latest figures are
kept for a page's first paint (GET /api/control/figures).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from control import store
from control.config import ControlConfig
from control.figures import Facts, Memory, compose
from control.reports import Reports, make_reports
from expo.errors import Unavailable
from expo.hall.public import booth_topic, staff_topic
from expo.logs import OutageLog
from expo.models import utcnow
from expo.services import Services
from forums.domain import forum_topic
from matchmaking.control_figures import meetings_now, queue_figures
from streams.public import StatUnavailable, StreamStat, fetch_stat, room_airs, stat_url_of

log = logging.getLogger("expo.control")

TOPIC = "control:all"
FIGURES = "control.figures"
COUNT_SPANS = (60, 600)  # what each process reports of its counters: the last minute, ten
BOOTHS_TTL = 30.0  # seconds the aggregator trusts its list of booths (they change rarely)
BEIJING = timedelta(hours=8)  # peaks are per expo day, Beijing time
CACHE = "control.state"


@dataclass
class ControlState:
    """This process's part in the control room, one per app (services.cache)."""

    config: ControlConfig
    reports: Reports
    process: str
    started: datetime
    memory: Memory = field(default_factory=Memory)
    leading: bool = False
    booths: tuple[float, list[store.Booth]] | None = None
    users: int = 0  # the tasks sharing `reports`, which the last one closes


def state_of(svc: Services) -> ControlState:
    found: ControlState | None = svc.cache.get(CACHE)
    if found is None:
        process = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"
        found = svc.cache[CACHE] = ControlState(
            config=ControlConfig.from_env(),
            reports=make_reports(svc.settings.redis_url),
            process=process,
            started=utcnow(),
        )
    return found


def beijing_day(now: datetime) -> str:
    return (now + BEIJING).date().isoformat()


async def _every(interval: float, step: Any, outage: OutageLog) -> None:
    """`step()` once per `interval`, on the beat (a slow step shortens the next wait)."""
    deadline = time.monotonic()
    while True:
        deadline += interval
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))
        if time.monotonic() - deadline > interval:
            deadline = time.monotonic()  # fell behind (a stall): do not catch up in a burst
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except (ConnectionError, Unavailable) as error:
            outage.happened(error)
        except Exception:
            log.exception("control room step failed")


async def _release(svc: Services, state: ControlState) -> None:
    state.users -= 1
    if state.users <= 0:
        await state.reports.close()


async def report(svc: Services) -> None:
    """The heartbeat task: this process's report, every interval, until shutdown."""
    state = state_of(svc)
    state.users += 1
    outage = OutageLog(log, "control report skipped: Redis unavailable")

    async def step() -> None:
        await state.reports.put(
            state.process,
            {
                "sockets": len(svc.gateway.clients),
                "started": state.started.isoformat(),
                "counts": svc.counters.totals(COUNT_SPANS),
            },
            keep=state.config.process_forget,
        )

    try:
        await step()  # at once: a new process is seen before its first beat
        await _every(state.config.interval, step, outage)
    finally:
        await _release(svc, state)


async def aggregate(svc: Services) -> None:
    """The aggregation task: whoever holds the lease publishes the figures, every interval."""
    state = state_of(svc)
    state.users += 1
    outage = OutageLog(log, "control figures skipped: Redis unavailable")

    async def step() -> None:
        cfg = state.config
        if not await state.reports.lead(state.process, cfg.lease):
            if state.leading:
                log.info(
                    "control aggregation handed over", extra={"control_process": state.process}
                )
            state.leading, state.memory = False, Memory()
            return
        if not state.leading:
            log.info("control aggregation taken", extra={"control_process": state.process})
            state.leading = True
        figures = compose(await gather(svc, state), state.memory, cfg)
        figures["seq"] = await state.reports.next_seq()
        await state.reports.keep_figures(orjson.dumps(figures))
        await svc.hub.flash(TOPIC, FIGURES, figures)

    try:
        await _every(state.config.interval, step, outage)
    finally:
        if state.leading:
            try:  # hand over at once rather than after the lease
                await asyncio.wait_for(asyncio.shield(state.reports.resign(state.process)), 1)
            except (ConnectionError, TimeoutError, asyncio.CancelledError):
                pass
        await _release(svc, state)


async def gather(svc: Services, state: ControlState) -> Facts:
    now, mono = utcnow(), time.monotonic()
    cfg = state.config
    async with svc.read() as db:
        rooms = await store.rooms(db)
        airs = {a.forum_id: a for a in await room_airs(db)}
        sessions = store.by_forum(await store.sessions_around(db, now))
        polls = await store.open_polls(db)
        if state.booths is None or mono - state.booths[0] > BOOTHS_TTL:
            state.booths = (mono, await store.booths(db))
        queues = await queue_figures(db, cfg.top_queues)
        meetings = await meetings_now(db, now)
    booths = state.booths[1]
    stat: dict[str, StreamStat] | None = {}
    if any(a.state == "live" and not a.external for a in airs.values()):
        try:
            stat = await fetch_stat(cfg.stat_url or stat_url_of(svc), timeout=0.8)
        except StatUnavailable as error:
            log.debug("rtmp_stat unreadable", extra={"error": str(error)})
            stat = None
    topics = [forum_topic(r.id) for r in rooms]
    topics += [booth_topic(b.id) for b in booths] + [staff_topic(b.id) for b in booths]
    audience = await svc.hub.presence(topics)
    viewers = {r.id: audience.get(forum_topic(r.id), 0) for r in rooms}
    peaks = await state.reports.peaks(beijing_day(now), {str(k): v for k, v in viewers.items()})
    reports = await state.reports.read()
    forgotten = [r.process for r in reports if r.age > cfg.process_forget]
    if forgotten:
        await state.reports.forget(forgotten)
    return Facts(
        now=now,
        mono=mono,
        rooms=rooms,
        airs=airs,
        sessions=sessions,
        open_polls=polls,
        stat=stat,
        viewers=viewers,
        peaks={int(k): v for k, v in peaks.items() if k.isdigit()},
        reports=[r for r in reports if r.age <= cfg.process_forget],
        booths=booths,
        visitors={b.id: audience.get(booth_topic(b.id), 0) for b in booths},
        staff={b.id: audience.get(staff_topic(b.id), 0) for b in booths},
        queues=queues,
        meetings_now=meetings,
        leader=state.process,
    )
