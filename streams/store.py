"""The ingest's queries, each an async function taking the database session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.models import utcnow
from forums.models import Forum
from streams.domain import Event, State, Stream, transition
from streams.keys import RoomKeys, Which, new_key
from streams.models import RoomStream


async def rooms(db: AsyncSession) -> list[tuple[Forum, RoomStream]]:
    """Every room with its stream row, in the lobby's order; rows a room lacks (a room imported
    since) are made here, with fresh keys."""
    forums = (await db.execute(select(Forum).order_by(col(Forum.position)))).scalars().all()
    streams = await rows_of(db, [f.id for f in forums if f.id is not None])
    missing = [f.id for f in forums if f.id is not None and f.id not in streams]
    if missing:
        await _create(db, missing)
        streams = await rows_of(db, [f.id for f in forums if f.id is not None])
    return [(f, streams[f.id]) for f in forums if f.id in streams]


async def _create(db: AsyncSession, forum_ids: Sequence[int]) -> None:
    for forum_id in forum_ids:
        try:
            async with db.begin_nested():
                db.add(RoomStream(forum_id=forum_id, main_key=new_key(), backup_key=new_key()))
        except IntegrityError:
            pass  # another process made it first: its keys stand
    await db.commit()


async def rows_of(db: AsyncSession, forum_ids: Sequence[int]) -> dict[int, RoomStream]:
    if not forum_ids:
        return {}
    found = await db.execute(select(RoomStream).where(col(RoomStream.forum_id).in_(forum_ids)))
    return {row.forum_id: row for row in found.scalars()}


async def all_keys(db: AsyncSession) -> list[RoomKeys]:
    found = await db.execute(
        select(RoomStream.forum_id, RoomStream.main_key, RoomStream.backup_key)
    )
    return [RoomKeys(*row) for row in found.all()]


async def rotate(db: AsyncSession, forum_id: int, which: Which) -> RoomStream | None:
    """A new key in place of the old, which no longer matches from this commit on."""
    column = "main_key" if which == Which.MAIN else "backup_key"
    result = await db.execute(
        update(RoomStream)
        .where(col(RoomStream.forum_id) == forum_id)
        .values({column: new_key(), "updated_at": utcnow()})
        .returning(RoomStream)
    )
    row = result.scalars().first()
    await db.commit()
    return row


def stream_of(row: RoomStream) -> Stream:
    return Stream(
        state=State(row.state),
        since=row.since,
        interrupted_since=row.interrupted_since,
        publisher=None if row.publisher is None else Which(row.publisher),
        client_id=row.client_id,
        seen_at=row.seen_at,
        standby_client_id=row.standby_client_id,
        standby_seen_at=row.standby_seen_at,
    )


@dataclass(frozen=True, slots=True)
class Changed:
    row: RoomStream  # as stored after the event
    stream: Stream
    announce: bool  # what viewers see changed: this process, and only it, announces it


async def change(
    db: AsyncSession, forum_id: int, event: Event, attempts: int = 5
) -> Changed | None:
    """Apply `event` to the room's stream (streams/domain.py `transition`) and store the result
    with its version bumped, as a compare-and-set on what was read: of several processes
    applying events at once each change is made once, by one of them, which announces it.
    None: the room has no stream row."""
    for _ in range(attempts):
        read = select(RoomStream).where(col(RoomStream.forum_id) == forum_id)
        found = await db.execute(read.execution_options(populate_existing=True))
        row = found.scalars().first()
        if row is None:
            return None
        before = stream_of(row)
        after = transition(before, event)
        if after == before:
            await db.commit()
            return Changed(row, before, announce=False)
        result = await db.execute(
            update(RoomStream)
            .where(
                col(RoomStream.forum_id) == forum_id,
                col(RoomStream.version) == row.version,
                col(RoomStream.seen_at).is_not_distinct_from(row.seen_at),
                col(RoomStream.standby_seen_at).is_not_distinct_from(row.standby_seen_at),
            )
            .values(
                state=after.state.value,
                since=after.since,
                interrupted_since=after.interrupted_since,
                publisher=None if after.publisher is None else after.publisher.value,
                client_id=after.client_id,
                seen_at=after.seen_at,
                standby_client_id=after.standby_client_id,
                standby_seen_at=after.standby_seen_at,
                backup_aired_at=_backup_aired(before, after, row.backup_aired_at),
                version=RoomStream.version + 1,
                updated_at=utcnow(),
            )
            .returning(RoomStream)
            .execution_options(populate_existing=True)
        )
        stored = result.scalars().first()
        await db.commit()
        if stored is not None:
            return Changed(stored, after, announce=after.public() != before.public())
    raise RuntimeError(f"room {forum_id}'s stream kept changing under {attempts} attempts")


def _backup_aired(before: Stream, after: Stream, last: datetime | None) -> datetime | None:
    """When the backup went on air, if this change put it there (its recording is a replay)."""
    on_air = after.state == State.LIVE and after.publisher == Which.BACKUP
    was = before.state == State.LIVE and before.publisher == Which.BACKUP
    return utcnow() if on_air and not was else last


async def room_of_client(db: AsyncSession, client_id: str) -> int | None:
    """The room whose publisher or standby this is (found by nginx's client id alone)."""
    held = await db.execute(
        select(RoomStream.forum_id).where(
            or_(
                col(RoomStream.client_id) == client_id,
                col(RoomStream.standby_client_id) == client_id,
            )
        )
    )
    return held.scalars().first()


async def unsettled(db: AsyncSession) -> list[int]:
    """Rooms the sweeper looks at: live, interrupted, or with a standby."""
    found = await db.execute(
        select(RoomStream.forum_id).where(
            or_(
                col(RoomStream.state) != State.OFFLINE.value,
                col(RoomStream.standby_client_id).is_not(None),
            )
        )
    )
    return list(found.scalars())


async def seen(db: AsyncSession, forum_id: int, client_id: str, now: datetime) -> bool:
    """Heard from the room's live publisher or its standby (nginx's `on_update`); False if it
    is neither (no version: viewers see no change)."""
    live = await db.execute(
        update(RoomStream)
        .where(
            col(RoomStream.forum_id) == forum_id,
            col(RoomStream.state) == State.LIVE.value,
            col(RoomStream.client_id) == client_id,
        )
        .values(seen_at=now)
        .returning(col(RoomStream.forum_id))
    )
    held = live.first() is not None
    if not held:
        standby = await db.execute(
            update(RoomStream)
            .where(
                col(RoomStream.forum_id) == forum_id,
                col(RoomStream.standby_client_id) == client_id,
            )
            .values(standby_seen_at=now)
            .returning(col(RoomStream.forum_id))
        )
        held = standby.first() is not None
    await db.commit()
    return held


async def forum_by_slug(db: AsyncSession, slug: str) -> Forum | None:
    return (await db.execute(select(Forum).where(col(Forum.slug) == slug))).scalars().first()


async def forum_by_id(db: AsyncSession, forum_id: int) -> Forum | None:
    return await db.get(Forum, forum_id)
