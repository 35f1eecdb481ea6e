"""What other features (matchmaking, the booth queues) may use of the hall, and nothing more:
they call these, never the hall's tables or modules directly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.hall.access import (
    STAFF_OF_BOOTH,
    BoothObject,
    booth_of_command,
    booth_of_path,
    is_staff_of,
)
from expo.hall.duty import StaffOnDuty, on_duty  # edit: who of the staff is on duty now
from expo.hall.topics import booth_topic, staff_topic
from expo.models import Account, Exhibitor

__all__ = [
    "STAFF_OF_BOOTH",
    "StaffOnDuty",
    "BoothObject",
    "ExhibitorCard",
    "booth_of_command",
    "booth_of_path",
    "booth_topic",
    "exhibitor_card",
    "is_staff_of",
    "on_duty",
    "staff_ids",
    "staff_topic",
]


@dataclass(frozen=True, slots=True)
class ExhibitorCard:
    id: int
    name_zh: str
    name_en: str
    industry: str


async def exhibitor_card(db: AsyncSession, exhibitor_id: int) -> ExhibitorCard | None:
    row = await db.get(Exhibitor, exhibitor_id)
    if row is None or row.id is None:
        return None
    return ExhibitorCard(row.id, row.name_zh, row.name_en, row.industry)


async def staff_ids(db: AsyncSession, exhibitor_id: int) -> list[int]:
    """The accounts of the exhibitor's staff that are not disabled."""
    rows = await db.execute(
        select(Account.id)
        .where(Account.exhibitor_id == exhibitor_id, col(Account.disabled_at).is_(None))
        .order_by(col(Account.id))
    )
    return [r for r in rows.scalars().all() if r is not None]
