"""Queries of the programme editor and the personal agenda: each an async function taking the
database session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.db import stored_id
from expo.models import Account
from forums.domain import Slot, people_names
from forums.models import AgendaStar, Forum, ForumSession, Question, SessionPerson
from forums.programme_rules import PEOPLE_ROLES, OtherSession

# One lock for every programme write: a speaker's sessions span rooms, so two organisers saving
# in different rooms can still collide. Programme edits are rare; one lock is plenty.
PROGRAMME_LOCK = 0x5E55_0001


async def lock_programme(db: AsyncSession) -> None:
    """Serialise programme writes until this transaction ends, so the conflict check and the
    write it allows cannot interleave with another writer's. SQLite's writers are serialised
    already (the write session begins IMMEDIATE); PostgreSQL takes a transaction-level lock."""
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PROGRAMME_LOCK})


async def overlapping(db: AsyncSession, starts_at: datetime, ends_at: datetime) -> list[Slot]:
    """Every session that overlaps [starts_at, ends_at), with its people (accounts and names)."""
    query = select(ForumSession).where(
        col(ForumSession.starts_at) < ends_at, col(ForumSession.ends_at) > starts_at
    )
    sessions = (await db.execute(query)).scalars().all()
    people = await named_people(db, [stored_id(s) for s in sessions])
    return [slot_of(s, people.get(stored_id(s), ())) for s in sessions]


def slot_of(session: ForumSession, people: Sequence[tuple[str, int | None]]) -> Slot:
    """A stored session as the clash check sees it, from its people's (name, account id)."""
    return Slot(
        session.id,
        session.forum_id,
        session.starts_at,
        session.ends_at,
        frozenset(account for _, account in people if account is not None),
        people_names(people),
    )


async def named_people(
    db: AsyncSession, session_ids: Sequence[int]
) -> dict[int, list[tuple[str, int | None]]]:
    """Each session's people as (name, account id or None)."""
    if not session_ids:
        return {}
    query = select(SessionPerson.session_id, SessionPerson.name, SessionPerson.account_id).where(
        col(SessionPerson.session_id).in_(session_ids)
    )
    found: dict[int, list[tuple[str, int | None]]] = {}
    for session_id, name, account_id in (await db.execute(query)).all():
        found.setdefault(session_id, []).append((name, account_id))
    return found


async def others(db: AsyncSession, session_ids: Sequence[int]) -> dict[int, OtherSession]:
    if not session_ids:
        return {}
    query = select(ForumSession).where(col(ForumSession.id).in_(session_ids))
    found = (
        OtherSession(stored_id(s), s.forum_id, s.title_zh, s.title_en, s.starts_at, s.ends_at)
        for s in (await db.execute(query)).scalars()
    )
    return {other.id: other for other in found}


async def accounts(db: AsyncSession, ids: Sequence[int]) -> dict[int, Account]:
    if not ids:
        return {}
    query = select(Account).where(col(Account.id).in_(ids))
    return {stored_id(a): a for a in (await db.execute(query)).scalars()}


async def candidates(db: AsyncSession) -> Sequence[Account]:
    """Accounts that may be on the programme, by name."""
    query = (
        select(Account)
        .where(col(Account.role).in_([str(r) for r in PEOPLE_ROLES]))
        .order_by(col(Account.display_name), col(Account.id))
    )
    return (await db.execute(query)).scalars().all()


async def get_session(db: AsyncSession, session_id: int) -> ForumSession | None:
    return await db.get(ForumSession, session_id)


async def forum_exists(db: AsyncSession, forum_id: int) -> bool:
    return await db.get(Forum, forum_id) is not None


async def replace_people(db: AsyncSession, session_id: int, people: list[SessionPerson]) -> None:
    await db.execute(delete(SessionPerson).where(col(SessionPerson.session_id) == session_id))
    for position, person in enumerate(people):
        person.session_id = session_id
        person.position = position
        db.add(person)


async def delete_session(db: AsyncSession, session: ForumSession) -> None:
    """The session, its people and the stars on it; its questions stay in the room's history."""
    session_id = session.id
    await db.execute(
        update(Question).where(col(Question.session_id) == session_id).values(session_id=None)
    )
    await db.execute(delete(SessionPerson).where(col(SessionPerson.session_id) == session_id))
    await db.execute(delete(AgendaStar).where(col(AgendaStar.session_id) == session_id))
    await db.delete(session)
