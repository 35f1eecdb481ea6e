"""What the meetings' tests set up straight in the database (the profiles part owns the routes
that would): fresh people with visible profiles and availability, an exhibitor and its seats,
meeting slots to come. Everything is new per test, so tests sharing a server never meet."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from expo.db import stored_id
from expo.models import Account, Exhibitor, Role, utcnow
from matchmaking.models import (
    ExhibitorSeats,
    MatchAvailability,
    MatchProfile,
    MatchSlot,
    MeetingRequest,
)

PASSWORD = "shubo-demo-2026"  # every demo account's; fresh people copy its hash
Db = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def _demo_hash(db: AsyncSession) -> str:
    found = await db.execute(
        select(Account.password_hash).where(Account.email == "attendee@demo.shubo.live")
    )
    return str(found.scalar_one())


async def new_exhibitor(db_factory: Db, seats: int) -> int:
    async with db_factory() as db:
        row = Exhibitor(name_zh="洽谈测试展商", name_en="Meeting Test Co", industry="big_data")
        db.add(row)
        await db.flush()
        db.add(ExhibitorSeats(exhibitor_id=stored_id(row), seats=seats))
        await db.commit()
        return stored_id(row)


async def new_slots(db_factory: Db, hours: Iterable[float]) -> list[int]:
    """Slots starting `hours` from now, 30 minutes each."""
    now = utcnow()
    async with db_factory() as db:
        rows = [
            MatchSlot(
                starts_at=now + timedelta(hours=h),
                ends_at=now + timedelta(hours=h, minutes=30),
            )
            for h in hours
        ]
        db.add_all(rows)
        await db.commit()
        return [stored_id(r) for r in rows]


async def new_people(
    db_factory: Db,
    count: int,
    *,
    slots: Iterable[int] = (),
    exhibitor_id: int | None = None,
    visible: bool = True,
    name: str = "洽谈者",
) -> list[tuple[int, str]]:
    """`count` fresh accounts (staff of `exhibitor_id`, else attendees) with the demo password,
    a visible profile and availability in `slots`: [(account id, email)]."""
    slots = list(slots)
    tag = secrets.token_hex(4)
    async with db_factory() as db:
        password_hash = await _demo_hash(db)
        accounts = [
            Account(
                email=f"m-{tag}-{i}@example.com",
                password_hash=password_hash,
                display_name=f"{name} {i}",
                organisation="测试 Org",
                role=Role.EXHIBITOR if exhibitor_id else Role.ATTENDEE,
                exhibitor_id=exhibitor_id,
            )
            for i in range(count)
        ]
        db.add_all(accounts)
        await db.flush()
        for account in accounts:
            account_id = stored_id(account)
            db.add(
                MatchProfile(
                    account_id=account_id,
                    exhibitor_id=exhibitor_id,
                    intents=["buy"],
                    industries=["big_data"],
                    offer="数据服务",
                    need="合作伙伴",
                    languages=["zh", "en"],
                    visible=visible,
                )
            )
            db.add_all(MatchAvailability(account_id=account_id, slot_id=s) for s in slots)
        await db.commit()
        return [(stored_id(a), a.email) for a in accounts]


async def new_requests(
    db_factory: Db, pairs: Iterable[tuple[int, int]], exhibitor_id: int | None
) -> list[int]:
    """Pending requests (requester, recipient), written as rows (for speed)."""
    async with db_factory() as db:
        rows = [
            MeetingRequest(requester_id=a, recipient_id=b, exhibitor_id=exhibitor_id, note="race")
            for a, b in pairs
        ]
        db.add_all(rows)
        await db.commit()
        return [stored_id(r) for r in rows]
