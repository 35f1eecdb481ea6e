"""500 concurrent accepts racing for the last seat of one slot: exactly one wins, on SQLite, on
PostgreSQL, and across two server processes (PostgreSQL + Redis).

One exhibitor with one seat, one slot, ten of its staff; 500 attendees each asked one of the
staff for a meeting (rows written directly, for speed). The staff accept all 500 at once over
100 websockets (ten each; in the cluster, half on each process). Every accept is answered; one
is placed, the 499 others are accepted and not placed (`match.no_common_slot`), and the rows
agree: one meeting, one seat row, two place rows.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.db import make_engine, make_sessionmaker
from matchmaking.models import Meeting, MeetingPlace, MeetingRequest, MeetingSeat
from tests.cluster import Process
from tests.cluster import sign_in as sign_in_on
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.meetings_setup import new_exhibitor, new_people, new_requests, new_slots
from tests.services import REDIS_URL, check_redis, fresh_postgres_database

REQUESTS = 500
STAFF = 10
SOCKETS_PER_STAFF = 10  # 100 sockets: 100 accepts in flight at once
Db = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def set_up(db: Db) -> tuple[int, int, dict[int, list[int]], list[tuple[int, str]]]:
    """The exhibitor, the slot, each staff member's requests, and the staff (id, email)."""
    exhibitor = await new_exhibitor(db, seats=1)
    (slot,) = await new_slots(db, [2])
    staff = await new_people(db, STAFF, slots=[slot], exhibitor_id=exhibitor, name="展商")
    attendees = await new_people(db, REQUESTS, slots=[slot], name="观众")
    pairs = [(a, staff[i % STAFF][0]) for i, (a, _) in enumerate(attendees)]
    ids = await new_requests(db, pairs, exhibitor)
    mine: dict[int, list[int]] = {s: [] for s, _ in staff}
    for request_id, (_, recipient) in zip(ids, pairs, strict=True):
        mine[recipient].append(request_id)
    return exhibitor, slot, mine, staff


async def race(
    connect: Callable[[int, str], Any], cookies: dict[int, str], mine: dict[int, list[int]]
) -> list[dict[str, Any]]:
    """All accepts at once: each staff member's requests shared among their sockets, each
    socket sending its accepts one after another (the server runs a socket's commands in
    order), all sockets at once."""

    async def one_socket(index: int, staff_id: int, requests: list[int]) -> list[dict[str, Any]]:
        async with connect(index, cookies[staff_id]) as ws:
            peer = Peer(ws)
            replies = []
            for request_id in requests:
                replies.append(await accept(peer, request_id))
            return replies

    jobs = []
    index = 0
    for staff_id, requests in mine.items():
        for k in range(SOCKETS_PER_STAFF):
            jobs.append(one_socket(index, staff_id, requests[k::SOCKETS_PER_STAFF]))
            index += 1
    async with asyncio.timeout(240):
        done = await asyncio.gather(*jobs)
    return [reply for replies in done for reply in replies]


async def accept(peer: Peer, request_id: int) -> dict[str, Any]:
    """The accept's answer; `database.busy` (every pooled connection taken, on a loaded machine)
    is retried after its retry_after, as the browser does (frontend/js/api.js)."""
    for _ in range(10):
        await peer.ws.send(
            json.dumps({"type": "match.accept", "id": request_id, "data": {"request": request_id}})
        )
        reply = await peer.reply(request_id, timeout=90)
        if reply["type"] != "error" or reply["error"]["code"] != "database.busy":
            return reply
        await asyncio.sleep(reply["error"].get("retry_after", 1))
    return reply


