"""Queries of the forums feature: each an async function taking the database session."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forums.models import ChatMessage, Forum, ForumSession


async def list_forums(db: AsyncSession) -> Sequence[Forum]:
    result = await db.execute(select(Forum).order_by(col(Forum.position)))
    return result.scalars().all()


async def get_forum(db: AsyncSession, forum_id: int) -> Forum | None:
    return await db.get(Forum, forum_id)


async def list_sessions(db: AsyncSession, forum_id: int | None = None) -> Sequence[ForumSession]:
    query = select(ForumSession).order_by(col(ForumSession.starts_at))
    if forum_id is not None:
        query = query.where(ForumSession.forum_id == forum_id)
    return (await db.execute(query)).scalars().all()


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


async def recent_chat(
    db: AsyncSession, forum_id: int, *, before_id: int | None, limit: int
) -> Sequence[ChatMessage]:
    query = select(ChatMessage).where(ChatMessage.forum_id == forum_id)
    if before_id is not None:
        query = query.where(col(ChatMessage.id) < before_id)
    query = query.order_by(col(ChatMessage.id).desc()).limit(limit)
    rows = (await db.execute(query)).scalars().all()
    return list(reversed(rows))
