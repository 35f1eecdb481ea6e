"""The demo's requests and meetings: seeded only once slots and profiles exist, never between
the demo attendee and the demo exhibitor account, with one accepted request placed."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from expo.db import make_engine, make_sessionmaker
from expo.models import Account
from matchmaking.meetings_seed import seed_meetings
from matchmaking.models import Meeting, MeetingRequest
from tests.live import prepare_demo_database
from tests.meetings_setup import new_people, new_slots


async def test_the_demo_attendee_gets_requests_and_a_meeting_once_profiles_exist(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'expo.db'}"
    await prepare_demo_database(url)
    engine = make_engine(url)
    db = make_sessionmaker(engine)
    try:
        async with db() as session:
            await seed_meetings(session)  # no slots, no profiles: nothing
            assert (await session.execute(select(MeetingRequest))).first() is None
        slots = await new_slots(db, [30, 31])
        await new_people(db, 3, slots=slots)
        async with db() as session:
            me = (
                await session.execute(
                    select(Account.id).where(col(Account.email) == "attendee@demo.shubo.live")
                )
            ).scalar_one()
        async with db() as session:
            from matchmaking.models import MatchAvailability

            session.add_all(MatchAvailability(account_id=me, slot_id=s) for s in slots)
            await session.commit()
        async with db() as session:
            await seed_meetings(session)
        async with db() as session:
            requests = (await session.execute(select(MeetingRequest))).scalars().all()
            meetings = (await session.execute(select(Meeting))).scalars().all()
            demo = (
                (
                    await session.execute(
                        select(Account.id).where(col(Account.email).endswith("@demo.shubo.live"))
                    )
                )
                .scalars()
                .all()
            )
    finally:
        await engine.dispose()
    assert len(requests) == 3 and {r.recipient_id for r in requests} == {me}
    assert not {r.requester_id for r in requests} & set(demo)
    assert sorted(r.status for r in requests) == ["accepted", "pending", "pending"]
    assert len(meetings) == 1 and meetings[0].slot_id == slots[0]
