"""The organisers' matchmaking settings and the meeting slots, as every part reads them.

Changing them (the console's matchmaking page) is `slots.py`'s and `settings_routes.py`'s job;
this module only reads, so requests, placement and the scheduler share one reading.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from matchmaking.models import ExhibitorSeats, MatchSettings, MatchSlot


async def match_settings(db: AsyncSession) -> MatchSettings:
    """The settings row, or the defaults when organisers never saved any."""
    return await db.get(MatchSettings, 1) or MatchSettings(id=1)


async def all_slots(db: AsyncSession) -> list[MatchSlot]:
    """Every meeting slot, earliest first."""
    rows = await db.execute(select(MatchSlot).order_by(col(MatchSlot.starts_at), col(MatchSlot.id)))
    return list(rows.scalars())


async def seats_of(db: AsyncSession, exhibitor_id: int) -> int:
    """How many meetings the exhibitor can hold in one slot."""
    row = await db.get(ExhibitorSeats, exhibitor_id)
    if row is not None:
        return row.seats
    return (await match_settings(db)).default_seats
