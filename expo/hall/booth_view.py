"""The public booth page (`GET /api/exhibitors/{id}`, built on `booth_store.booth_view`) and the
hall's cards, as JSON.

What each part of the booth shows is one function here, so a branch that adds a part (the duty
roster) fills that function and nothing else.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from expo.hall import booth_store as store
from expo.hall.duty import on_duty
from expo.hall.models import Tier
from expo.hall.paths import upload_url
from expo.hall.search_store import CardRow
from expo.industries import industry_label
from expo.models import Exhibitor


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


def both(pair: dict[str, str]) -> dict[str, str]:
    """A bilingual text with each language falling back on the other."""
    return {"zh": pair["zh"] or pair["en"], "en": pair["en"] or pair["zh"]}


async def booth_detail(
    db: AsyncSession, exhibitor: Exhibitor, visitors_now: int, staff_online: int
) -> dict[str, Any]:
    """The public booth page (`GET /api/exhibitors/{id}`): the booth's one view
    (`booth_store.booth_view`, also `GET /api/exhibitors/{id}/booth` and `booth.changed`)
    as the page shows it: addresses checked, who is on duty, the live counts."""
    assert exhibitor.id is not None
    booth = await store.read_booth(db, exhibitor.id)  # default content when there is none
    view = await store.booth_view(db, booth)
    return {
        "id": exhibitor.id,
        "name": view["name"],
        "summary": {"zh": exhibitor.summary_zh, "en": exhibitor.summary_en},
        "description": view["description"],
        "industries": view["industries"],
        "tier": view["tier"] or Tier.STANDARD.value,
        "logo": view["logo"],
        "products": [
            {key: p[key] for key in ("id", "name", "description", "image")}
            for p in view["products"]
        ],
        "documents": [
            {key: d[key] for key in ("id", "filename", "content_type", "size", "url")}
            | {"title": both(d["title"])}
            for d in view["documents"]
        ],
        "videos": titled(booth.videos, local=True),
        "links": titled(booth.links),
        "on_duty": await duty_now(db, exhibitor.id),
        "visitors_now": visitors_now,
        "staff_online": staff_online,
        "version": booth.version,
    }
