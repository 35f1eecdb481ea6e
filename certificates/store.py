"""The certificates' queries, each an async function taking the database session `db`."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from certificates.domain import Facts
from certificates.keys import new_key, open_key, seal_key
from certificates.models import IssuedCredential, IssuerKey
from certificates.multikey import public_key_multibase
from certificates.status_list import MIN_ENTRIES
from expo.hall.models import ActivityKind, BoothActivity
from expo.models import utcnow
from forums.attendance import watched
from matchmaking.models import MatchSlot, Meeting, MeetingStatus


async def keys(db: AsyncSession) -> Sequence[IssuerKey]:
    """Every key not deleted, oldest first (the DID document's order)."""
    rows = await db.execute(
        select(IssuerKey).where(col(IssuerKey.deleted_at).is_(None)).order_by(col(IssuerKey.id))
    )
    return rows.scalars().all()


async def _add_key(db: AsyncSession, secret_key: str) -> IssuerKey:
    key = new_key()
    row = IssuerKey(
        public_multibase=public_key_multibase(key.public_key()),
        sealed_private=seal_key(key, secret_key),
    )
    db.add(row)
    await db.flush()
    return row


async def active_row(db: AsyncSession) -> IssuerKey | None:
    rows = await db.execute(select(IssuerKey).where(col(IssuerKey.active)))
    return rows.scalars().first()


async def active_key(db: AsyncSession, secret_key: str) -> tuple[IssuerKey, Ed25519PrivateKey]:
    """The signing key, made (and committed) on first use: a second process making it too loses
    on the unique active index and reads the winner's. Raises `keys.KeyLocked` if it does not
    open with this secret key."""
    row = await active_row(db)
    if row is None:
        try:
            row = await _add_key(db, secret_key)
            await db.commit()
        except IntegrityError:
            await db.rollback()
            rows = await db.execute(select(IssuerKey).where(col(IssuerKey.active)))
            row = rows.scalars().one()
    return row, open_key(row.sealed_private, row.public_multibase, secret_key)


async def rotate(db: AsyncSession, secret_key: str) -> IssuerKey:
    """Retire the active key (it stays published) and make a new one active."""
    now = utcnow()
    await db.execute(
        update(IssuerKey).where(col(IssuerKey.active)).values(active=False, retired_at=now)
    )
    return await _add_key(db, secret_key)


async def facts(db: AsyncSession, account_id: int, now: datetime) -> Facts:
    booths = await db.scalar(
        select(func.count(func.distinct(col(BoothActivity.exhibitor_id)))).where(
            col(BoothActivity.account_id) == account_id,
            col(BoothActivity.kind) == ActivityKind.VISIT,
        )
    )
    meetings = await db.scalar(
        select(func.count())
        .select_from(Meeting)
        .join(MatchSlot, col(MatchSlot.id) == col(Meeting.slot_id))
        .where(
            (col(Meeting.requester_id) == account_id) | (col(Meeting.recipient_id) == account_id),
            col(Meeting.status) == MeetingStatus.CONFIRMED,
            col(MatchSlot.ends_at) <= now,
        )
    )
    seen = await watched(db, account_id)
    return Facts(
        booths_visited=booths or 0,
        meetings_held=meetings or 0,
        opening_minutes=seen.opening_minutes,
        best_session_minutes=seen.best_session_minutes,
    )


async def credentials_of(db: AsyncSession, account_id: int) -> Sequence[IssuedCredential]:
    rows = await db.execute(
        select(IssuedCredential)
        .where(col(IssuedCredential.account_id) == account_id)
        .order_by(col(IssuedCredential.issued_at), col(IssuedCredential.kind))
    )
    return rows.scalars().all()


async def credential(db: AsyncSession, credential_id: str) -> IssuedCredential | None:
    return await db.get(IssuedCredential, credential_id)


def new_credential_id() -> str:
    return str(uuid.uuid4())


async def free_index(db: AsyncSession) -> int:
    """A random unused bit of the list: an index says nothing of when or to whom (the unique
    constraint settles a race between processes: the loser's transaction fails and is retried)."""
    for _ in range(32):
        index = secrets.randbelow(MIN_ENTRIES)
        taken = await db.scalar(
            select(func.count())
            .select_from(IssuedCredential)
            .where(col(IssuedCredential.status_index) == index)
        )
        if not taken:
            return index
    raise RuntimeError("the status list is nearly full")


async def add_credential(
    db: AsyncSession,
    *,
    credential_id: str,
    account_id: int,
    kind: str,
    key_id: int,
    document: dict[str, Any],
    status_index: int,
    issued_at: datetime,
) -> IssuedCredential:
    row = IssuedCredential(
        id=credential_id,
        account_id=account_id,
        kind=kind,
        key_id=key_id,
        document=document,
        status_index=status_index,
        issued_at=issued_at,
    )
    db.add(row)
    await db.flush()
    return row


async def revoke(db: AsyncSession, credential_id: str, now: datetime) -> IssuedCredential | None:
    row = await db.get(IssuedCredential, credential_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        await db.flush()
    return row


async def revoked_indexes(db: AsyncSession) -> Sequence[int]:
    rows = await db.execute(
        select(col(IssuedCredential.status_index)).where(
            col(IssuedCredential.revoked_at).is_not(None)
        )
    )
    return rows.scalars().all()
