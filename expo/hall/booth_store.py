"""A booth's content in the database: loading it for a change (locked, made with default content
when the exhibitor has none yet), its view as pages and `booth.changed` show it, and the one
way every change ends (version bumped, search index refreshed, in the same transaction).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.errors import NotFound
from expo.hall import search_index
from expo.hall.access import unknown_exhibitor
from expo.hall.models import Booth, Product, Tier, Upload
from expo.hall.paths import upload_url
from expo.hall.topics import HALL_TOPIC, booth_topic
from expo.industries import industry_label
from expo.models import Exhibitor, utcnow

Announcement = tuple[str, str, dict[str, Any]]


def default_booth(exhibitor: Exhibitor) -> Booth:
    """The content of a booth nobody has written yet: the exhibitor's own industry and
    summary."""
    assert exhibitor.id is not None
    return Booth(
        exhibitor_id=exhibitor.id,
        tier=Tier.STANDARD,
        position=exhibitor.id,
        industries=[exhibitor.industry],
        description_zh=exhibitor.summary_zh,
        description_en=exhibitor.summary_en,
    )


async def exhibitor_of(db: AsyncSession, exhibitor_id: int) -> Exhibitor:
    exhibitor = await db.get(Exhibitor, exhibitor_id)
    if exhibitor is None:
        raise unknown_exhibitor(exhibitor_id)
    return exhibitor


async def locked_booth(db: AsyncSession, exhibitor_id: int) -> Booth:
    """The booth, locked for this transaction (PostgreSQL; SQLite writers are serial), made
    with default content when the exhibitor has none."""
    query = select(Booth).where(col(Booth.exhibitor_id) == exhibitor_id).with_for_update()
    booth = (await db.execute(query)).scalars().first()
    if booth is None:
        fresh = default_booth(await exhibitor_of(db, exhibitor_id))
        try:
            async with db.begin_nested():  # two first edits at once: one makes the row
                db.add(fresh)
                await db.flush()
            booth = fresh
        except IntegrityError:  # the other made it meanwhile: wait for it and lock it
            again = query.execution_options(populate_existing=True)
            booth = (await db.execute(again)).scalars().one()
    else:
        await db.refresh(booth)  # not an older copy from this session's identity map
    return booth


async def read_booth(db: AsyncSession, exhibitor_id: int) -> Booth:
    booth = await db.get(Booth, exhibitor_id)
    return booth if booth is not None else default_booth(await exhibitor_of(db, exhibitor_id))


async def products_of(db: AsyncSession, exhibitor_id: int) -> list[Product]:
    query = (
        select(Product)
        .where(col(Product.exhibitor_id) == exhibitor_id)
        .order_by(col(Product.position), col(Product.id))
    )
    return list((await db.execute(query)).scalars())


async def uploads_of(db: AsyncSession, exhibitor_id: int) -> list[Upload]:
    query = (
        select(Upload)
        .where(col(Upload.exhibitor_id) == exhibitor_id)
        .order_by(col(Upload.position), col(Upload.id))
    )
    return list((await db.execute(query)).scalars())


async def listed_documents(db: AsyncSession, exhibitor_id: int) -> list[Upload]:
    """The PDFs the booth shows as its documents, in order."""
    return [u for u in await uploads_of(db, exhibitor_id) if u.kind == "pdf" and u.listed]


async def own_upload(
    db: AsyncSession, exhibitor_id: int, upload_id: int, *, kind: str | None = None
) -> Upload:
    """An upload of this exhibitor (of this kind); another's, or none, is `upload.unknown`."""
    upload = await db.get(Upload, upload_id)
    if upload is None or upload.exhibitor_id != exhibitor_id or (kind and upload.kind != kind):
        raise NotFound("upload.unknown", f"This booth has no {kind or 'upload'} {upload_id}.")
    return upload


def upload_view(upload: Upload) -> dict[str, Any]:
    return {
        "id": upload.id,
        "kind": upload.kind,
        "content_type": upload.content_type,
        "filename": upload.filename,
        "size": upload.size,
        "title": {"zh": upload.title_zh, "en": upload.title_en},
        "listed": upload.listed,
        "position": upload.position,
        "url": upload_url(upload.id),
        "created_at": upload.created_at.isoformat(),
    }


def product_view(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "position": product.position,
        "name": {"zh": product.name_zh, "en": product.name_en},
        "description": {"zh": product.description_zh, "en": product.description_en},
        "image_upload_id": product.image_upload_id,
        "image": upload_url(product.image_upload_id),
    }


def document_view(upload: Upload) -> dict[str, Any]:
    return {
        "id": upload.id,
        "title": {"zh": upload.title_zh, "en": upload.title_en},
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": upload.size,
        "url": upload_url(upload.id),
    }


def card_view(booth: Booth, exhibitor: Exhibitor) -> dict[str, Any]:
    """What the hall's card of the booth shows (and `booth.card_changed` carries)."""
    return {
        "exhibitor": exhibitor.id,
        "name": {"zh": exhibitor.name_zh, "en": exhibitor.name_en},
        "tier": booth.tier,
        "industries": [industry_label(k) for k in booth.industries],
        "logo": upload_url(booth.logo_upload_id),
        "version": booth.version,
    }


async def booth_view(db: AsyncSession, booth: Booth) -> dict[str, Any]:
    """The booth as its page shows it: content, products, listed documents."""
    exhibitor = await exhibitor_of(db, booth.exhibitor_id)
    products = await products_of(db, booth.exhibitor_id)
    documents = await listed_documents(db, booth.exhibitor_id)
    return card_view(booth, exhibitor) | {
        "description": {"zh": booth.description_zh, "en": booth.description_en},
        "industry_keys": list(booth.industries),
        "logo_upload_id": booth.logo_upload_id,
        "links": list(booth.links),
        "videos": list(booth.videos),
        "products": [product_view(p) for p in products],
        "documents": [document_view(u) for u in documents],
        "updated_at": booth.updated_at.isoformat(),
    }


async def changed(
    db: AsyncSession, booth: Booth, *, card: bool = False
) -> tuple[dict[str, Any], list[Announcement]]:
    """End a change of the booth inside its transaction: version bumped, index refreshed; the
    caller commits, then publishes the events handed back."""
    booth.version += 1
    booth.updated_at = utcnow()
    db.add(booth)
    await db.flush()
    await search_index.reindex(db, booth.exhibitor_id)
    view = await booth_view(db, booth)
    data = {"exhibitor": booth.exhibitor_id, "version": booth.version, "booth": view}
    events: list[Announcement] = [(booth_topic(booth.exhibitor_id), "booth.changed", data)]
    if card:
        exhibitor = await exhibitor_of(db, booth.exhibitor_id)
        card_data = {
            "exhibitor": booth.exhibitor_id,
            "version": booth.version,
            "card": card_view(booth, exhibitor),
        }
        events.append((HALL_TOPIC, "booth.card_changed", card_data))
    return view, events
