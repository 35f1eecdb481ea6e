"""Queries of a booth's public chat and its sanctions: each an async function taking the
database session. Sanctions live only here, so every process refuses a banned person alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from expo.chat_rules import Standing, standing
from expo.hall.models import ActivityKind, BoothActivity, BoothChatMessage, BoothSanction
from expo.models import Account, utcnow


async def add_message(db: AsyncSession, message: BoothChatMessage) -> BoothChatMessage:
    """Store a message and its `chat` activity (the dashboard counts it) in one transaction."""
    db.add(message)
    db.add(
        BoothActivity(
            exhibitor_id=message.exhibitor_id,
            kind=ActivityKind.CHAT,
            account_id=message.account_id,
            at=message.created_at,
        )
    )
    await db.commit()
    await db.refresh(message)
    return message


async def recent(
    db: AsyncSession, exhibitor_id: int, *, before_id: int | None, limit: int
) -> list[BoothChatMessage]:
    """The booth's latest messages (before `before_id`), oldest first; deleted ones never."""
    query = select(BoothChatMessage).where(
        BoothChatMessage.exhibitor_id == exhibitor_id, col(BoothChatMessage.deleted_at).is_(None)
    )
    if before_id is not None:
        query = query.where(col(BoothChatMessage.id) < before_id)
    query = query.order_by(col(BoothChatMessage.id).desc()).limit(limit)
    return list(reversed((await db.execute(query)).scalars().all()))


async def get_message(db: AsyncSession, message_id: int) -> BoothChatMessage | None:
    return await db.get(BoothChatMessage, message_id)


async def soft_delete(db: AsyncSession, message: BoothChatMessage, by: int, now: datetime) -> None:
    if message.deleted_at is None:
        message.deleted_at, message.deleted_by = now, by
        await db.commit()


def _active(exhibitor_id: int, now: datetime) -> SelectOfScalar[BoothSanction]:
    return select(BoothSanction).where(
        BoothSanction.exhibitor_id == exhibitor_id,
        col(BoothSanction.lifted_at).is_(None),
        col(BoothSanction.until) > now,
    )


async def standing_at(
    db: AsyncSession, exhibitor_id: int, account_id: int, now: datetime | None = None
) -> Standing:
    now = now or utcnow()
    query = _active(exhibitor_id, now).where(BoothSanction.account_id == account_id)
    return standing((await db.execute(query)).scalars().all(), now)


async def standings_at(
    db: AsyncSession, pairs: Sequence[tuple[int, int]], now: datetime | None = None
) -> dict[tuple[int, int], Standing]:
    """`standing_at` for many (booth, account) pairs in one query (tabs subscribing together)."""
    now = now or utcnow()
    query = select(BoothSanction).where(
        col(BoothSanction.exhibitor_id).in_({booth for booth, _ in pairs}),
        col(BoothSanction.account_id).in_({account for _, account in pairs}),
        col(BoothSanction.lifted_at).is_(None),
        col(BoothSanction.until) > now,
    )
    found: dict[tuple[int, int], list[BoothSanction]] = {}
    for sanction in (await db.execute(query)).scalars():
        found.setdefault((sanction.exhibitor_id, sanction.account_id), []).append(sanction)
    return {pair: standing(found.get(pair, ()), now) for pair in pairs}


async def impose(db: AsyncSession, sanction: BoothSanction) -> BoothSanction:
    """Store a sanction; it replaces the person's sanction of the same kind at that booth."""
    now = sanction.created_at
    replaced = _active(sanction.exhibitor_id, now).where(
        BoothSanction.account_id == sanction.account_id, BoothSanction.kind == sanction.kind
    )
    for old in (await db.execute(replaced)).scalars():
        old.lifted_at = now
    db.add(sanction)
    await db.commit()
    await db.refresh(sanction)
    return sanction


async def lift(
    db: AsyncSession, exhibitor_id: int, account_id: int, kind: str | None, now: datetime
) -> list[BoothSanction]:
    query = _active(exhibitor_id, now).where(BoothSanction.account_id == account_id)
    if kind is not None:
        query = query.where(BoothSanction.kind == kind)
    lifted = list((await db.execute(query)).scalars())
    for sanction in lifted:
        sanction.lifted_at = now
    await db.commit()
    return lifted


async def get_account(db: AsyncSession, account_id: int) -> Account | None:
    return await db.get(Account, account_id)
