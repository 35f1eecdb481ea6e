"""Migrations, the demo seed and the stores, on SQLite and on the machine's PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, func, select

from expo.db import make_engine, make_sessionmaker
from expo.features import load_features
from expo.migrate import include_name
from expo.models import Account, Exhibitor, Role, utcnow
from expo.seed import ACCOUNTS, seed_demo
from forums import moderation_store, store
from forums.domain import Slot, people_names, schedule_conflicts
from forums.models import Announcement, ChatMessage, Forum, ForumSession, RoomKind
from matchmaking.demo_people import EMAIL_DOMAIN, SYNTHETIC
from tests.live import prepare_demo_database
from tests.services import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        await prepare_demo_database(url)
        yield url
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            yield url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[AsyncSession]:
    engine = make_engine(db_url)
    async with make_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


async def test_migrations_match_the_models(db_url: str):
    """Autogenerate after `upgrade heads` has nothing left to do."""
    engine = make_engine(db_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_name": include_name}),
                SQLModel.metadata,
            )
        )
    await engine.dispose()
    assert diff == []


async def test_the_demo_expo_has_a_main_stage_and_eight_forums(db: AsyncSession):
    forums = await store.list_forums(db)
    assert [f.kind for f in forums] == [RoomKind.STAGE] + [RoomKind.FORUM] * 8
    assert forums[3].title_zh == "“数据安全”论坛" and forums[3].title_en == "Data Security"
    assert all(f.title_zh and f.title_en for f in forums)


async def test_the_demo_expo_has_a_day_of_sessions_in_every_room(db: AsyncSession):
    for forum in await store.list_forums(db):
        sessions = await store.list_sessions(db, forum.id)
        assert len(sessions) >= 3
        assert all(a.ends_at <= b.starts_at for a, b in zip(sessions, sessions[1:], strict=False))
        # One day's programme, laid out from the hour of seeding: it may cross midnight (UTC or
        # Guiyang's), so its length is what counts, not its calendar dates (seeded after 16:00
        # UTC this compared two dates and failed).
        assert sessions[-1].ends_at - sessions[0].starts_at <= timedelta(hours=24)


async def test_the_demo_expo_has_a_dozen_exhibitors_and_one_account_per_role(db: AsyncSession):
    assert (await db.execute(select(func.count()).select_from(Exhibitor))).scalar_one() == 12
    accounts = (await db.execute(select(Account).order_by(Account.id))).scalars().all()
    # --- releases: the hall adds two staff accounts per exhibitor (expo/hall/seed_people.py) ---
    staff = [a for a in accounts if a.email.startswith("staff")]
    # --- profiles: matchmaking adds 200 synthetic attendees (matchmaking/demo_people.py) ---
    synthetic = [a for a in accounts if a.email.endswith(f"@{EMAIL_DOMAIN}")]
    assert len(synthetic) == SYNTHETIC and {a.role for a in synthetic} == {Role.ATTENDEE}
    roles = [a.role for a in accounts if a not in staff and a not in synthetic]
    assert sorted(roles) == sorted(r.value for r in Role)
    assert len(staff) == 24 and {a.role for a in staff} == {Role.EXHIBITOR}
    assert sorted(a.exhibitor_id for a in staff) == sorted(list(range(1, 13)) * 2)
    assert len(ACCOUNTS) == len(Role)


async def test_seeding_twice_changes_nothing(db: AsyncSession):
    assert await seed_demo(db, load_features()) is False
    assert (await db.execute(select(func.count()).select_from(Forum))).scalar_one() == 9


async def test_chat_history_pages_backwards(db: AsyncSession):
    account = (await db.execute(select(Account).limit(1))).scalars().one()
    posted = [
        await store.add_chat_message(
            db,
            ChatMessage(
                forum_id=2, account_id=account.id, author_name=account.display_name, text=f"第{i}条"
            ),
        )
        for i in range(5)
    ]
    latest = await store.recent_chat(db, 2, before_id=None, limit=2)
    assert [m.text for m in latest] == ["第3条", "第4条"]
    older = await store.recent_chat(db, 2, before_id=latest[0].id, limit=10)
    assert [m.id for m in older] == [m.id for m in posted[:3]]
    assert older[0].created_at.tzinfo is not None


async def test_emails_are_unique(db: AsyncSession):
    existing = (await db.execute(select(Account).limit(1))).scalars().one()
    db.add(Account(email=existing.email, password_hash="x", display_name="dup"))
    with pytest.raises(IntegrityError):
        await db.commit()
    await db.rollback()


async def test_sessions_belong_to_existing_forums(db: AsyncSession):
    some = (await db.execute(select(ForumSession).limit(1))).scalars().one()
    db.add(
        ForumSession(
            forum_id=999, starts_at=some.starts_at, ends_at=some.ends_at, title_zh="x", title_en="x"
        )
    )
    with pytest.raises(IntegrityError):
        await db.commit()
    await db.rollback()


async def test_the_demo_programme_books_nobody_twice_at_once(db: AsyncSession):
    """Issue 9, item 5: the demo's people (by account or by name) are in one room at a time."""
    sessions = await store.list_sessions(db)
    people = await store.people_of(db, [s.id for s in sessions])  # type: ignore[misc]
    slots = [
        Slot(
            s.id,
            s.forum_id,
            s.starts_at,
            s.ends_at,
            frozenset(p.account_id for p in people.get(s.id, []) if p.account_id is not None),
            names=people_names((p.name, p.account_id) for p in people.get(s.id, [])),
        )
        for s in sessions
    ]
    clashes = [(s.session_id, c) for s in slots for c in schedule_conflicts(s, slots)]
    assert clashes == []
    # ... and the forums running side by side do not share their speakers at all.
    by_forum: dict[int, set[str]] = {}
    for s in sessions:
        by_forum.setdefault(s.forum_id, set()).update(
            p.name for p in people.get(s.id, []) if p.account_id is None
        )
    names = [n for forum in by_forum.values() for n in forum]
    assert len(names) == len(set(names))


async def test_a_withdrawal_made_meanwhile_by_another_process_is_not_made_again():
    """The withdraw route reads the announcement, then withdraws it under the row's lock: when
    another process withdrew it in between (PostgreSQL lets the read through), the lock must
    find it withdrawn, not the copy read before, so it is not withdrawn (nor announced) twice."""
    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        engine = make_engine(url)
        maker = make_sessionmaker(engine)
        try:
            async with maker() as db:
                made = await moderation_store.add_announcement(
                    db, Announcement(text_zh="通知", text_en="Notice", created_by=1)
                )
            async with maker() as late, maker() as first:
                seen = await late.get(Announcement, made.id)  # as the route reads it first
                assert seen is not None and seen.withdrawn_at is None
                done, _ = await moderation_store.withdraw_announcement(first, made.id, 1, utcnow())
                again, withdrew = await moderation_store.withdraw_announcement(
                    late, made.id, 2, utcnow()
                )
        finally:
            await engine.dispose()
    assert done is not None and again is not None and not withdrew
    assert (again.withdrawn_by, again.withdrawn_at, again.version) == (
        1,
        done.withdrawn_at,
        2,
    )
