"""Self-hosted livestreams, the ingest: each room's stream keys, nginx-rtmp's callbacks that
turn a room live, interrupted or offline for every viewer (a backup publisher taking over, a
sweeper ending interruptions past the grace), the replays nginx's recordings become, and
`expo rtmp-config` (docs/streams.md).

A feature found by entry point like `forums/`, on which it builds: rooms are the forums' rows,
and a room's state is announced on its topic (`forum:<id>`, event `stream.state`). The forums'
room views show it through `forums.views.ROOM_STREAMS`, which this feature fills in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from expo.features import Feature
from expo.services import Services
from forums.models import Forum
from forums.views import ROOM_STREAMS
from streams import (
    cli,
    hooks,
    replay_hook,
    replay_routes,
    replay_worker,
    routes,
    seed,
    store,
    sweeper,
)


async def register(svc: Services) -> None:
    """At start, before the first request: the forums' room views read the rooms' states here."""
    cfg = routes.config(svc)

    async def room_streams(
        db: AsyncSession, forums: Sequence[Forum]
    ) -> Mapping[int, dict[str, Any]]:
        rows = await store.rows_of(db, [f.id for f in forums if f.id is not None])
        return {
            forum.id: routes.state_of(cfg, forum, row)
            for forum in forums
            if forum.id is not None and (row := rows.get(forum.id)) is not None
        }

    svc.cache[ROOM_STREAMS] = room_streams


feature = Feature(
    name="streams",
    routes=[*hooks.routes, *replay_hook.routes, *routes.routes, *replay_routes.routes],
    models="streams.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    seed=seed.seed,
    permissions={**routes.permissions, **hooks.permissions, **replay_routes.permissions},
    startup=[register],
    tasks=[sweeper.sweep_streams, replay_worker.make_replays],
    cli={"rtmp-config": ("print the nginx configuration of the stream ingest", cli.main)},
)
