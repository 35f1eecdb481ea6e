"""Queries of private 1:1 chats between visitors and a booth's staff.

Every change that others may race is one conditional UPDATE whose WHERE says what must still
hold (`claimed_by IS NULL` for a claim, `claimed_by = me` for an answer), so that of two staff
members on two processes claiming at once exactly one row changes, on SQLite and PostgreSQL
alike; the loser's statement matches nothing and it is told `private.claimed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.hall.booth_chat_rules import open_key
from expo.hall.models import ActivityKind, BoothActivity, Conversation, PrivateMessage
from expo.models import Exhibitor

C = Conversation


async def get(db: AsyncSession, conversation_id: int) -> Conversation | None:
    query = select(C).where(C.id == conversation_id).execution_options(populate_existing=True)
    return (await db.execute(query)).scalars().first()


async def open_conversation(
    db: AsyncSession, exhibitor_id: int, visitor_id: int, name: str, now: datetime
) -> tuple[Conversation, bool]:
    """The visitor's open conversation with the booth, made (with its `private_chat` activity,
    in the same transaction) if there is none: the conversation, and whether it is new. Two
    tabs opening at once make one: the open key is unique, the second insert fails and finds
    the first's."""
    key = open_key(exhibitor_id, visitor_id)
    found = (await db.execute(select(C).where(C.open_key == key))).scalars().first()
    if found is not None:
        return found, False
    conversation = C(
        exhibitor_id=exhibitor_id,
        visitor_id=visitor_id,
        visitor_name=name,
        open_key=key,
        opened_at=now,
    )
    db.add(conversation)
    db.add(
        BoothActivity(
            exhibitor_id=exhibitor_id, kind=ActivityKind.PRIVATE_CHAT, account_id=visitor_id, at=now
        )
    )
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        found = (await db.execute(select(C).where(C.open_key == key))).scalars().first()
        assert found is not None
        return found, False
    await db.refresh(conversation)
    return conversation, True


async def _update(db: AsyncSession, conversation_id: int, *where: Any, **values: Any) -> bool:
    """One conditional UPDATE of a conversation, bumping its version: whether it matched."""
    statement = (
        update(C)
        .where(col(C.id) == conversation_id, *where)
        .values(version=col(C.version) + 1, **values)
        .execution_options(synchronize_session=False)
    )
    result = await db.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim(
    db: AsyncSession, conversation_id: int, account_id: int, name: str, now: datetime
) -> bool:
    """Claim a waiting conversation: True for the one claimer that got it."""
    won = await _update(
        db,
        conversation_id,
        col(C.claimed_by).is_(None),
        col(C.closed_at).is_(None),
        claimed_by=account_id,
        claimed_name=name,
        claimed_at=now,
    )
    await db.commit()
    return won


async def release(db: AsyncSession, conversation_id: int, claimer: int) -> bool:
    won = await _update(
        db,
        conversation_id,
        col(C.claimed_by) == claimer,
        col(C.closed_at).is_(None),
        claimed_by=None,
        claimed_name=None,
        claimed_at=None,
    )
    await db.commit()
    return won


async def close(db: AsyncSession, conversation_id: int, by: int, now: datetime) -> bool:
    won = await _update(
        db,
        conversation_id,
        col(C.closed_at).is_(None),
        closed_at=now,
        closed_by=by,
        open_key=None,
        waiting_since=None,
    )
    await db.commit()
    return won


async def post(
    db: AsyncSession, conversation: Conversation, message: PrivateMessage, *, claimer: int | None
) -> bool:
    """Store a message with its conversation's counters, in one transaction: a visitor's when
    `claimer` is None, else an answer by the staff member who must still hold the claim (False,
    and nothing stored, if they no longer do)."""
    now = message.created_at
    last = {"last_text": message.text, "last_at": now}
    if claimer is None:
        matched = await _update(
            db,
            conversation.id,  # type: ignore[arg-type]
            col(C.closed_at).is_(None),
            staff_unread=col(C.staff_unread) + 1,
            waiting_since=_coalesce(col(C.waiting_since), now),
            **last,
        )
    else:
        matched = await _update(
            db,
            conversation.id,  # type: ignore[arg-type]
            col(C.closed_at).is_(None),
            col(C.claimed_by) == claimer,
            visitor_unread=col(C.visitor_unread) + 1,
            waiting_since=None,
            **last,
        )
    if not matched:
        await db.rollback()
        return False
    db.add(message)
    await db.commit()
    await db.refresh(message)
    return True


def _coalesce(column: Any, value: datetime) -> Any:
    return func.coalesce(column, value)


async def mark_read(db: AsyncSession, conversation_id: int, *, staff: bool) -> bool:
    """Zero one side's unread count; True if there was something unread."""
    counter = C.staff_unread if staff else C.visitor_unread
    won = await _update(db, conversation_id, col(counter) > 0, **{counter.key: 0})  # type: ignore[attr-defined]
    await db.commit()
    return won


async def of_booth(
    db: AsyncSession, exhibitor_id: int, *, closed: bool, limit: int = 200
) -> Sequence[Conversation]:
    """The booth's open (or closed) conversations: waiting ones first, longest waiting first,
    then the rest by their last message, newest first."""
    query = select(C).where(C.exhibitor_id == exhibitor_id)
    if closed:
        query = query.where(col(C.closed_at).is_not(None)).order_by(col(C.closed_at).desc())
    else:
        query = query.where(col(C.closed_at).is_(None)).order_by(
            col(C.claimed_by).is_not(None),
            col(C.waiting_since).is_(None),  # NULLs sort apart on SQLite and PostgreSQL
            col(C.waiting_since),
            col(C.last_at).is_(None),
            col(C.last_at).desc(),
            col(C.id),
        )
    return (await db.execute(query.limit(limit))).scalars().all()


async def of_visitor(
    db: AsyncSession, visitor_id: int, limit: int = 100
) -> list[tuple[Conversation, Exhibitor]]:
    query = (
        select(C, Exhibitor)
        .join(Exhibitor, col(Exhibitor.id) == col(C.exhibitor_id))
        .where(C.visitor_id == visitor_id)
        .order_by(col(C.closed_at).is_not(None), col(C.id).desc())
        .limit(limit)
    )
    return [(c, e) for c, e in (await db.execute(query)).all()]


async def messages(
    db: AsyncSession, conversation_id: int, *, before_id: int | None, limit: int
) -> list[PrivateMessage]:
    query = select(PrivateMessage).where(PrivateMessage.conversation_id == conversation_id)
    if before_id is not None:
        query = query.where(col(PrivateMessage.id) < before_id)
    query = query.order_by(col(PrivateMessage.id).desc()).limit(limit)
    return list(reversed((await db.execute(query)).scalars().all()))
