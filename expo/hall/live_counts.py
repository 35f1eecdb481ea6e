"""Live figures of the hall: visitors now and staff online per booth, over all processes.

- Visitors now: the audience of `booth:<id>` (every socket following the booth's page).
- Staff online: that exhibitor's staff with a socket following `booth-staff:<id>`, one per
  account (organisers may follow the topic too; they do not count: `presence_roles`).

Both are the hub's presence, summed over processes by the broker. The hall page follows
`hall-live:<block>` summary topics, one per block of BLOCK exhibitor ids on screen: each pushes
`presence.summary` with the counts of that block's booths, at most once per presence interval
and only when one changed. A hall page costs the booths it shows, not the 5,000 in the hall.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlmodel import col, select

from expo.errors import NotFound
from expo.hall.topics import BOOTH, BOOTH_STAFF, booth_topic, staff_topic
from expo.models import Exhibitor, Role
from expo.realtime.gateway import CommandContext
from expo.services import Services

LIVE = "hall-live"
BLOCK = 50  # exhibitor ids per hall-live topic
IDS_TTL = 30.0  # how long a process trusts its list of exhibitor ids (they change rarely)
MAX_BLOCK = (2**31 - 1) // BLOCK

presence = frozenset({BOOTH, BOOTH_STAFF})
presence_roles = {BOOTH_STAFF: frozenset({Role.EXHIBITOR.value})}


def block_of(exhibitor_id: int) -> int:
    return exhibitor_id // BLOCK


def live_topic(block: int) -> str:
    return f"{LIVE}:{block}"


def block_key(key: str) -> int:
    if not key.isdigit() or len(key) > 10 or int(key) > MAX_BLOCK:
        raise NotFound("hall.unknown_block", f"There is no hall block {key!r}.")
    return int(key)


async def live_guard(ctx: CommandContext, key: str) -> None:
    """Anyone may watch the hall's figures."""
    block_key(key)


async def blocks(services: Services) -> dict[int, list[str]]:
    """Each block's topics (its booths' and their staff's), for the exhibitors that exist: read
    again every IDS_TTL seconds, so a summary costs a lookup, not a pass over 5,000 ids."""
    cached = services.cache.get("hall.live_blocks")
    now = time.monotonic()
    if cached is None or now - cached[0] > IDS_TTL:
        async with services.read() as db:
            ids = (await db.execute(select(Exhibitor.id).order_by(col(Exhibitor.id)))).scalars()
            by_block: dict[int, list[str]] = {}
            for exhibitor_id in ids.all():
                if exhibitor_id is not None:
                    by_block.setdefault(block_of(exhibitor_id), []).extend(
                        [booth_topic(exhibitor_id), staff_topic(exhibitor_id)]
                    )
        cached = services.cache["hall.live_blocks"] = (now, by_block)
    return dict(cached[1])


async def live_topics(services: Services, key: str) -> list[str]:
    """The topics `hall-live:<block>` sums up: its existing booths' and their staff's."""
    return list((await blocks(services)).get(block_key(key), []))


async def visitors(services: Services, ids: Iterable[int]) -> dict[int, int]:
    """Visitors now of each booth, over all processes (what `sort=busy` orders by)."""
    wanted = list(dict.fromkeys(ids))
    totals = await services.hub.presence([booth_topic(i) for i in wanted])
    return {i: totals.get(booth_topic(i), 0) for i in wanted}


async def counts(services: Services, ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(visitors now, staff online) of each booth, over all processes, as last reported."""
    wanted = list(dict.fromkeys(ids))
    totals = await services.hub.presence(
        [booth_topic(i) for i in wanted] + [staff_topic(i) for i in wanted]
    )
    return {i: (totals.get(booth_topic(i), 0), totals.get(staff_topic(i), 0)) for i in wanted}


topics = {LIVE: live_guard}
summaries = {LIVE: live_topics}
