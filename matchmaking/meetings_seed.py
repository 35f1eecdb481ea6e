"""The demo's requests and meetings, after the profiles part seeded slots and profiles: the
demo attendee has two requests waiting for an answer and one meeting already placed, each with
a synthetic participant, so `#/meetings` and the agenda look real on first sign-in.

Nothing is seeded between the demo attendee and the demo exhibitor account: the walkthrough
(and its browser test) has the one ask the other. Without slots or profiles, nothing is seeded.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.models import Account, utcnow
from matchmaking import placement_store
from matchmaking.meeting_rules import Party, seat_holder
from matchmaking.models import MatchProfile, MatchSlot, MeetingRequest, RequestStatus

ATTENDEE = "attendee@demo.shubo.live"
DEMO_DOMAIN = "@demo.shubo.live"
NOTES = [
    "您好，我们在做城市数据治理，想了解贵方的数据交易平台方案。"
    " Hello, we would like to hear about your data exchange platform.",
    "Looking for partners on industrial IoT analytics; 15 minutes at the expo?",
    "想约个时间聊聊算力合作。",
]


async def seed_meetings(db: AsyncSession) -> None:
    if (await db.execute(select(MatchSlot.id).limit(1))).first() is None:
        return
    me = (await db.execute(select(Account).where(col(Account.email) == ATTENDEE))).scalars().first()
    if me is None or me.id is None:
        return
    others = (
        (
            await db.execute(
                select(Account)
                .join(MatchProfile, col(MatchProfile.account_id) == Account.id)
                .where(
                    col(MatchProfile.visible).is_(True),
                    ~col(Account.email).endswith(DEMO_DOMAIN),
                )
                .order_by(col(Account.id))
                .limit(3)
            )
        )
        .scalars()
        .all()
    )
    if len(others) < 3:
        return
    mine = Party(me.id, me.role, me.exhibitor_id)
    for index, other in enumerate(others):
        assert other.id is not None
        theirs = Party(other.id, other.role, other.exhibitor_id)
        request = MeetingRequest(
            requester_id=other.id,
            recipient_id=me.id,
            exhibitor_id=seat_holder(theirs, mine),
            note=NOTES[index],
        )
        db.add(request)
        await db.flush()
        if index == 2:  # the third accepted at once, and placed if they share a free slot
            request.status, request.answered_at = RequestStatus.ACCEPTED, utcnow()
            db.add(request)
            await db.flush()
            await placement_store.place(db, request)
    await db.commit()
