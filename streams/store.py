"""The ingest's queries, each an async function taking the database session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.models import utcnow
from forums.models import Forum
from streams.domain import STALE_AFTER
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


async def go_live(
    db: AsyncSession, forum_id: int, which: Which, client_id: str, now: datetime
) -> RoomStream | None:
    """The room is live with this publisher, unless another one holds it (and was heard of
    recently): in one statement, so two processes never both hand it out."""
    result = await db.execute(
        update(RoomStream)
        .where(
            col(RoomStream.forum_id) == forum_id,
            or_(
                col(RoomStream.live).is_(False),
                col(RoomStream.client_id) == client_id,
                col(RoomStream.seen_at).is_(None),
                col(RoomStream.seen_at) < now - STALE_AFTER,
            ),
        )
        .values(
            live=True,
            since=now,
            publisher=which.value,
            client_id=client_id,
            seen_at=now,
            version=RoomStream.version + 1,
            updated_at=now,
        )
        .returning(RoomStream)
    )
    row = result.scalars().first()
    await db.commit()
    return row


async def go_offline(
    db: AsyncSession, forum_id: int, client_id: str, now: datetime
) -> RoomStream | None:
    """Offline, if this publisher is still the room's (a replaced one's `done` changes nothing)."""
    result = await db.execute(
        update(RoomStream)
        .where(
            and_(
                col(RoomStream.forum_id) == forum_id,
                col(RoomStream.live).is_(True),
                col(RoomStream.client_id) == client_id,
            )
        )
        .values(
            live=False,
            publisher=None,
            client_id=None,
            version=RoomStream.version + 1,
            updated_at=now,
        )
        .returning(RoomStream)
    )
    row = result.scalars().first()
    await db.commit()
    return row


async def go_offline_client(db: AsyncSession, client_id: str, now: datetime) -> RoomStream | None:
    """Offline, the room this publisher holds (found by nginx's client id alone)."""
    held = await db.execute(
        select(RoomStream.forum_id).where(
            col(RoomStream.live).is_(True), col(RoomStream.client_id) == client_id
        )
    )
    forum_id = held.scalars().first()
    return None if forum_id is None else await go_offline(db, forum_id, client_id, now)


async def seen(db: AsyncSession, forum_id: int, client_id: str, now: datetime) -> bool:
    """Heard from the room's live publisher (nginx's `on_update`); False if it is not that."""
    result = await db.execute(
        update(RoomStream)
        .where(
            col(RoomStream.forum_id) == forum_id,
            col(RoomStream.live).is_(True),
            col(RoomStream.client_id) == client_id,
        )
        .values(seen_at=now)
        .returning(col(RoomStream.forum_id))
    )
    held = result.first() is not None
    await db.commit()
    return held


async def forum_by_slug(db: AsyncSession, slug: str) -> Forum | None:
    return (await db.execute(select(Forum).where(col(Forum.slug) == slug))).scalars().first()


async def forum_by_id(db: AsyncSession, forum_id: int) -> Forum | None:
    return await db.get(Forum, forum_id)