async def check(
    db: Db, replies: list[dict[str, Any]], exhibitor: int, slot: int, mine: dict[int, list[int]]
) -> None:
    assert len(replies) == REQUESTS
    errors = [r for r in replies if r["type"] != "ok"]
    assert errors == []
    placed = [r for r in replies if r["data"]["placed"]]
    unplaced = [r for r in replies if not r["data"]["placed"]]
    assert len(placed) == 1, [r["data"]["meeting"]["id"] for r in placed]
    assert len(unplaced) == REQUESTS - 1
    assert {r["data"]["reason"]["code"] for r in unplaced} == {"match.no_common_slot"}
    winner = placed[0]["data"]["meeting"]
    all_requests = [r for requests in mine.values() for r in requests]
    async with db() as session:
        meetings = (
            (
                await session.execute(
                    select(Meeting).where(col(Meeting.request_id).in_(all_requests))
                )
            )
            .scalars()
            .all()
        )
        seats = (
            (
                await session.execute(
                    select(MeetingSeat).where(col(MeetingSeat.exhibitor_id) == exhibitor)
                )
            )
            .scalars()
            .all()
        )
        places = (
            (await session.execute(select(MeetingPlace).where(col(MeetingPlace.slot_id) == slot)))
            .scalars()
            .all()
        )
        statuses = (
            (
                await session.execute(
                    select(MeetingRequest.status).where(col(MeetingRequest.id).in_(all_requests))
                )
            )
            .scalars()
            .all()
        )
    assert [m.id for m in meetings] == [winner["id"]]
    assert [(s.slot_id, s.seat, s.meeting_id) for s in seats] == [(slot, 0, winner["id"])]
    assert sorted(p.account_id for p in places) == sorted(
        [winner["requester"]["id"], winner["recipient"]["id"]]
    )
    assert {p.meeting_id for p in places} == {winner["id"]}
    assert set(statuses) == {"accepted"} and len(statuses) == REQUESTS


@pytest.fixture(params=["sqlite", "postgres"])
async def one_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('race') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        await check_redis()
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url, redis_url=REDIS_URL)) as live:
                yield live


async def test_500_accepts_for_the_last_seat_one_wins_in_one_process(one_server: LiveServer):
    server = one_server
    db = server.services.db
    exhibitor, slot, mine, staff = await set_up(db)
    cookies = {i: await server.sign_in(email) for i, email in staff}
    replies = await race(lambda _i, cookie: server.connect(cookie), cookies, mine)
    await check(db, replies, exhibitor, slot, mine)


async def test_500_accepts_for_the_last_seat_one_wins_across_two_processes(
    shared_env: dict[str, str], two_processes: tuple[Process, Process]
):
    engine = make_engine(shared_env["EXPO_DATABASE_URL"])
    db = make_sessionmaker(engine)
    try:
        exhibitor, slot, mine, staff = await set_up(db)
        a, b = two_processes
        cookies = {i: await sign_in_on(a, email) for i, email in staff}
        # Sockets alternate between the two processes: every staff member's accepts are sent
        # to both at once.
        replies = await race(lambda i, cookie: (a, b)[i % 2].connect(cookie), cookies, mine)
        await check(db, replies, exhibitor, slot, mine)
    finally:
        await engine.dispose()


async def test_a_meetings_reminder_is_sent_once_by_one_of_two_processes(
    shared_env: dict[str, str], two_processes: tuple[Process, Process]
):
    """Both processes look for due meetings five times a second; each party hears one
    reminder, whichever process claimed it."""
    engine = make_engine(shared_env["EXPO_DATABASE_URL"])
    db = make_sessionmaker(engine)
    try:
        (soon,) = await new_slots(db, [0.1])  # six minutes from now: within the lead
        (one, one_email), (other, other_email) = await new_people(db, 2, slots=[soon])
        (request_id,) = await new_requests(db, [(one, other)], None)
        a, b = two_processes
        async with (
            a.connect(await sign_in_on(a, one_email)) as ws_one,
            b.connect(await sign_in_on(b, other_email)) as ws_other,
        ):
            peers = [(Peer(ws_one), one), (Peer(ws_other), other)]
            for peer, account in peers:
                ok = await peer.command("subscribe", {"topic": f"account:{account}"})
                assert ok["type"] == "ok"
            # Followed first, then the meeting made due: both processes race to claim it.
            async with db() as session:
                meeting = Meeting(
                    request_id=request_id, requester_id=one, recipient_id=other, slot_id=soon
                )
                session.add(meeting)
                await session.flush()
                assert meeting.id is not None
                session.add_all(
                    MeetingPlace(account_id=x, slot_id=soon, meeting_id=meeting.id)
                    for x in (one, other)
                )
                await session.commit()
            heard = [await peer.event("match.reminder", timeout=20) for peer, _ in peers]
            for peer, _ in peers:
                with pytest.raises(TimeoutError):
                    await peer.event("match.reminder", timeout=1.5)  # no second one
        assert [h["data"]["meeting"]["id"] for h in heard] == [meeting.id] * 2
        async with db() as session:
            stored = await session.get(Meeting, meeting.id)
            assert stored is not None and stored.reminded_at is not None
    finally:
        await engine.dispose()
