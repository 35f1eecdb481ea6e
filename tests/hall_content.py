"""The demo's booths without the content the demo seeds (products, pictures, documents, videos,
links), for tests that lay out their own and count exactly what search finds."""

from __future__ import annotations

from sqlalchemy import delete, update

from expo.hall.models import Booth, Product, Upload
from expo.hall.search_index import reindex_all
from tests.live import LiveServer


async def bare_booths(server: LiveServer) -> None:
    async with server.services.db() as db:
        await db.execute(delete(Product))
        await db.execute(delete(Upload))
        await db.execute(update(Booth).values(links=[], videos=[], logo_upload_id=None))
        await reindex_all(db)
        await db.commit()
