"""A confirmed meeting between two accounts, written straight into the database (the meetings
part's request/accept flow is not needed to test the meeting room)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from expo.db import make_engine, make_sessionmaker
from expo.models import utcnow
from matchmaking.models import MatchSlot, Meeting, MeetingRequest, MeetingStatus, RequestStatus

_LATER = itertools.count()


async def insert_meeting(db: AsyncSession, requester: int, recipient: int) -> int:
    """A slot starting in an hour, an accepted request and its meeting; the meeting's id."""
    # Each call's slot after the last one's: slots never overlap, so a replacement of the whole
    # list (PUT /api/match/slots, as the OpenAPI fuzz makes one) stays valid.
    later = timedelta(hours=1, minutes=30 * next(_LATER))
    start = utcnow().replace(second=0, microsecond=0) + later
    slot = MatchSlot(starts_at=start, ends_at=start + timedelta(minutes=30))
    db.add(slot)
    await db.flush()
    request = MeetingRequest(
        requester_id=requester,
        recipient_id=recipient,
        note="会议室测试 room test",
        status=RequestStatus.ACCEPTED,
        answered_at=utcnow(),
    )
    db.add(request)
    await db.flush()
    assert slot.id is not None and request.id is not None
    meeting = Meeting(
        request_id=request.id, requester_id=requester, recipient_id=recipient, slot_id=slot.id
    )
    db.add(meeting)
    await db.commit()
    assert meeting.id is not None
    return meeting.id


async def cancel_meeting(db: AsyncSession, meeting_id: int) -> None:
    await db.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id)  # type: ignore[arg-type]
        .values(status=MeetingStatus.CANCELLED, version=Meeting.version + 1)
    )
    await db.commit()


async def meeting_at(database_url: str, requester: int, recipient: int) -> int:
    """`insert_meeting` on a database of its own engine (another process's server)."""
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as db:
            return await insert_meeting(db, requester, recipient)
    finally:
        await engine.dispose()
