"""The replays' queries, each an async function taking the database session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.models import utcnow
from forums.models import Forum, ForumSession
from streams.keys import Which
from streams.models import RoomStream, StreamReplay
from streams.replay_rules import ReplayState, Session

MAX_ATTEMPTS = 3  # a recording that failed to remux this often stays `failed`


async def recorded(
    db: AsyncSession,
    forum_id: int,
    which: Which,
    source: str,
    started_at: datetime,
    ended_at: datetime,
    hidden: bool,
) -> StreamReplay:
    """The replay of a finished recording, waiting to be remuxed (the same one if nginx told
    us twice)."""
    try:
        async with db.begin_nested():
            row = StreamReplay(
                forum_id=forum_id,
                publisher=which.value,
                source=source,
                started_at=started_at,
                ended_at=ended_at,
                hidden=hidden,
            )
            db.add(row)
    except IntegrityError:
        found = await db.execute(select(StreamReplay).where(col(StreamReplay.source) == source))
        row = found.scalars().one()
    await db.commit()
    return row


async def backup_aired_at(db: AsyncSession, forum_id: int) -> datetime | None:
    found = await db.execute(
        select(RoomStream.backup_aired_at).where(col(RoomStream.forum_id) == forum_id)
    )
    return found.scalars().first()


async def claim(db: AsyncSession, now: datetime, stale: timedelta) -> StreamReplay | None:
    """One recording to remux, claimed as a compare-and-set (of several processes one gets
    it); a claim older than `stale` is a process that died at it, and is taken over."""
    waiting = or_(
        col(StreamReplay.state) == ReplayState.RECORDED.value,
        and_(
            col(StreamReplay.state) == ReplayState.PROCESSING.value,
            col(StreamReplay.claimed_at) < now - stale,
        ),
    )
    found = await db.execute(
        select(StreamReplay).where(waiting).order_by(col(StreamReplay.id)).limit(5)
    )
    for row in found.scalars().all():
        result = await db.execute(
            update(StreamReplay)
            .where(
                col(StreamReplay.id) == row.id,
                col(StreamReplay.state) == row.state,
                col(StreamReplay.claimed_at).is_not_distinct_from(row.claimed_at),
            )
            .values(
                state=ReplayState.PROCESSING.value,
                claimed_at=now,
                attempts=StreamReplay.attempts + 1,
                updated_at=now,
            )
            .returning(StreamReplay)
            .execution_options(populate_existing=True)
        )
        claimed = result.scalars().first()
        await db.commit()
        if claimed is not None:
            return claimed
    return None


async def ready(
    db: AsyncSession, replay_id: int, claimed_at: datetime, file: str, size: int, duration: float
) -> StreamReplay | None:
    """Remuxed: offered from now on. None if the claim was lost (another process took it)."""
    result = await db.execute(
        update(StreamReplay)
        .where(
            col(StreamReplay.id) == replay_id,
            col(StreamReplay.state) == ReplayState.PROCESSING.value,
            col(StreamReplay.claimed_at) == claimed_at,
        )
        .values(
            state=ReplayState.READY.value,
            file=file,
            size=size,
            duration=duration,
            source=None,
            version=StreamReplay.version + 1,
            updated_at=utcnow(),
        )
        .returning(StreamReplay)
        .execution_options(populate_existing=True)
    )
    row = result.scalars().first()
    await db.commit()
    return row


async def failed(db: AsyncSession, replay_id: int, claimed_at: datetime, why: str) -> None:
    """Tried and failed: waits for another try, or stays `failed` after MAX_ATTEMPTS."""
    await db.execute(
        update(StreamReplay)
        .where(
            col(StreamReplay.id) == replay_id,
            col(StreamReplay.state) == ReplayState.PROCESSING.value,
            col(StreamReplay.claimed_at) == claimed_at,
        )
        .values(
            state=case(
                (col(StreamReplay.attempts) >= MAX_ATTEMPTS, ReplayState.FAILED.value),
                else_=ReplayState.RECORDED.value,
            ),
            failure=why[:300],
            updated_at=utcnow(),
        )
    )
    await db.commit()


async def dropped(db: AsyncSession, replay_id: int) -> None:
    """A recording that is no replay after all (the backup never on air)."""
    found = await db.get(StreamReplay, replay_id)
    if found is not None:
        await db.delete(found)
    await db.commit()


async def listed(
    db: AsyncSession, *, forum_id: int | None, include_hidden: bool, limit: int
) -> list[tuple[StreamReplay, Forum]]:
    """Ready replays, newest first."""
    query = (
        select(StreamReplay, Forum)
        .join(Forum, col(Forum.id) == col(StreamReplay.forum_id))
        .where(col(StreamReplay.state) == ReplayState.READY.value)
        .order_by(col(StreamReplay.started_at).desc(), col(StreamReplay.id).desc())
        .limit(limit)
    )
    if forum_id is not None:
        query = query.where(col(StreamReplay.forum_id) == forum_id)
    if not include_hidden:
        query = query.where(col(StreamReplay.hidden).is_(False))
    found = await db.execute(query)
    return [(replay, forum) for replay, forum in found.all()]


async def one(db: AsyncSession, replay_id: int) -> tuple[StreamReplay, Forum] | None:
    found = await db.execute(
        select(StreamReplay, Forum)
        .join(Forum, col(Forum.id) == col(StreamReplay.forum_id))
        .where(col(StreamReplay.id) == replay_id)
    )
    row = found.first()
    return None if row is None else (row[0], row[1])


async def set_hidden(db: AsyncSession, replay_id: int, hidden: bool) -> StreamReplay | None:
    """Hidden or shown; the version moves only when it changed."""
    result = await db.execute(
        update(StreamReplay)
        .where(col(StreamReplay.id) == replay_id, col(StreamReplay.hidden).is_not(hidden))
        .values(hidden=hidden, version=StreamReplay.version + 1, updated_at=utcnow())
        .returning(StreamReplay)
        .execution_options(populate_existing=True)
    )
    changed = result.scalars().first()
    await db.commit()
    return changed


async def sessions_within(
    db: AsyncSession, forum_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[Session]]:
    """The programme sessions of these rooms overlapping [start, end], by room."""
    by_room: dict[int, list[Session]] = {forum_id: [] for forum_id in forum_ids}
    if not forum_ids:
        return by_room
    found = await db.execute(
        select(ForumSession).where(
            col(ForumSession.forum_id).in_(forum_ids),
            col(ForumSession.starts_at) < end,
            col(ForumSession.ends_at) > start,
        )
    )
    for s in found.scalars():
        assert s.id is not None
        by_room[s.forum_id].append(
            Session(s.id, s.starts_at, s.ends_at, s.title_zh, s.title_en, s.do_not_record)
        )
    return by_room
