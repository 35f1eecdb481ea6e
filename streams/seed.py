"""The demo's stream keys: one pair per room, made with the rooms."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from streams import store


async def seed(db: AsyncSession) -> None:
    await store.rooms(db)
