"""The demo expo's hosts: switched on at every booth but one, so a visitor can try the host
anywhere and see what a booth without one looks like (the third, 筑城液冷)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.models import Exhibitor
from host.models import HostSetting

WITHOUT_HOST = 3  # tests/integration/test_booth_host.py asks it and is refused host.off


async def seed(db: AsyncSession) -> None:
    found = await db.execute(select(Exhibitor.id).order_by(col(Exhibitor.id)))
    booths = [i for i in found.scalars() if i is not None and i != WITHOUT_HOST]
    db.add_all(HostSetting(exhibitor_id=i, enabled=True) for i in booths)
    await db.commit()
