"""The stream clock: every process looks once a second at the rooms not offline and feeds them
a `Tick` (streams/domain.py): a publisher or standby not heard of for a while is gone, and an
interruption past the grace (EXPO_STREAM_GRACE) ends offline. The change is a compare-and-set
(streams/store.py `change`), so of all the processes sweeping one makes it and only that one
announces it."""

from __future__ import annotations

import asyncio
import logging

from expo.models import utcnow
from expo.services import Services
from streams import store
from streams.domain import Tick
from streams.routes import announce, config

log = logging.getLogger("expo.streams")
TICK = 1.0  # seconds


async def sweep(svc: Services) -> int:
    """One look at every unsettled room; the number of changes this process made."""
    grace = config(svc).grace
    async with svc.read() as db:
        rooms = await store.unsettled(db)
    made = 0
    for forum_id in rooms:
        async with svc.db() as db:
            changed = await store.change(db, forum_id, Tick(utcnow(), grace))
            forum = await store.forum_by_id(db, forum_id) if changed is not None else None
        if changed is None or forum is None or not changed.announce:
            continue
        made += 1
        log.info("stream swept", extra={"forum": forum_id, "state": changed.row.state})
        await announce(svc, forum, changed.row)
    return made


async def sweep_streams(svc: Services) -> None:
    """The task, until shutdown."""
    while True:
        await asyncio.sleep(TICK)
        try:
            await sweep(svc)
        except Exception:
            log.exception("stream sweep failed")
