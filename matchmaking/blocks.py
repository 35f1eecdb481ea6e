"""Blocks and hidden recommendations, as every part of matchmaking reads them.

A block works both ways: whoever blocked, the two never see each other anywhere in
matchmaking (recommendations, profiles, requests, meetings to come). Hiding only drops someone
from one's own recommendations.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from matchmaking.models import MatchBlock, MatchHidden


async def blocked_between(db: AsyncSession, one: int, other: int) -> bool:
    """Whether either of the two blocked the other."""
    row = await db.execute(
        select(MatchBlock.account_id).where(
            or_(
                (col(MatchBlock.account_id) == one) & (col(MatchBlock.blocked_id) == other),
                (col(MatchBlock.account_id) == other) & (col(MatchBlock.blocked_id) == one),
            )
        )
    )
    return row.first() is not None


async def unseen_by(db: AsyncSession, account_id: int) -> set[int]:
    """Everyone `account_id` must not see: those they blocked and those who blocked them."""
    rows = await db.execute(
        select(MatchBlock.account_id, MatchBlock.blocked_id).where(
            or_(
                col(MatchBlock.account_id) == account_id,
                col(MatchBlock.blocked_id) == account_id,
            )
        )
    )
    return {b if a == account_id else a for a, b in rows.all()}


async def hidden_by(db: AsyncSession, account_id: int) -> set[int]:
    """Those `account_id` hid from their own recommendations."""
    rows = await db.execute(
        select(MatchHidden.hidden_id).where(col(MatchHidden.account_id) == account_id)
    )
    return set(rows.scalars())
