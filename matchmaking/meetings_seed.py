"""The demo's requests and meetings, after the profiles part seeded slots and profiles: the
demo attendee has two requests waiting for an answer and one meeting already placed, each with
a synthetic participant (demo_people.py), so `#/meetings` and the agenda look real on first
sign-in.

Nothing is seeded between the demo attendee and the demo exhibitor account: the walkthrough
(and its browser test) has the one ask the other. Without slots or synthetic profiles, nothing
is seeded. Idempotent: once the demo attendee has sent or received any request (seeded or
their own), nothing more is added.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.models import Account, utcnow
from matchmaking import placement_store
from matchmaking.demo_people import EMAIL_DOMAIN
from matchmaking.meeting_rules import Party, seat_holder
from matchmaking.models import MatchProfile, MatchSlot, MeetingRequest, RequestStatus

ATTENDEE = "attendee@demo.shubo.live"
CANDIDATES = 20  # synthetic participants looked at for the one meeting that can be placed
NOTES = [
    "您好，我们在做城市数据治理，想了解贵方的数据交易平台方案。"
    " Hello, we would like to hear about your data exchange platform.",
    "Looking for partners on industrial IoT analytics; 15 minutes at the expo?",
    "想约个时间聊聊算力合作。",
]


def _party(account: Account) -> Party:
    assert account.id is not None
    return Party(account.id, account.role, account.exhibitor_id)


async def seed_meetings(db: AsyncSession) -> None:
    if (await db.execute(select(MatchSlot.id).limit(1))).first() is None:
        return
    me = (await db.execute(select(Account).where(col(Account.email) == ATTENDEE))).scalars().first()
    if me is None or me.id is None:
        return
    my_id: int = me.id
    seeded = await db.execute(
        select(MeetingRequest.id)
        .where(
            or_(
                col(MeetingRequest.requester_id) == my_id,
                col(MeetingRequest.recipient_id) == my_id,
            )
        )
        .limit(1)
    )
    if seeded.first() is not None:
        return  # seeded before, or the attendee has been using matchmaking: leave it
    others = list(
        (
            await db.execute(
                select(Account)
                .join(MatchProfile, col(MatchProfile.account_id) == Account.id)
                .where(
                    col(MatchProfile.visible).is_(True),
                    col(Account.email).endswith(f"@{EMAIL_DOMAIN}"),
                )
                .order_by(col(Account.id))
                .limit(CANDIDATES)
            )
        )
        .scalars()
        .all()
    )
    if len(others) < 3:
        return
    mine = _party(me)

    def request_from(other: Account, note: str) -> MeetingRequest:
        return MeetingRequest(
            requester_id=_party(other).account_id,
            recipient_id=my_id,
            exhibitor_id=seat_holder(_party(other), mine),
            note=note,
        )

    # The accepted one first: the first synthetic participant who shares a free slot with the
    # attendee (availability is random), so the demo always shows a placed meeting.
    placed: Account | None = None
    for other in others:
        savepoint = await db.begin_nested()
        request = request_from(other, NOTES[2])
        request.status, request.answered_at = RequestStatus.ACCEPTED, utcnow()
        db.add(request)
        await db.flush()
        if await placement_store.place(db, request) is not None:
            await savepoint.commit()
            placed = other
            break
        await savepoint.rollback()
    pending = [other for other in others if other is not placed][:2]
    for other, note in zip(pending, NOTES, strict=False):
        db.add(request_from(other, note))
    await db.commit()
