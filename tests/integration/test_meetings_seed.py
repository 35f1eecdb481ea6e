"""The demo's requests and meetings (matchmaking/meetings_seed.py) on the merged demo seed:
after the profiles part's slots and synthetic participants, the demo attendee has two pending
requests and one placed meeting, all with synthetic participants, never with the demo's own
accounts; nothing without slots; and seeding again changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.db import make_engine, make_sessionmaker
from expo.migrate import upgrade_async
from expo.models import Account, utcnow
from expo.seed import seed_demo
from matchmaking import seed as matchmaking_seed
from matchmaking.demo_people import EMAIL_DOMAIN
from matchmaking.meetings_seed import ATTENDEE, seed_meetings
from matchmaking.models import (
    MatchAvailability,
    MatchProfile,
    MatchSlot,
    Meeting,
    MeetingPlace,
    MeetingRequest,
)
from tests.live import prepare_demo_database


async def _count(db: AsyncSession, table: Any) -> int:
    return int((await db.execute(select(func.count()).select_from(table))).scalar_one())


async def test_nothing_is_seeded_without_slots(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'expo.db'}"
    await upgrade_async(url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as db:
            assert await seed_demo(db, [])  # the demo's accounts, no feature's seed
            await seed_meetings(db)
            assert await _count(db, MeetingRequest) == 0
    finally:
        await engine.dispose()


async def test_the_demo_attendee_has_two_requests_and_a_placed_meeting_once(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'expo.db'}"
    await prepare_demo_database(url)
    engine = make_engine(url)
    db_factory = make_sessionmaker(engine)
    try:
        async with db_factory() as db:
            me = (
                await db.execute(select(Account.id).where(col(Account.email) == ATTENDEE))
            ).scalar_one()
            emails = dict((await db.execute(select(Account.id, Account.email))).all())
            requests = list((await db.execute(select(MeetingRequest))).scalars())
            meetings = list((await db.execute(select(Meeting))).scalars())
            places = list((await db.execute(select(MeetingPlace))).scalars())
            slot = await db.get(MatchSlot, meetings[0].slot_id) if meetings else None
            free = {
                (a.account_id, a.slot_id)
                for a in (await db.execute(select(MatchAvailability))).scalars()
            }
            visible = {
                p.account_id: p.visible for p in (await db.execute(select(MatchProfile))).scalars()
            }
            counts = [
                await _count(db, t)
                for t in (Account, MatchProfile, MatchSlot, MeetingRequest, Meeting)
            ]
        # Seeding again, the whole matchmaking seed and the meetings' alone: nothing changes.
        for again in (matchmaking_seed.seed, seed_meetings):
            async with db_factory() as db:
                await again(db)
        async with db_factory() as db:
            after = [
                await _count(db, t)
                for t in (Account, MatchProfile, MatchSlot, MeetingRequest, Meeting)
            ]
    finally:
        await engine.dispose()

    assert len(requests) == 3 and {r.recipient_id for r in requests} == {me}
    senders = {r.requester_id for r in requests}
    assert len(senders) == 3
    assert all(emails[s].endswith(f"@{EMAIL_DOMAIN}") and visible[s] for s in senders)
    assert sorted(r.status for r in requests) == ["accepted", "pending", "pending"]
    accepted = next(r for r in requests if r.status == "accepted")
    assert accepted.answered_at is not None
    # The accepted request is placed: one confirmed meeting in a slot still ahead, which both
    # are free in, with a place for each of them.
    assert len(meetings) == 1 and slot is not None
    meeting = meetings[0]
    assert (meeting.request_id, meeting.status) == (accepted.id, "confirmed")
    assert {meeting.requester_id, meeting.recipient_id} == {accepted.requester_id, me}
    assert slot.starts_at.replace(tzinfo=slot.starts_at.tzinfo or utcnow().tzinfo) > utcnow()
    assert {(me, slot.id), (accepted.requester_id, slot.id)} <= free
    assert sorted((p.account_id, p.slot_id) for p in places) == sorted(
        [(me, slot.id), (accepted.requester_id, slot.id)]
    )
    assert after == counts
