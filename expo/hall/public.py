"""What other features (matchmaking, the booth queues) may use of the hall, and nothing more:
they call these, never the hall's tables or modules directly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.chat_rules import refuse_sanctioned
from expo.hall.access import (
    STAFF_OF_BOOTH,
    BoothObject,
    booth_of_command,
    booth_of_path,
    is_staff_of,
)
from expo.hall.booth_chat_rules import BOOTH_BANNED
from expo.hall.booth_standing import standing_of
from expo.hall.booth_store import listed_documents, products_of, read_booth
from expo.hall.document_hooks import StoredPdf, on_pdf_stored
from expo.hall.duty import StaffOnDuty, on_duty  # edit: who of the staff is on duty now
from expo.hall.models import Booth, Product, Release, ReleaseState
from expo.hall.topics import booth_topic, staff_topic
from expo.hall.upload_store import folder_of, path_of
from expo.models import Account, Exhibitor
from expo.security import Principal
from expo.services import Services
from expo.settings import Settings

__all__ = [
    "STAFF_OF_BOOTH",
    "StaffOnDuty",
    "BoothContent",
    "BoothObject",
    "DocumentFile",
    "ExhibitorCard",
    "booth_of_command",
    "booth_of_path",
    "booth_material",
    "booth_topic",
    "exhibitor_card",
    "is_staff_of",
    "material_version",
    "on_duty",
    "on_pdf_stored",
    "StoredPdf",
    "refuse_chat_sanctioned",
    "staff_ids",
    "staff_topic",
]


@dataclass(frozen=True, slots=True)
class ExhibitorCard:
    id: int
    name_zh: str
    name_en: str
    industry: str


async def exhibitor_card(db: AsyncSession, exhibitor_id: int) -> ExhibitorCard | None:
    row = await db.get(Exhibitor, exhibitor_id)
    if row is None or row.id is None:
        return None
    return ExhibitorCard(row.id, row.name_zh, row.name_en, row.industry)


async def staff_ids(db: AsyncSession, exhibitor_id: int) -> list[int]:
    """The accounts of the exhibitor's staff that are not disabled."""
    rows = await db.execute(
        select(Account.id)
        .where(Account.exhibitor_id == exhibitor_id, col(Account.disabled_at).is_(None))
        .order_by(col(Account.id))
    )
    return [r for r in rows.scalars().all() if r is not None]


# --- the booth's material, for the booth host (host/) -------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentFile:
    """A PDF the booth lists as a document, and where its bytes are stored."""

    upload_id: int
    title_zh: str
    title_en: str
    sha256: str
    path: Path


@dataclass(frozen=True, slots=True)
class BoothContent:
    """What a booth publishes about itself: its texts, products, published releases and listed
    documents (read, never to be written through)."""

    card: ExhibitorCard
    description_zh: str
    description_en: str
    products: list[Product]
    releases: list[Release]  # published ones only
    documents: list[DocumentFile]


async def material_version(db: AsyncSession, exhibitor_id: int) -> tuple[int, int, str]:
    """Changes whenever the booth's material does: the booth's version (bumped by every edit of
    its texts, products and listed documents), and its releases' count and latest change."""
    booth = await db.get(Booth, exhibitor_id)
    count, latest = (
        await db.execute(
            select(func.count(), func.max(Release.updated_at)).where(
                Release.exhibitor_id == exhibitor_id
            )
        )
    ).one()
    return (booth.version if booth else 0, int(count), str(latest))


async def booth_material(
    db: AsyncSession, settings: Settings, exhibitor_id: int
) -> BoothContent | None:
    card = await exhibitor_card(db, exhibitor_id)
    if card is None:
        return None
    booth = await read_booth(db, exhibitor_id)
    published = await db.execute(
        select(Release)
        .where(Release.exhibitor_id == exhibitor_id, Release.state == ReleaseState.PUBLISHED)
        .order_by(col(Release.id))
    )
    root = folder_of(settings)
    documents = [
        DocumentFile(u.id, u.title_zh, u.title_en, u.sha256, path_of(root, u.id))
        for u in await listed_documents(db, exhibitor_id)
        if u.id is not None
    ]
    return BoothContent(
        card,
        booth.description_zh,
        booth.description_en,
        await products_of(db, exhibitor_id),
        list(published.scalars()),
        documents,
    )


async def refuse_chat_sanctioned(svc: Services, who: Principal, exhibitor_id: int) -> None:
    """`chat.muted` / `booth.banned` for someone the booth's staff muted or banned: what they
    may not say in the booth's chat they may not have said there by another feature either."""
    refuse_sanctioned(await standing_of(svc, who, exhibitor_id), BOOTH_BANNED, "booth")
