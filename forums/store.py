"""Queries of the forums feature: each an async function taking the database session."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.models import Account, Exhibitor
from forums.models import ChatMessage, Forum, ForumSession, SessionPerson


async def list_forums(db: AsyncSession) -> Sequence[Forum]:
    result = await db.execute(select(Forum).order_by(col(Forum.position)))
    return result.scalars().all()


async def get_forum(db: AsyncSession, forum_id: int) -> Forum | None:
    return await db.get(Forum, forum_id)


async def get_forum_by_slug(db: AsyncSession, slug: str) -> Forum | None:
    return (await db.execute(select(Forum).where(col(Forum.slug) == slug))).scalars().first()


async def bump_room_version(db: AsyncSession, forum: Forum) -> int:
    """The room's settings changed (in this transaction): their new version. One UPDATE, so
    the row stays locked until the commit and versions follow the order of the commits."""
    bumped = await db.execute(
        update(Forum)
        .where(col(Forum.id) == forum.id)
        .values(version=col(Forum.version) + 1)
        .returning(col(Forum.version))
    )
    return int(bumped.scalar_one())


async def list_sessions(db: AsyncSession, forum_id: int | None = None) -> Sequence[ForumSession]:
    query = select(ForumSession).order_by(col(ForumSession.starts_at))
    if forum_id is not None:
        query = query.where(ForumSession.forum_id == forum_id)
    return (await db.execute(query)).scalars().all()


async def people_of(db: AsyncSession, session_ids: Sequence[int]) -> dict[int, list[SessionPerson]]:
    """Speakers and moderators of each session, in their programme order."""
    people: dict[int, list[SessionPerson]] = {i: [] for i in session_ids}
    if not session_ids:
        return people
    query = (
        select(SessionPerson)
        .where(col(SessionPerson.session_id).in_(session_ids))
        .order_by(col(SessionPerson.session_id), col(SessionPerson.position), col(SessionPerson.id))
    )
    for person in (await db.execute(query)).scalars():
        assert person.session_id is not None  # a stored person is attached to their session
        people[person.session_id].append(person)
    return people


async def add_chat_message(db: AsyncSession, message: ChatMessage) -> ChatMessage:
    db.add(message)
    await db.commit()
    await db.refresh(message)
    return message


async def delete_chat_message(db: AsyncSession, message_id: int) -> None:
    message = await db.get(ChatMessage, message_id)
    if message is not None:
        await db.delete(message)
        await db.commit()


async def exhibitors_by_id(db: AsyncSession, ids: Sequence[int]) -> dict[int, Exhibitor]:
    rows = await db.execute(select(Exhibitor).where(col(Exhibitor.id).in_(ids)))
    return {e.id: e for e in rows.scalars() if e.id is not None}


async def exhibitors_of_authors(
    db: AsyncSession, account_ids: Sequence[int]
) -> dict[int, Exhibitor]:
    """The exhibitor each of these accounts is staff of (those that are), in one query."""
    if not account_ids:
        return {}
    rows = await db.execute(
        select(Account.id, Exhibitor)
        .join(Exhibitor, Exhibitor.id == Account.exhibitor_id)  # type: ignore[arg-type]
        .where(col(Account.id).in_(set(account_ids)))
    )
    return {account_id: exhibitor for account_id, exhibitor in rows.all()}


async def recent_chat(
    db: AsyncSession, forum_id: int, *, before_id: int | None, limit: int
) -> Sequence[ChatMessage]:
    query = select(ChatMessage).where(
        ChatMessage.forum_id == forum_id, col(ChatMessage.deleted_at).is_(None)
    )
    if before_id is not None:
        query = query.where(col(ChatMessage.id) < before_id)
    query = query.order_by(col(ChatMessage.id).desc()).limit(limit)
    rows = (await db.execute(query)).scalars().all()
    return list(reversed(rows))
