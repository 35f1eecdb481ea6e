"""The public booth (`GET /api/exhibitors/{id}`) and the hall's cards, as JSON.

What each part of the booth shows is one function here, so a branch that adds a part (the duty
roster) fills that function and nothing else.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.hall.duty import on_duty
from expo.hall.models import Booth, Product, Tier, Upload
from expo.hall.search_store import CardRow
from expo.industries import industry_label
from expo.models import Exhibitor


def upload_url(upload_id: int | None) -> str | None:
    """Where an upload is served (the booth editing branch serves `/api/uploads/<id>`)."""
    return None if upload_id is None else f"/api/uploads/{upload_id}"


def safe_url(url: object, *, local: bool = False) -> str | None:
    """An address as the page may use it: http(s) with a host (or, with `local`, one of the
    expo's own paths: the demo clip, an upload), else nothing."""
    if not isinstance(url, str) or len(url) > 2000:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        if local and parts.scheme == "" and url.startswith("/") and not url.startswith("//"):
            return url.strip()
        return None
    return url.strip()


def titled(items: list[dict[str, Any]], *, local: bool = False) -> list[dict[str, Any]]:
    """Videos and links: {"title": {zh, en}, "url"}, those with no usable address left out."""
    shown = []
    for item in items:
        if not isinstance(item, dict):
            continue
        url = safe_url(item.get("url"), local=local)
        if url is None:
            continue
        zh, en = str(item.get("title_zh") or ""), str(item.get("title_en") or "")
        shown.append({"title": {"zh": zh or en, "en": en or zh}, "url": url})
    return shown


def card_view(row: CardRow, visitors_now: int, staff_online: int) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": {"zh": row.name_zh, "en": row.name_en},
        "summary": {"zh": row.summary_zh, "en": row.summary_en},
        "logo": upload_url(row.logo_upload_id),
        "industries": [industry_label(k) for k in row.industries],
        "tier": row.tier,
        "visitors_now": visitors_now,
        "staff_online": staff_online,
    }


async def duty_now(db: AsyncSession, exhibitor_id: int) -> list[dict[str, Any]]:
    """Who of the staff is on duty now: [{"account_id", "name", "title", "until"}]."""
    return [
        {
            "account_id": s.account_id,
            "name": s.name,
            "title": s.title,
            "until": s.until.isoformat() if s.until else None,
        }
        for s in await on_duty(db, exhibitor_id)
    ]


async def products_of(db: AsyncSession, exhibitor_id: int) -> list[dict[str, Any]]:
    rows = (
        (
            await db.execute(
                select(Product)
                .where(Product.exhibitor_id == exhibitor_id)
                .order_by(col(Product.position), col(Product.id))
            )
        )
        .scalars()
        .all()
    )
    return [
        {
            "id": p.id,
            "name": {"zh": p.name_zh, "en": p.name_en},
            "description": {"zh": p.description_zh, "en": p.description_en},
            "image": upload_url(p.image_upload_id),
        }
        for p in rows
    ]


async def documents_of(db: AsyncSession, exhibitor_id: int) -> list[dict[str, Any]]:
    rows = (
        (
            await db.execute(
                select(Upload)
                .where(Upload.exhibitor_id == exhibitor_id, col(Upload.listed).is_(True))
                .order_by(col(Upload.position), col(Upload.id))
            )
        )
        .scalars()
        .all()
    )
    return [
        {
            "id": u.id,
            "title": {"zh": u.title_zh or u.title_en, "en": u.title_en or u.title_zh},
            "filename": u.filename,
            "content_type": u.content_type,
            "size": u.size,
            "url": upload_url(u.id),
        }
        for u in rows
    ]


async def booth_detail(
    db: AsyncSession, exhibitor: Exhibitor, visitors_now: int, staff_online: int
) -> dict[str, Any]:
    assert exhibitor.id is not None
    booth = await db.get(Booth, exhibitor.id)
    if booth is None:  # an exhibitor made elsewhere: the default booth
        booth = Booth(
            exhibitor_id=exhibitor.id,
            industries=[exhibitor.industry],
            description_zh=exhibitor.summary_zh,
            description_en=exhibitor.summary_en,
            version=0,
        )
    return {
        "id": exhibitor.id,
        "name": {"zh": exhibitor.name_zh, "en": exhibitor.name_en},
        "summary": {"zh": exhibitor.summary_zh, "en": exhibitor.summary_en},
        "description": {"zh": booth.description_zh, "en": booth.description_en},
        "industries": [industry_label(k) for k in booth.industries],
        "tier": booth.tier or Tier.STANDARD.value,
        "logo": upload_url(booth.logo_upload_id),
        "products": await products_of(db, exhibitor.id),
        "documents": await documents_of(db, exhibitor.id),
        "videos": titled(booth.videos, local=True),
        "links": titled(booth.links),
        "on_duty": await duty_now(db, exhibitor.id),
        "visitors_now": visitors_now,
        "staff_online": staff_online,
        "version": booth.version,
    }
