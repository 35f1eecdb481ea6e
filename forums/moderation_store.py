"""Queries of room moderation and the expo's announcements: each an async function taking the
database session. Sanctions live only here, in the database, so every process agrees on them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from expo.models import Account, utcnow
from forums import store
from forums.models import Announcement, ChatMessage, Forum, RoomSanction, SanctionKind
from forums.moderation_rules import Standing, standing


def _active(forum_id: int, now: datetime) -> SelectOfScalar[RoomSanction]:
    """The room's sanctions in force at `now`."""
    return select(RoomSanction).where(
        RoomSanction.forum_id == forum_id,
        col(RoomSanction.lifted_at).is_(None),
        col(RoomSanction.until) > now,
    )


async def standing_in(
    db: AsyncSession, forum_id: int, account_id: int, now: datetime | None = None
) -> Standing:
    """Whether `account_id` is muted or banned in the room now (a ban also mutes)."""
    now = now or utcnow()
    query = _active(forum_id, now).where(RoomSanction.account_id == account_id)
    return standing((await db.execute(query)).scalars().all(), now)


async def banned_from(
    db: AsyncSession, forum_id: int, now: datetime | None = None
) -> frozenset[int]:
    """The accounts banned from the room now (for its permission rules, forums/room_rules.py)."""
    query = _active(forum_id, now or utcnow()).where(RoomSanction.kind == SanctionKind.BAN)
    return frozenset(s.account_id for s in (await db.execute(query)).scalars())


async def standings_in(
    db: AsyncSession, pairs: Sequence[tuple[int, int]], now: datetime | None = None
) -> dict[tuple[int, int], Standing]:
    """`standing_in` for many (room, account) pairs in one query: a reconnect storm's tabs
    subscribing again are checked together."""
    now = now or utcnow()
    query = select(RoomSanction).where(
        col(RoomSanction.forum_id).in_({forum for forum, _ in pairs}),
        col(RoomSanction.account_id).in_({account for _, account in pairs}),
        col(RoomSanction.lifted_at).is_(None),
        col(RoomSanction.until) > now,
    )
    found: dict[tuple[int, int], list[RoomSanction]] = {}
    for sanction in (await db.execute(query)).scalars():
        found.setdefault((sanction.forum_id, sanction.account_id), []).append(sanction)
    return {pair: standing(found.get(pair, ()), now) for pair in pairs}


async def active_sanctions(
    db: AsyncSession, forum_id: int, now: datetime | None = None
) -> list[tuple[RoomSanction, str]]:
    """The room's sanctions in force, soonest to end first, with each person's name."""
    query = (
        _active(forum_id, now or utcnow())
        .join(Account, col(Account.id) == col(RoomSanction.account_id))
        .add_columns(col(Account.display_name))
        .order_by(col(RoomSanction.until), col(RoomSanction.id))
    )
    return [(row[0], row[1]) for row in (await db.execute(query)).all()]


async def impose(db: AsyncSession, sanction: RoomSanction) -> RoomSanction:
    """Store a sanction; it replaces the person's sanction of the same kind in that room (so a
    moderator may shorten one as well as lengthen it)."""
    now = sanction.created_at
    replaced = _active(sanction.forum_id, now).where(
        RoomSanction.account_id == sanction.account_id, RoomSanction.kind == sanction.kind
    )
    for old in (await db.execute(replaced)).scalars():
        old.lifted_at = now
    db.add(sanction)
    await db.commit()
    await db.refresh(sanction)
    return sanction


async def lift(
    db: AsyncSession,
    forum_id: int,
    account_id: int,
    kind: str | None,
    now: datetime,
    log: Callable[[list[RoomSanction]], None] | None = None,
) -> list[RoomSanction]:
    """Lift the person's sanctions in force in the room (of one kind, or all); returns them.
    `log` is told what is lifted before the commit, to log it in the same transaction."""
    query = _active(forum_id, now).where(RoomSanction.account_id == account_id)
    if kind is not None:
        query = query.where(RoomSanction.kind == kind)
    lifted = list((await db.execute(query)).scalars())
    for sanction in lifted:
        sanction.lifted_at = now
    if log is not None and lifted:
        log(lifted)
    await db.commit()
    return lifted


async def get_account(db: AsyncSession, account_id: int) -> Account | None:
    return await db.get(Account, account_id)


async def get_message(db: AsyncSession, message_id: int) -> ChatMessage | None:
    return await db.get(ChatMessage, message_id)


async def soft_delete(db: AsyncSession, message: ChatMessage, by: int, now: datetime) -> None:
    """Hide a message for good: history never returns it again; the row stays for the record."""
    if message.deleted_at is None:
        message.deleted_at = now
        message.deleted_by = by
        await db.commit()


async def set_slow_mode(db: AsyncSession, forum: Forum, seconds: int) -> int:
    """Returns the room's settings version this change made (its event carries it)."""
    forum.slow_mode_seconds = seconds
    version = await store.bump_room_version(db, forum)
    await db.commit()
    return version


async def pin(db: AsyncSession, forum: Forum, text: str, now: datetime) -> int:
    """Pin `text` above the room's chat ("" clears it); returns the room's settings version."""
    forum.announcement = text
    forum.announcement_at = now if text else None
    version = await store.bump_room_version(db, forum)
    await db.commit()
    return version


async def add_announcement(db: AsyncSession, announcement: Announcement) -> Announcement:
    db.add(announcement)
    await db.commit()
    await db.refresh(announcement)
    return announcement


async def delete_announcement(db: AsyncSession, announcement_id: int) -> None:
    """Take back an announcement that could not be announced."""
    announcement = await db.get(Announcement, announcement_id)
    if announcement is not None:
        await db.delete(announcement)
        await db.commit()


async def latest_announcements(
    db: AsyncSession, limit: int, *, current_at: datetime | None = None
) -> Sequence[Announcement]:
    """The newest announcements first; with `current_at`, only those not ended by then
    (scheduled and withdrawn ones included: pages learn of both)."""
    query = select(Announcement).order_by(col(Announcement.id).desc()).limit(limit)
    if current_at is not None:
        query = query.where(
            (col(Announcement.ends_at).is_(None)) | (col(Announcement.ends_at) > current_at)
        )
    return (await db.execute(query)).scalars().all()


async def withdraw_announcement(
    db: AsyncSession, announcement_id: int, by: int, now: datetime
) -> tuple[Announcement | None, bool]:
    """Take an announcement back (once: a second withdrawal changes nothing), bumping its
    version in the same transaction, under the row's lock: the announcement, and whether this
    call withdrew it."""
    query = (
        select(Announcement)
        .where(Announcement.id == announcement_id)
        .with_for_update()
        # The row as it is once locked, not a copy this session read before the lock (another
        # process may have withdrawn it in between).
        .execution_options(populate_existing=True)
    )
    found = (await db.execute(query)).scalars().first()
    if found is None or found.withdrawn_at is not None:
        return found, False
    found.withdrawn_at, found.withdrawn_by = now, by
    found.version += 1
    await db.commit()
    await db.refresh(found)
    return found, True
