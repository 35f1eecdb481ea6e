"""The hall's search index: what a booth can be found by (its names, description and products
in both languages), kept in step with the booth by whoever changes it.

Callers that change a booth's texts, its industries or its products call `reindex` in the same
transaction, so the index never answers with a booth's old words.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


async def reindex(db: AsyncSession, exhibitor_id: int) -> None:
    """Rebuild the booth's entry in the index (the search branch fills this in)."""
    return None
