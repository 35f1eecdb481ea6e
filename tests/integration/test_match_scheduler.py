"""The organisers' scheduler over a real server, on SQLite and PostgreSQL: accepted requests
inserted directly, a run started over HTTP, progress and the result heard on the organisers'
topic, the new meetings stored before each party hears of them, one run at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from expo.db import stored_id
from matchmaking.models import (
    ExhibitorSeats,
    MatchAvailability,
    MatchSlot,
    Meeting,
    MeetingPlace,
    MeetingRequest,
    MeetingSeat,
    RequestStatus,
    SchedulerRun,
)
from tests.integration.test_qa import register
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

ORGANIZER = "organizer@demo.shubo.live"
STAFF = "exhibitor@demo.shubo.live"  # staff of exhibitor 1
RUNS = "/api/match/scheduler/runs"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sched') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url)) as live:
                yield live


async def me(server: LiveServer, cookie: str) -> int:
    async with server.http(headers={"Cookie": cookie}) as http:
        return (await http.get("/api/me")).json()["account"]["id"]  # type: ignore[no-any-return]


async def expo_with_waiting_requests(server: LiveServer) -> dict[str, Any]:
    """Three future slots; exhibitor 1 (one staff member asked, one seat); four attendees who
    asked its staff and were accepted, one of them already meeting in slot 1, one free only in
    slot 0; and two attendees who asked each other (no exhibitor), both free in slot 2."""
    staff = await me(server, await server.sign_in(STAFF))
    people = [await register(server, f"排程 {i}") for i in range(6)]
    ids = [p[0] for p in people]
    start = datetime(2031, 6, 1, 1, 0, tzinfo=UTC)
    async with server.services.db() as db:
        await db.execute(delete(MeetingSeat))
        await db.execute(delete(MeetingPlace))
        await db.execute(delete(Meeting))
        await db.execute(delete(MeetingRequest))
        await db.execute(delete(MatchAvailability))
        await db.execute(delete(SchedulerRun))
        await db.execute(delete(MatchSlot))
        slots = [
            MatchSlot(
                starts_at=start + timedelta(hours=i), ends_at=start + timedelta(hours=i, minutes=30)
            )
            for i in range(3)
        ]
        db.add_all(slots)
        await db.flush()
        s = [stored_id(x) for x in slots]
        seats = await db.get(ExhibitorSeats, 1)
        if seats is None:
            db.add(ExhibitorSeats(exhibitor_id=1, seats=1))
        else:
            seats.seats = 1
        free = {
            staff: s,
            ids[0]: s,
            ids[1]: s,
            ids[2]: s,
            ids[3]: [s[0]],
            ids[4]: s,
            ids[5]: [s[2]],
        }
        db.add_all(MatchAvailability(account_id=a, slot_id=x) for a, xs in free.items() for x in xs)
        asks = [
            MeetingRequest(
                requester_id=a, recipient_id=staff, exhibitor_id=1, status=RequestStatus.ACCEPTED
            )
            for a in ids[:4]
        ]
        asks.append(
            MeetingRequest(requester_id=ids[4], recipient_id=ids[5], status=RequestStatus.ACCEPTED)
        )
        db.add_all(asks)
        await db.flush()
        met = Meeting(
            request_id=stored_id(asks[0]), requester_id=ids[0], recipient_id=staff,
            exhibitor_id=1, slot_id=s[1], seat=0, placed_by="accept",
        )  # fmt: skip
        db.add(met)
        await db.flush()
        db.add_all(
            MeetingPlace(account_id=a, slot_id=s[1], meeting_id=stored_id(met))
            for a in sorted((ids[0], staff))
        )
        db.add(MeetingSeat(exhibitor_id=1, slot_id=s[1], seat=0, meeting_id=stored_id(met)))
        await db.commit()
    return {"staff": staff, "people": people, "slots": s, "fixed": stored_id(met)}


async def stored_meetings(server: LiveServer) -> list[Meeting]:
    async with server.services.read() as db:
        return list((await db.execute(select(Meeting).order_by(col(Meeting.id)))).scalars())


async def test_a_run_places_waiting_requests_people_first_and_reports_the_bound(
    server: LiveServer,
):
    expo = await expo_with_waiting_requests(server)
    people, s, staff = expo["people"], expo["slots"], expo["staff"]
    organiser = await server.sign_in(ORGANIZER)
    only_slot_0 = people[3]
    async with server.connect(organiser) as ows, server.connect(only_slot_0[1]) as aws:
        board, attendee = Peer(ows), Peer(aws)
        assert (await board.command("subscribe", {"topic": "match-organisers:all"}))["type"] == "ok"
        topic = f"account:{only_slot_0[0]}"
        assert (await attendee.command("subscribe", {"topic": topic}))["type"] == "ok"
        async with server.http(headers={"Cookie": organiser}) as http:
            started = await http.post(RUNS, json={"time_limit": 10})
        assert started.status_code == 202, started.text
        run_id = started.json()["run"]["id"]
        progress = await board.event("match.scheduler_progress")
        finished = await board.event("match.scheduler_finished", timeout=30)
        changed = await attendee.event("match.meeting_changed", timeout=10)
        # Stored before announced: the meeting the attendee hears of is in the database.
        by_id = {stored_id(m): m for m in await stored_meetings(server)}
    assert progress["data"]["run"] == run_id and 0 <= progress["data"]["percent"] <= 100
    run = finished["data"]["run"]
    assert run["id"] == run_id and run["status"] == "finished"
    result = run["result"]
    # One seat, three slots, one taken already: 3 meetings with exhibitor 1, plus the two
    # attendees' meeting; four asked exhibitor 1, so one of them has none.
    assert result["upper_bound"] == 4 and result["meetings"] == 4 and result["placed"] == 3
    assert result["people_without"] == 1 and result["solver_status"] == "optimal"
    assert "scheduled 4 of at most 4 possible" in result["summary"]["en"]
    assert "1 people who asked have none" in result["summary"]["en"]
    assert result["summary"]["zh"].startswith("已安排 4 场")
    meeting = changed["data"]["meeting"]
    assert meeting["id"] in by_id and meeting["slot"]["id"] == s[0]
    assert meeting["with"]["id"] == staff and meeting["status"] == "confirmed"
    stored = list(by_id.values())
    assert {m.placed_by for m in stored} == {"accept", "scheduler"}
    assert by_id[expo["fixed"]].slot_id == s[1]  # the confirmed meeting kept its slot
    with_staff = sorted(m.slot_id for m in stored if m.exhibitor_id == 1)
    assert with_staff == sorted(s)  # one seat: one meeting per slot
    pair = [m for m in stored if m.exhibitor_id is None]
    assert len(pair) == 1 and pair[0].slot_id == s[2] and pair[0].seat is None
    async with server.services.read() as db:
        places = (await db.execute(select(MeetingPlace))).scalars().all()
    assert len(places) == 2 * len(stored)
    async with server.http(headers={"Cookie": organiser}) as http:
        latest = (await http.get(f"{RUNS}/latest")).json()["run"]
    assert latest["id"] == run_id and latest["result"] == result and latest["percent"] == 100


async def test_a_second_start_while_one_runs_is_refused(server: LiveServer):
    organiser = await server.sign_in(ORGANIZER)
    organiser_id = await me(server, organiser)
    now = datetime.now(UTC)
    async with server.services.db() as db:  # a run claimed by another process, going on
        other = SchedulerRun(
            active=1, started_by=organiser_id, started_at=now, expires_at=now + timedelta(minutes=5)
        )
        db.add(other)
        await db.commit()
        other_id = stored_id(other)
    async with server.http(headers={"Cookie": organiser}) as http:
        refused = await http.post(RUNS, json={})
        latest = (await http.get(f"{RUNS}/latest")).json()["run"]
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "match.scheduler_running"
    assert latest["id"] == other_id and latest["status"] == "running"
    # Its process died: once the claim expires, the next start takes over.
    async with server.services.db() as db:
        row = await db.get(SchedulerRun, other_id)
        assert row is not None
        row.expires_at = now - timedelta(seconds=1)
        await db.commit()
    async with server.http(headers={"Cookie": organiser}) as http:
        started = await http.post(RUNS, json={"time_limit": 5})
        assert started.status_code == 202, started.text
        for _ in range(300):
            run = (await http.get(f"{RUNS}/latest")).json()["run"]
            if run["status"] != "running":
                break
            await asyncio.sleep(0.05)
        starts = await asyncio.gather(*(http.post(RUNS, json={"time_limit": 5}) for _ in range(4)))
    assert run["status"] == "finished"
    async with server.services.read() as db:
        expired = await db.get(SchedulerRun, other_id)
    assert expired is not None and expired.status == "failed" and expired.active is None
    # Four starts at once: the claim lets in one at a time (the others refused, or later).
    codes = sorted(r.status_code for r in starts)
    assert set(codes) <= {202, 409} and codes.count(202) >= 1
    for _ in range(300):  # let it end before the module's server stops
        async with server.services.read() as db:
            busy = (
                (await db.execute(select(SchedulerRun).where(col(SchedulerRun.active) == 1)))
                .scalars()
                .first()
            )
        if busy is None:
            break
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    "body", [{"time_limit": 0}, {"time_limit": 601}, {"time_limit": "x"}, {"other": 1}]
)
async def test_bad_input_is_refused(server: LiveServer, body: dict[str, Any]):
    organiser = await server.sign_in(ORGANIZER)
    async with server.http(headers={"Cookie": organiser}) as http:
        response = await http.post(RUNS, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


async def test_only_organisers_run_or_read_it(server: LiveServer):
    _, attendee = await register(server, "非组织者")
    async with server.http(headers={"Cookie": attendee}) as http:
        assert (await http.post(RUNS, json={})).status_code == 403
        assert (await http.get(f"{RUNS}/latest")).status_code == 403
    async with server.http() as http:
        assert (await http.get(f"{RUNS}/latest")).status_code == 401
