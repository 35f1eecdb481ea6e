"""The organisers' scheduler over a real server, on SQLite and PostgreSQL: accepted requests
inserted directly, a run started over HTTP, progress and the result heard on the organisers'
topic, the new meetings stored before each party hears of them, one run at a time."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from expo.db import stored_id
from expo.models import Account, Role
from matchmaking.models import (
    ExhibitorSeats,
    MatchAvailability,
    MatchBlock,
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
        await db.execute(delete(MatchBlock))
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
        dashboard = await board.event("match.dashboard_changed", timeout=10)
        changed = await attendee.event("match.meeting_changed", timeout=10)
        request_changed = await attendee.event("match.request_changed", timeout=10)
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
    # Exactly what an accept announces (meeting_views): both people, the booth, the request.
    assert meeting["requester"]["id"] == only_slot_0[0] and meeting["recipient"]["id"] == staff
    assert meeting["exhibitor"]["id"] == 1 and meeting["placed_by"] == "scheduler"
    assert meeting["with"]["exhibitor"]["id"] == 1
    request = request_changed["data"]["request"]
    assert request["meeting"] == meeting["id"] and request["status"] == "accepted"
    assert request["id"] == by_id[meeting["id"]].request_id
    assert dashboard["topic"] == "match-organisers:all"
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


# --- review fixes: what the run stores is what the model planned, and only what may be --------


async def fresh_expo(
    server: LiveServer, count: int
) -> tuple[int, list[tuple[int, str]], list[int]]:
    """The staff member of exhibitor 1 (one seat), `count` new attendees, three future slots;
    no requests, meetings, availability or blocks yet."""
    expo = await expo_with_waiting_requests(server)
    people = [await register(server, f"复核 {i}") for i in range(count)]
    async with server.services.db() as db:
        for table in (MeetingSeat, MeetingPlace, Meeting, MeetingRequest, MatchAvailability):
            await db.execute(delete(table))
        await db.commit()
    return expo["staff"], people, expo["slots"]


async def finished_run(server: LiveServer, organiser: str) -> dict[str, Any]:
    async with server.http(headers={"Cookie": organiser}) as http:
        started = await http.post(RUNS, json={"time_limit": 10})
        assert started.status_code == 202, started.text
        for _ in range(600):
            run = (await http.get(f"{RUNS}/latest")).json()["run"]
            if run["status"] != "running":
                return run  # type: ignore[no-any-return]
            await asyncio.sleep(0.05)
    raise AssertionError("the run did not finish")


def accepted(requester: int, recipient: int, exhibitor: int | None = None) -> MeetingRequest:
    return MeetingRequest(
        requester_id=requester,
        recipient_id=recipient,
        exhibitor_id=exhibitor,
        status=RequestStatus.ACCEPTED,
        answered_at=datetime.now(UTC),
    )


async def test_someone_who_asks_and_is_asked_is_never_booked_twice_in_a_slot(server: LiveServer):
    """P asked the staff member and Q asked P; P is free in one slot only. Both meetings fit
    that slot for the model if P is two nodes, but P can be in one place: the run plans one,
    stores it, and its bound and count describe what is stored."""
    staff, people, s = await fresh_expo(server, 2)
    (p, _), (q, _) = people
    async with server.services.db() as db:
        free = {staff: s, p: [s[0]], q: s}
        db.add_all(MatchAvailability(account_id=a, slot_id=x) for a, xs in free.items() for x in xs)
        db.add_all([accepted(p, staff, 1), accepted(q, p)])
        await db.commit()
    run = await finished_run(server, await server.sign_in(ORGANIZER))
    stored = await stored_meetings(server)
    result = run["result"]
    assert run["status"] == "finished"
    assert len(stored) == 1 and stored[0].slot_id == s[0]
    assert result["skipped"] == 0 and result["placed"] == 1
    assert result["meetings"] == result["upper_bound"] == 1
    assert result["solver_status"] == "optimal"


async def test_blocked_people_are_not_scheduled(server: LiveServer):
    expo = await expo_with_waiting_requests(server)
    pair = [a for a, _ in expo["people"][4:6]]
    async with server.services.db() as db:
        db.add(MatchBlock(account_id=pair[1], blocked_id=pair[0]))
        await db.commit()
    run = await finished_run(server, await server.sign_in(ORGANIZER))
    stored = await stored_meetings(server)
    assert run["status"] == "finished"
    assert not [m for m in stored if {m.requester_id, m.recipient_id} == set(pair)]
    assert run["result"]["meetings"] == run["result"]["upper_bound"] == 3


async def test_requests_closed_or_blocked_while_it_solves_get_no_meeting(server: LiveServer):
    """The run reads, solves (up to its time limit), then writes: a request withdrawn, and two
    people who blocked each other, in between, are skipped, not given a confirmed meeting."""
    from matchmaking.scheduler_store import build, write
    from matchmaking.solver import solve

    expo = await expo_with_waiting_requests(server)
    people = [a for a, _ in expo["people"]]
    async with server.services.read() as db:
        built = await build(db, datetime.now(UTC))
    solution = solve(built.instance, 10)
    async with server.services.db() as db:  # meanwhile: a withdrawal and a block
        rows = await db.execute(
            select(MeetingRequest).where(col(MeetingRequest.requester_id) == people[3])
        )
        withdrawn = rows.scalars().one()
        withdrawn.status = RequestStatus.CANCELLED
        db.add(MatchBlock(account_id=people[4], blocked_id=people[5]))
        await db.commit()
    async with server.services.db() as db:
        _, skipped = await write(db, built, solution.meetings)
        await db.commit()
    stored = [m for m in await stored_meetings(server) if m.placed_by == "scheduler"]
    placed = {frozenset((m.requester_id, m.recipient_id)) for m in stored}
    assert len(stored) == 1 and skipped == 2
    assert frozenset((people[3], expo["staff"])) not in placed
    assert frozenset((people[4], people[5])) not in placed
    assert stored_id(withdrawn) not in {m.request_id for m in await stored_meetings(server)}


async def test_a_cancel_does_not_repair_into_a_meeting_between_blocked_people(
    server: LiveServer,
):
    """A's meeting in the one common slot is cancelled; B (waiting longest) and the staff
    member blocked each other, C waits too: the freed seat goes to C, never to B."""
    staff, people, s = await fresh_expo(server, 3)
    (a, a_cookie), (b, _), (c, _) = people
    async with server.services.db() as db:
        db.add_all(MatchAvailability(account_id=x, slot_id=s[0]) for x in (staff, a, b, c))
        first = accepted(a, staff, 1)
        older, newer = accepted(b, staff, 1), accepted(c, staff, 1)
        older.answered_at = datetime.now(UTC) - timedelta(hours=1)
        db.add_all([first, older, newer])
        await db.flush()
        met = Meeting(
            request_id=stored_id(first), requester_id=a, recipient_id=staff, exhibitor_id=1,
            slot_id=s[0], seat=0, placed_by="accept",
        )  # fmt: skip
        db.add(met)
        await db.flush()
        db.add_all(
            MeetingPlace(account_id=x, slot_id=s[0], meeting_id=stored_id(met))
            for x in sorted((a, staff))
        )
        db.add(MeetingSeat(exhibitor_id=1, slot_id=s[0], seat=0, meeting_id=stored_id(met)))
        db.add(MatchBlock(account_id=staff, blocked_id=b))
        await db.commit()
        met_id, newer_id = stored_id(met), stored_id(newer)
    async with server.connect(a_cookie) as ws:
        reply = await Peer(ws).command("match.cancel", {"meeting": met_id})
    assert reply["type"] == "ok", reply
    assert reply["data"]["repaired"] == 1
    live = [m for m in await stored_meetings(server) if m.status == "confirmed"]
    assert [(m.request_id, m.requester_id, m.slot_id) for m in live] == [(newer_id, c, s[0])]


async def test_the_cli_runs_the_scheduler_over_the_database(server: LiveServer):
    """`expo match schedule`: the same run over EXPO_DATABASE_URL, progress on stderr, the
    summary on stdout; refused while another run holds the claim."""
    await expo_with_waiting_requests(server)
    url = server.services.settings.database_url
    done = await asyncio.to_thread(_schedule_cli, url, "--time-limit", "10")
    assert done.returncode == 0, done.stderr
    assert "scheduled 4 of at most 4 possible (3 new)" in done.stdout
    assert "已安排 4 场" in done.stdout
    assert "people 5%" in done.stderr and "writing 99%" in done.stderr
    stored = await stored_meetings(server)
    assert sorted(m.placed_by for m in stored) == ["accept"] + ["scheduler"] * 3
    async with server.services.read() as db:
        run = (
            (await db.execute(select(SchedulerRun).order_by(col(SchedulerRun.id).desc())))
            .scalars()
            .first()
        )
    assert run is not None and run.status == "finished" and run.active is None
    now = datetime.now(UTC)
    async with server.services.db() as db:  # a console run going on
        db.add(
            SchedulerRun(
                active=1, started_by=run.started_by, started_at=now,
                expires_at=now + timedelta(minutes=5),
            )
        )  # fmt: skip
        await db.commit()
    try:
        refused = await asyncio.to_thread(_schedule_cli, url)
        assert refused.returncode == 1 and "match.scheduler_running" in refused.stderr
        bad = await asyncio.to_thread(_schedule_cli, url, "--time-limit", "0")
        assert bad.returncode == 2 and "--time-limit" in bad.stderr
    finally:
        async with server.services.db() as db:
            await db.execute(delete(SchedulerRun))
            await db.commit()


def _schedule_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a subprocess. Should it hang, it is sent SIGABRT, which `-X faulthandler`
    turns into every thread's traceback on stderr, and the test fails with that stderr."""
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-X", "faulthandler", "-m", "expo.cli", "match", "schedule", *args]
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "EXPO_DATABASE_URL": url}
    with subprocess.Popen(
        command, cwd=root, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        try:
            out, err = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            out, err = process.communicate()
            pytest.fail(f"expo match schedule hung for 120 s; stdout:\n{out}\nstderr:\n{err}")
    return subprocess.CompletedProcess(command, process.returncode, out, err)


async def test_a_run_leaves_no_task_of_its_own_behind(server: LiveServer):
    """When a run returns, its progress reporter has ended, not merely been asked to: a
    reporter cancelled mid-write could outlive the CLI's engine and hang `asyncio.run`'s
    shutdown for good (`expo match schedule` hung for 120 s in CI, its threads dumped there)."""
    from matchmaking.scheduler import claim, run_scheduler

    await expo_with_waiting_requests(server)
    async with server.services.read() as db:
        organiser = (
            (await db.execute(select(Account).where(col(Account.role) == Role.ORGANIZER)))
            .scalars()
            .first()
        )
    assert organiser is not None
    run = await claim(server.services.db, stored_id(organiser), 5)
    row, _ = await run_scheduler(server.services.db, run)
    assert row.status == "finished"
    left = [t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__name__", "") == "_report"]
    assert left == []
