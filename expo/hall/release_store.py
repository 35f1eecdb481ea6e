"""Releases in the database: the queries of expo/hall/releases.py, and how a release looks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.errors import BadRequest, NotFound
from expo.hall.models import HallSetting, Release, ReleaseState, Upload
from expo.hall.paths import upload_url
from expo.hall.release_rules import REQUIRE_APPROVAL, paragraphs
from expo.industries import industry_label
from expo.models import Exhibitor, utcnow


def unknown_release(release_id: int) -> NotFound:
    return NotFound("release.unknown", f"There is no release {release_id}.")


def iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


async def setting(db: AsyncSession, key: str, default: Any) -> Any:
    row = await db.get(HallSetting, key)
    return default if row is None else row.value


async def approval_required(db: AsyncSession) -> bool:
    return bool(await setting(db, REQUIRE_APPROVAL, False))


async def set_setting(db: AsyncSession, key: str, value: Any) -> None:
    row = await db.get(HallSetting, key)
    if row is None:
        db.add(HallSetting(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()


async def locked(db: AsyncSession, release_id: int) -> Release:
    query = select(Release).where(col(Release.id) == release_id).with_for_update()
    row = (await db.execute(query)).scalars().first()
    if row is None:
        raise unknown_release(release_id)
    await db.refresh(row)
    return row


async def check_uploads(
    db: AsyncSession, exhibitor_id: int | None, images: list[int], documents: list[int]
) -> None:
    """Every id is an upload of this exhibitor (404 otherwise: another exhibitor's is not
    there for them) and of the right kind: pictures as images, PDFs as documents."""
    wanted = [*images, *documents]
    if not wanted:
        return
    if exhibitor_id is None:
        raise BadRequest(
            "release.no_uploads", "An expo-wide release has no exhibitor's uploads to show."
        )
    rows = await db.execute(
        select(Upload).where(col(Upload.id).in_(wanted), Upload.exhibitor_id == exhibitor_id)
    )
    kinds = {u.id: u.kind for u in rows.scalars()}
    for upload_id in wanted:
        if upload_id not in kinds:
            raise NotFound("upload.unknown", f"This exhibitor has no upload {upload_id}.")
    for field, ids, kind in (("images", images, "image"), ("documents", documents, "pdf")):
        for upload_id in ids:
            if kinds[upload_id] != kind:
                raise BadRequest(
                    "release.bad_upload_kind",
                    f"Upload {upload_id} is not a {'picture' if kind == 'image' else 'PDF'}.",
                    details=[{"field": field, "reason": "bad_upload_kind", "id": upload_id}],
                )


async def exhibitors_of(db: AsyncSession, rows: Iterable[Release]) -> dict[int, Exhibitor]:
    ids = {r.exhibitor_id for r in rows if r.exhibitor_id is not None}
    if not ids:
        return {}
    found = await db.execute(select(Exhibitor).where(col(Exhibitor.id).in_(ids)))
    return {e.id: e for e in found.scalars() if e.id is not None}


async def uploads_of(db: AsyncSession, rows: Iterable[Release]) -> dict[int, Upload]:
    ids = {i for r in rows for i in [*r.images, *r.documents]}
    if not ids:
        return {}
    found = await db.execute(select(Upload).where(col(Upload.id).in_(ids)))
    return {u.id: u for u in found.scalars() if u.id is not None}


async def views(db: AsyncSession, rows: Sequence[Release]) -> list[dict[str, Any]]:
    exhibitors = await exhibitors_of(db, rows)
    uploads = await uploads_of(db, rows)
    return [release_view(r, exhibitors, uploads) for r in rows]


def release_view(
    row: Release, exhibitors: dict[int, Exhibitor], uploads: dict[int, Upload]
) -> dict[str, Any]:
    exhibitor = exhibitors.get(row.exhibitor_id) if row.exhibitor_id is not None else None

    def same_booth(upload_id: int) -> Upload | None:
        upload = uploads.get(upload_id)
        return upload if upload is not None and upload.exhibitor_id == row.exhibitor_id else None

    images = [u for u in map(same_booth, row.images) if u is not None]
    documents = [u for u in map(same_booth, row.documents) if u is not None]
    return {
        "id": row.id,
        "exhibitor": None
        if exhibitor is None
        else {"id": exhibitor.id, "name": {"zh": exhibitor.name_zh, "en": exhibitor.name_en}},
        "industry": industry_label(row.industry) if row.industry else None,
        "kind": row.kind,
        "state": row.state,
        "title": {"zh": row.title_zh, "en": row.title_en},
        "summary": {"zh": row.summary_zh, "en": row.summary_en},
        "body": {"zh": paragraphs(row.body_zh), "en": paragraphs(row.body_en)},
        "images": [{"id": u.id, "url": upload_url(u.id or 0)} for u in images],
        "documents": [
            {
                "id": u.id,
                "url": upload_url(u.id or 0),
                "filename": u.filename,
                "title": {"zh": u.title_zh or u.filename, "en": u.title_en or u.filename},
            }
            for u in documents
        ],
        "rejection_reason": row.rejection_reason or None,
        "version": row.version,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "published_at": iso(row.published_at),
    }


def editable_view(row: Release) -> dict[str, Any]:
    """The texts as written (bodies with their line breaks) and the upload ids, for the editor."""
    return {
        "title_zh": row.title_zh,
        "title_en": row.title_en,
        "summary_zh": row.summary_zh,
        "summary_en": row.summary_en,
        "body_zh": row.body_zh,
        "body_en": row.body_en,
        "image_ids": list(row.images),
        "document_ids": list(row.documents),
    }


async def published(
    db: AsyncSession,
    *,
    exhibitor: int | None,
    industry: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Release], int]:
    """Published releases, newest first, and how many there are in all (with the filters)."""
    where = [Release.state == ReleaseState.PUBLISHED]
    if exhibitor is not None:
        where.append(Release.exhibitor_id == exhibitor)
    if industry:
        where.append(Release.industry == industry)
    total = (await db.execute(select(func.count()).select_from(Release).where(*where))).scalar()
    query = (
        select(Release)
        .where(*where)
        .order_by(col(Release.published_at).desc(), col(Release.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list((await db.execute(query)).scalars()), int(total or 0)


async def of_exhibitor(db: AsyncSession, exhibitor_id: int) -> list[Release]:
    query = (
        select(Release)
        .where(Release.exhibitor_id == exhibitor_id)
        .order_by(col(Release.updated_at).desc(), col(Release.id).desc())
    )
    return list((await db.execute(query)).scalars())


async def every(db: AsyncSession, state: str | None, limit: int) -> list[Release]:
    query = select(Release)
    if state:
        query = query.where(Release.state == state)
    # Pending ones oldest first (a queue); otherwise the newest changes first.
    if state == ReleaseState.PENDING:
        query = query.order_by(col(Release.updated_at), col(Release.id))
    else:
        query = query.order_by(col(Release.updated_at).desc(), col(Release.id).desc())
    return list((await db.execute(query.limit(limit))).scalars())


async def counts_by_state(db: AsyncSession) -> dict[str, int]:
    rows = await db.execute(
        select(Release.state, func.count()).select_from(Release).group_by(Release.state)
    )
    return {state: int(n) for state, n in rows.all()}
