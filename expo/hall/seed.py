"""The demo hall: a booth for each of the demo's exhibitors (the core seeds the exhibitors and
their staff accounts; the hall adds what stands in the hall)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.hall import seed_people
from expo.hall.demo_content import seed_content
from expo.hall.leads import seed_demo_leads
from expo.hall.models import Booth, Tier
from expo.hall.search_index import reindex_all
from expo.models import Exhibitor

# The first exhibitors stand at the front of the hall.
DEMO_TIERS = [Tier.PLATINUM, Tier.PLATINUM, Tier.GOLD, Tier.GOLD, Tier.GOLD, Tier.SILVER]


async def seed(db: AsyncSession) -> None:
    # --- releases: the exhibitors' staff accounts and the demo's releases (seed_people.py) ---
    await seed_people.seed(db)
    if (await db.execute(select(Booth).limit(1))).first() is not None:
        return
    exhibitors = (await db.execute(select(Exhibitor).order_by(col(Exhibitor.id)))).scalars().all()
    booths = []
    for index, exhibitor in enumerate(exhibitors):
        assert exhibitor.id is not None
        tier = DEMO_TIERS[index] if index < len(DEMO_TIERS) else Tier.STANDARD
        booths.append(
            Booth(
                exhibitor_id=exhibitor.id,
                tier=tier,
                position=index,
                industries=[exhibitor.industry],
                description_zh=exhibitor.summary_zh,
                description_en=exhibitor.summary_en,
            )
        )
    db.add_all(booths)
    await db.flush()
    # --- edit: products, pictures, a PDF, the demo clip, links, duty ---
    await seed_content(db, list(zip(exhibitors, booths, strict=True)))
    # --- end edit ---
    # The hall's search finds the demo booths with their products.
    await reindex_all(db)
    await seed_demo_leads(db)  # leads part
    await db.commit()  # the core's seed_demo commits only its own rows
