"""The Q&A and polls store under concurrency, on SQLite and on the machine's PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from expo.db import make_engine, make_sessionmaker
from expo.models import Account
from forums import qa_store
from forums.models import Poll, PollBallot, Question
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


async def test_two_tabs_casting_a_first_ballot_at_once_leave_one_ballot(db_url: str):
    """Neither tab's ballot is refused (nor answered `internal`): the later replaces the other."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as db:
        account = (await db.execute(select(Account.id).limit(1))).scalar_one()
        poll = Poll(forum_id=2, question="?", options=["a", "b"], state="open", created_by=account)
        db.add(poll)
        await db.commit()
        poll_id = poll.id
    assert poll_id is not None

    async def cast(choice: int) -> None:
        async with sessions() as db:
            await qa_store.get_poll_for_ballot(db, poll_id)
            await qa_store.cast_ballot(db, poll_id, account, [choice])

    try:
        for _ in range(5):
            await asyncio.gather(cast(0), cast(1))
        async with sessions() as db:
            query = select(PollBallot).where(PollBallot.poll_id == poll_id)
            ballots = (await db.execute(query)).scalars().all()
    finally:
        await engine.dispose()
    assert len(ballots) == 1
    assert ballots[0].choices in ([0], [1])


async def test_an_approve_racing_a_hide_sees_what_the_other_stored(db_url: str):
    """Two moderators move one pending question at once: the second move is applied to what the
    first stored, so whichever ends it hidden knows the room saw it and must be told."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as db:
        account = (await db.execute(select(Account.id).limit(1))).scalar_one()
        question = Question(
            forum_id=2, account_id=account, author_name="x", text="?", state="pending"
        )
        db.add(question)
        await db.commit()
        question_id = question.id
    assert question_id is not None

    async def move(db: AsyncSession, kind: str) -> tuple[str, bool]:
        try:
            moved, was_public = await qa_store.move_question(db, question_id, kind)
            return moved.state, was_public
        finally:
            await db.close()  # as a handler's session ends (SQLite: lets the other write)

    try:
        async with sessions() as one, sessions() as two:
            if not db_url.startswith("sqlite"):  # both connected, so both moves start at once
                await asyncio.gather(one.execute(select(1)), two.execute(select(1)))
            results = await asyncio.gather(move(one, "approve"), move(two, "hide"))
        async with sessions() as db:
            final = (await db.get(Question, question_id)).state  # type: ignore[union-attr]
    finally:
        await engine.dispose()
    (_, approve_saw_public), (_, hide_saw_public) = results
    assert not approve_saw_public  # it was pending, or hidden by the other
    if final == "hidden":
        # Approved, then hidden: the hide took away a question the room had been shown, so
        # it tells the room to drop it (without the lock both saw it pending, and nobody did).
        assert hide_saw_public
    else:
        assert not hide_saw_public  # hidden while pending, then restored by the approve
