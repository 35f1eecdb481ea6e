"""The control room's database reads, each an async function taking the database session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from expo.models import Exhibitor
from forums.domain import PollState
from forums.models import Forum, ForumSession, Poll

# Sessions this far either side of now are read: enough for "on now", "next" and "ran over".
SESSION_SPAN = timedelta(hours=24)


def aware(at: datetime) -> datetime:
    """A stored time as UTC (SQLite gives it back without its zone)."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Room:
    id: int
    slug: str
    kind: str
    title_zh: str
    title_en: str


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    forum_id: int
    starts_at: datetime
    ends_at: datetime
    title_zh: str
    title_en: str


@dataclass(frozen=True, slots=True)
class Booth:
    id: int
    name_zh: str
    name_en: str
    industry: str


async def rooms(db: AsyncSession) -> list[Room]:
    found = await db.execute(
        select(
            col(Forum.id), col(Forum.slug), col(Forum.kind), col(Forum.title_zh),
            col(Forum.title_en),
        ).order_by(col(Forum.position), col(Forum.id))
    )  # fmt: skip
    return [Room(int(i or 0), s, k, zh, en) for i, s, k, zh, en in found.all()]


async def sessions_around(db: AsyncSession, now: datetime) -> list[Session]:
    found = await db.execute(
        select(
            col(ForumSession.id), col(ForumSession.forum_id), col(ForumSession.starts_at),
            col(ForumSession.ends_at), col(ForumSession.title_zh), col(ForumSession.title_en),
        )
        .where(
            col(ForumSession.starts_at) < now + SESSION_SPAN,
            col(ForumSession.ends_at) > now - SESSION_SPAN,
        )
        .order_by(col(ForumSession.starts_at), col(ForumSession.id))
    )  # fmt: skip
    return [
        Session(int(i or 0), int(f), aware(s), aware(e), zh, en)
        for i, f, s, e, zh, en in found.all()
    ]


async def open_polls(db: AsyncSession) -> dict[int, int]:
    found = await db.execute(
        select(col(Poll.forum_id), func.count())
        .where(col(Poll.state) == PollState.OPEN)
        .group_by(col(Poll.forum_id))
    )
    return {int(f): int(n) for f, n in found.all()}


async def booths(db: AsyncSession) -> list[Booth]:
    found = await db.execute(
        select(
            col(Exhibitor.id), col(Exhibitor.name_zh), col(Exhibitor.name_en),
            col(Exhibitor.industry),
        ).order_by(col(Exhibitor.id))
    )  # fmt: skip
    return [Booth(int(i or 0), zh, en, ind) for i, zh, en, ind in found.all()]


def by_forum(sessions: Sequence[Session]) -> dict[int, list[Session]]:
    grouped: dict[int, list[Session]] = {}
    for session in sessions:
        grouped.setdefault(session.forum_id, []).append(session)
    return grouped
