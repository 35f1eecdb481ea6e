"""The host's queries, each an async function taking the database session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from host.models import HostAnswer, HostDocument, HostFaq, HostSetting


async def setting_of(db: AsyncSession, exhibitor_id: int) -> HostSetting | None:
    return await db.get(HostSetting, exhibitor_id)


async def switch(db: AsyncSession, exhibitor_id: int, enabled: bool, by: int) -> HostSetting:
    row = await db.get(HostSetting, exhibitor_id, with_for_update=True)
    if row is None:
        row = HostSetting(exhibitor_id=exhibitor_id, enabled=enabled, updated_by=by)
    elif row.enabled != enabled:
        row.enabled, row.version, row.updated_by = enabled, row.version + 1, by
    db.add(row)
    await db.commit()
    await db.refresh(row)
    return row


async def faq_version(db: AsyncSession, exhibitor_id: int) -> tuple[int, int]:
    """Changes whenever an FAQ entry of the booth is added or removed: (count, latest id)."""
    count, latest = (
        await db.execute(
            select(func.count(), func.max(HostFaq.id)).where(HostFaq.exhibitor_id == exhibitor_id)
        )
    ).one()
    return int(count), int(latest or 0)


async def faqs_of(db: AsyncSession, exhibitor_id: int) -> list[HostFaq]:
    query = select(HostFaq).where(HostFaq.exhibitor_id == exhibitor_id).order_by(col(HostFaq.id))
    return list((await db.execute(query)).scalars())


async def documents_of(db: AsyncSession, upload_ids: Sequence[int]) -> dict[int, HostDocument]:
    if not upload_ids:
        return {}
    query = select(HostDocument).where(col(HostDocument.upload_id).in_(upload_ids))
    return {d.upload_id: d for d in (await db.execute(query)).scalars()}


async def keep_document(db: AsyncSession, document: HostDocument) -> None:
    """Store (or replace) a PDF's extracted pages; another process storing them first is fine."""
    await db.merge(document)
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()


async def add_answer(db: AsyncSession, row: HostAnswer) -> HostAnswer:
    db.add(row)
    await db.commit()
    await db.refresh(row)
    return row


async def recent_answers(db: AsyncSession, exhibitor_id: int, limit: int) -> list[HostAnswer]:
    query = (
        select(HostAnswer)
        .where(HostAnswer.exhibitor_id == exhibitor_id)
        .order_by(col(HostAnswer.id).desc())
        .limit(limit)
    )
    return list((await db.execute(query)).scalars())


async def answer_of(db: AsyncSession, answer_id: int) -> HostAnswer | None:
    return await db.get(HostAnswer, answer_id)


async def correct(
    db: AsyncSession, row: HostAnswer, faq: HostFaq, by: int, now: datetime
) -> HostFaq:
    """The staff's answer becomes an FAQ entry, and the logged answer names it, together."""
    db.add(faq)
    await db.flush()
    row.corrected_by, row.corrected_at, row.faq_id = by, now, faq.id
    db.add(row)
    await db.commit()
    await db.refresh(faq)
    return faq
