"""The demo's matchmaking: slots, profiles for the demo accounts and ~200 synthetic
participants, and a few requests and meetings, so recommendations and the dashboard look real.
Each part seeds its own, in order, under a marked line."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from matchmaking.demo_people import seed_matchmaking_people
from matchmaking.meetings_seed import seed_meetings  # --- meetings ---


async def seed(db: AsyncSession) -> None:
    # --- profiles: slots, settings and profiles (demo accounts and synthetic participants) ---
    await seed_matchmaking_people(db)
    # --- meetings: a few requests and meetings between the demo's people ---
    await seed_meetings(db)
    return None
