"""The demo hall: a booth for each of the demo's exhibitors (the core seeds the exhibitors and
their staff accounts; the hall adds what stands in the hall)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.hall import seed_people
from expo.hall.models import Booth, Tier
from expo.models import Exhibitor

# The first exhibitors stand at the front of the hall.
DEMO_TIERS = [Tier.PLATINUM, Tier.PLATINUM, Tier.GOLD, Tier.GOLD, Tier.GOLD, Tier.SILVER]


async def seed(db: AsyncSession) -> None:
    # --- releases: the exhibitors' staff accounts and the demo's releases (seed_people.py) ---
    await seed_people.seed(db)
    if (await db.execute(select(Booth).limit(1))).first() is not None:
        return
    exhibitors = (await db.execute(select(Exhibitor).order_by(col(Exhibitor.id)))).scalars().all()
    for index, exhibitor in enumerate(exhibitors):
        assert exhibitor.id is not None
        tier = DEMO_TIERS[index] if index < len(DEMO_TIERS) else Tier.STANDARD
        db.add(
            Booth(
                exhibitor_id=exhibitor.id,
                tier=tier,
                position=index,
                industries=[exhibitor.industry],
                description_zh=exhibitor.summary_zh,
                description_en=exhibitor.summary_en,
            )
        )
    await db.flush()
    await db.commit()  # the features' seeds run after the core's commit: keep the booths
