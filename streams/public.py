"""What other features (the control room) may use of the streams feature, and nothing more: they
call these, never its tables or modules directly. No stream key is ever part of what is here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from expo.services import Services
from forums.models import Forum
from streams.domain import STREAM_STATE, State
from streams.models import RoomStream
from streams.stat import StatUnavailable, StreamStat, fetch_stat, stat_url

__all__ = [
    "STREAM_STATE",
    "RoomAir",
    "StatUnavailable",
    "StreamStat",
    "fetch_stat",
    "room_airs",
    "stat_url_of",
]


@dataclass(frozen=True, slots=True)
class RoomAir:
    """A room's stream as the streams feature knows it (docs/streams.md)."""

    forum_id: int
    slug: str
    state: str  # live | interrupted | offline
    since: datetime | None  # the live session's start, kept while interrupted
    interrupted_since: datetime | None
    publisher: str | None  # main | backup, while live
    version: int
    external: bool  # the room plays an external URL (it wins over the ingest)

    @property
    def on_air_name(self) -> str | None:
        """The name nginx's statistics give the stream on air (`<slug>` or `<slug>-backup`)."""
        if self.state != State.LIVE or self.publisher is None:
            return None
        return self.slug if self.publisher == "main" else f"{self.slug}-backup"


async def room_airs(db: AsyncSession) -> list[RoomAir]:
    """Every room's stream, in the lobby's order (read only: a room without its row yet is left
    out until the streams feature makes it)."""
    # The columns named, not the row: what other features read stays this narrow.
    found = await db.execute(
        select(
            col(RoomStream.forum_id),
            col(Forum.slug),
            col(Forum.stream_url),
            col(RoomStream.state),
            col(RoomStream.since),
            col(RoomStream.interrupted_since),
            col(RoomStream.publisher),
            col(RoomStream.version),
        )
        .join(Forum, col(Forum.id) == col(RoomStream.forum_id))
        .order_by(col(Forum.position), col(Forum.id))
    )
    return [
        RoomAir(
            forum_id=forum_id,
            slug=slug,
            state=state,
            since=since if state != State.OFFLINE else None,
            interrupted_since=interrupted if state == State.INTERRUPTED else None,
            publisher=publisher if state == State.LIVE else None,
            version=version,
            external=bool(external),
        )
        for forum_id, slug, external, state, since, interrupted, publisher, version in found.all()
    ]


def stat_url_of(svc: Services) -> str:
    """Where nginx's statistics are read (EXPO_RTMP_STAT_URL; streams/stat.py)."""
    del svc  # read from the environment, like the rest of the streams' settings
    return stat_url(os.environ)
