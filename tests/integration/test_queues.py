"""Live booth queues over a real server, on SQLite (the embedded line) and on PostgreSQL with
Redis (the Lua line): join (twice is the same ticket), positions 1..n that fall as people are
called, the call and its answer, the call's room, served, no-shows back once then out, pause,
close, the length cap, who may do what, and a Redis that lost its lines. No staff on duty: no
wait promised. A ticket the queue dropped is told to its owner (and no one else) for an hour."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import update
from sqlmodel import select

from expo.models import utcnow
from matchmaking.models import MatchSettings, QueueTicket
from matchmaking.queue_engine import UNSTAFFED_TTL, index_of
from matchmaking.queue_sweeper import drop_the_absent, reconcile
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.meetings_setup import new_exhibitor, new_people
from tests.redis_server import redis_server
from tests.services import REDIS_URL, check_redis, forget_queue_lines, fresh_postgres_database
from tests.waiting import eventually


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('queues') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        await check_redis()
        await forget_queue_lines()
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url, redis_url=REDIS_URL)) as live:
                yield live


class Person:
    def __init__(self, server: LiveServer, account_id: int, cookie: str) -> None:
        self.server, self.id, self.cookie = server, account_id, cookie

    async def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.server.http(headers={"Cookie": self.cookie}) as http:
            response = await http.request(method, path, json=body)
        kind = response.headers.get("content-type", "")
        return response.status_code, response.json() if "json" in kind else response.text


async def people(server: LiveServer, count: int, exhibitor_id: int | None = None) -> list[Person]:
    made = await new_people(server.services.db, count, exhibitor_id=exhibitor_id)
    return [Person(server, i, await server.sign_in(email)) for i, email in made]


async def booth(server: LiveServer) -> tuple[int, list[Person]]:
    exhibitor = await new_exhibitor(server.services.db, seats=2)
    return exhibitor, await people(server, 2, exhibitor)


async def on_duty(person: Person, exhibitor: int) -> None:
    status, body = await person.http("PUT", f"/api/exhibitors/{exhibitor}/duty", {"on": True})
    assert status == 200, body


async def join(person: Person, exhibitor: int) -> tuple[int, dict[str, Any]]:
    status, body = await person.http(
        "POST", f"/api/match/queues/{exhibitor}/tickets", {"share_card": True}
    )
    return status, body.get("ticket") or body


async def position(person: Person, ticket: int) -> int | None:
    status, body = await person.http("GET", f"/api/match/queue-tickets/{ticket}")
    assert status == 200, body
    line = body["ticket"]["line"]
    return line["position"] if line else None


async def settings(server: LiveServer, **values: int) -> None:
    async with server.services.db() as db:
        row = await db.get(MatchSettings, 1)
        if row is None:
            db.add(MatchSettings(**values))
        else:
            await db.execute(update(MatchSettings).where(MatchSettings.id == 1).values(**values))
        await db.commit()


async def test_joining_twice_is_one_ticket_and_positions_are_one_to_n(server: LiveServer):
    exhibitor, (staff, _) = await booth(server)
    await on_duty(staff, exhibitor)
    a, b, c = await people(server, 3)
    first, ticket_a = await join(a, exhibitor)
    again, same = await join(a, exhibitor)
    assert (first, again) == (201, 200)
    assert same["id"] == ticket_a["id"] and same["line"]["position"] == 1
    assert ticket_a["line"]["eta"][0] == 0 and ticket_a["line"]["eta"][1] >= 1
    assert ticket_a["line"]["staffed"] is True
    _, ticket_b = await join(b, exhibitor)
    _, ticket_c = await join(c, exhibitor)
    assert [t["line"]["position"] for t in (ticket_a, ticket_b, ticket_c)] == [1, 2, 3]
    mine = (await c.http("GET", "/api/match/queue-tickets"))[1]["tickets"]
    assert [t["id"] for t in mine] == [ticket_c["id"]]
    assert mine[0]["line"]["position"] == 3 and mine[0]["line"]["length"] == 3
    async with server.services.read() as db:
        stored = (
            (await db.execute(select(QueueTicket).where(QueueTicket.exhibitor_id == exhibitor)))
            .scalars()
            .all()
        )
    assert len(stored) == 3 and all(t.rank is not None for t in stored)  # stored with their rank


async def test_with_no_staff_on_duty_no_wait_is_promised(server: LiveServer):
    """Nobody on duty: the line says so (`staffed` false, `eta` null), in the ticket, the list
    of mine and the queue; someone coming on duty brings the range back within seconds."""
    exhibitor, (staff, _) = await booth(server)
    a, b = await people(server, 2)
    _, ticket_a = await join(a, exhibitor)
    _, ticket_b = await join(b, exhibitor)
    assert ticket_b["line"]["position"] == 2
    assert (ticket_b["line"]["eta"], ticket_b["line"]["staffed"]) == (None, False)
    [mine] = (await b.http("GET", "/api/match/queue-tickets"))[1]["tickets"]
    assert (mine["line"]["eta"], mine["line"]["staffed"]) == (None, False)
    queue = (await b.http("GET", f"/api/match/queues/{exhibitor}"))[1]["queue"]
    assert queue["staffed"] is False and queue["service"]["servers"] == 0

    await on_duty(staff, exhibitor)

    async def staffed() -> dict[str, Any] | None:
        line = (await b.http("GET", f"/api/match/queue-tickets/{ticket_b['id']}"))[1]["ticket"]
        return line["line"] if line["line"]["staffed"] else None

    line = await eventually(staffed, timeout=UNSTAFFED_TTL + 5, interval=0.5)
    assert line["eta"] == [2, 8]  # one on duty, 2–4 minutes each (the guess): position 2
    queue = (await b.http("GET", f"/api/match/queues/{exhibitor}"))[1]["queue"]
    assert queue["staffed"] is True and queue["service"]["servers"] == 1
    assert ticket_a["id"] != ticket_b["id"]


async def test_staff_calling_without_going_on_duty_count_as_serving(server: LiveServer):
    """Staff who call people without switching themselves on duty are serving all the same:
    those still in line are promised a wait again, not "wait unknown"."""
    exhibitor, (staff, _) = await booth(server)
    a, b = await people(server, 2)
    await join(a, exhibitor)
    _, ticket_b = await join(b, exhibitor)
    assert ticket_b["line"]["staffed"] is False
    status, _called = await staff.http("POST", f"/api/match/queues/{exhibitor}/call")
    assert status == 200

    async def staffed() -> dict[str, Any] | None:
        line = (await b.http("GET", f"/api/match/queue-tickets/{ticket_b['id']}"))[1]["ticket"]
        return line["line"] if line["line"]["staffed"] else None

    line = await eventually(staffed, timeout=UNSTAFFED_TTL + 5, interval=0.5)
    assert line["position"] == 1 and line["eta"] == [0, 4]  # next: up to one conversation


async def test_a_call_answered_opens_the_room_and_positions_fall(server: LiveServer):
    exhibitor, (staff, colleague) = await booth(server)
    a, b = await people(server, 2)
    _, ticket_a = await join(a, exhibitor)
    _, ticket_b = await join(b, exhibitor)
    async with server.connect(b.cookie) as ws_b, server.connect(a.cookie) as ws_a:
        peer_a, peer_b = Peer(ws_a), Peer(ws_b)
        assert (await peer_b.command("subscribe", {"topic": f"booth-queue:{exhibitor}"}))[
            "type"
        ] == "ok"
        topic_a = f"queue-ticket:{ticket_a['id']}"
        assert (await peer_a.command("subscribe", {"topic": topic_a}))["type"] == "ok"
        status, called = await staff.http("POST", f"/api/match/queues/{exhibitor}/call")
        assert status == 200, called
        assert called["ticket"]["id"] == ticket_a["id"]
        assert called["ticket"]["person"]["card"]["organisation"] == "测试 Org"
        # b sees the line move: a change ranked before theirs, so one place forward.
        moved = await peer_b.event("queue.moved")
        assert moved["data"]["kind"] == "called"
        assert moved["data"]["rank"] < ticket_b["line"]["rank"]
        assert moved["data"]["version"] == ticket_b["line"]["version"] + 1
        assert await position(b, ticket_b["id"]) == 1
        told = await peer_a.event("queue.ticket_changed")
        assert told["data"]["status"] == "called" and told["data"]["caller"]["account"] == staff.id
        # One call at a time per staff member; a colleague calls the next.
        busy = await staff.http("POST", f"/api/match/queues/{exhibitor}/call")
        assert busy[0] == 409 and busy[1]["error"]["code"] == "queue.busy"
        # The room opens only once answered.
        early = await peer_a.command("queue.say", {"ticket": ticket_a["id"], "text": "hi"})
        assert early["error"]["code"] == "queue.not_answered"
        status, answered = await a.http("POST", f"/api/match/queue-tickets/{ticket_a['id']}/answer")
        assert status == 200 and answered["ticket"]["status"] == "serving"
        room = (await staff.http("GET", f"/api/match/queue-tickets/{ticket_a['id']}/room"))[1]
        assert (
            room["call"]["with"]["account"] == a.id
            and room["topic"] == f"queue-call:{ticket_a['id']}"
        )
        assert (await peer_a.command("subscribe", {"topic": room["topic"]}))["type"] == "ok"
        said = await peer_a.command("queue.say", {"ticket": ticket_a["id"], "text": "您好 <b>"})
        assert said["type"] == "ok", said
        posted = await peer_a.event("meeting.message_posted")
        assert posted["data"]["text"] == "您好 <b>"
        # Nobody else in the room: not the colleague, not the next in line.
        for outsider in (colleague, b):
            status, _ = await outsider.http(
                "GET", f"/api/match/queue-tickets/{ticket_a['id']}/messages"
            )
            assert status == 403
        done = await staff.http("POST", f"/api/match/queue-tickets/{ticket_a['id']}/served")
        assert done[0] == 200 and done[1]["ticket"]["status"] == "served"
        over = await peer_a.command("queue.say", {"ticket": ticket_a["id"], "text": "bye"})
        assert over["error"]["code"] == "queue.call_ended"
        lines = (await a.http("GET", f"/api/match/queue-tickets/{ticket_a['id']}/messages"))[1]
        assert [m["text"] for m in lines["messages"]] == ["您好 <b>"]
        # Served: joining again is a new ticket at the end.
        status, fresh = await join(a, exhibitor)
        assert status == 201 and fresh["id"] != ticket_a["id"] and fresh["line"]["position"] == 2


async def test_a_no_show_goes_back_once_behind_the_next_person_then_out(server: LiveServer):
    exhibitor, (staff, colleague) = await booth(server)
    a, b, c = await people(server, 3)
    tickets = [(await join(p, exhibitor))[1]["id"] for p in (a, b, c)]
    await staff.http("POST", f"/api/match/queues/{exhibitor}/call")
    status, back = await staff.http("POST", f"/api/match/queue-tickets/{tickets[0]}/no-show")
    assert status == 200 and back["ticket"]["status"] == "waiting"
    assert [await position(p, t) for p, t in zip((a, b, c), tickets, strict=True)] == [2, 1, 3]
    await staff.http("POST", f"/api/match/queue-tickets/{tickets[0]}/no-show")  # not called: 409
    called = (await colleague.http("POST", f"/api/match/queues/{exhibitor}/call"))[1]
    assert called["ticket"]["id"] == tickets[1]
    again = (await staff.http("POST", f"/api/match/queues/{exhibitor}/call"))[1]
    assert again["ticket"]["id"] == tickets[0]
    status, out = await staff.http("POST", f"/api/match/queue-tickets/{tickets[0]}/no-show")
    assert status == 200 and out["ticket"]["status"] == "dropped"
    assert await position(c, tickets[2]) == 1


async def test_an_unanswered_call_runs_out_on_its_own(server: LiveServer):
    exhibitor, (staff, _) = await booth(server)
    a, b = await people(server, 2)
    tickets = [(await join(p, exhibitor))[1]["id"] for p in (a, b)]
    await settings(server, queue_call_window=1)
    try:
        await staff.http("POST", f"/api/match/queues/{exhibitor}/call")
        for _ in range(50):  # the sweeper ticks every second
            if await position(a, tickets[0]) == 2:
                break
            await asyncio.sleep(0.2)
        assert await position(a, tickets[0]) == 2 and await position(b, tickets[1]) == 1
        late = await a.http("POST", f"/api/match/queue-tickets/{tickets[0]}/answer")
        assert late[0] == 409 and late[1]["error"]["code"] == "queue.not_called"
    finally:
        await settings(server, queue_call_window=60)


async def test_pause_close_and_the_length_cap(server: LiveServer):
    exhibitor, (staff, _) = await booth(server)
    a, b, c = await people(server, 3)
    await join(a, exhibitor)
    paused = await staff.http("PATCH", f"/api/match/queues/{exhibitor}", {"state": "paused"})
    assert paused[0] == 200 and paused[1]["queue"]["state"] == "paused"
    refused = await staff.http("POST", f"/api/match/queues/{exhibitor}/call")
    assert refused[1]["error"]["code"] == "queue.paused"
    assert (await join(b, exhibitor))[0] == 201  # a pause still lets people join
    capped = await staff.http(
        "PATCH", f"/api/match/queues/{exhibitor}", {"state": "open", "max_length": 2}
    )
    assert capped[1]["queue"]["max_length"] == 2 and capped[1]["queue"]["length"] == 2
    full = await join(c, exhibitor)
    assert full[0] == 409 and full[1]["error"]["code"] == "queue.full"
    async with server.services.read() as db:
        kept = await db.execute(
            select(QueueTicket).where(QueueTicket.account_id == c.id, QueueTicket.active == 1)
        )
        assert kept.scalars().first() is None  # refused, so not kept as live
    await staff.http("PATCH", f"/api/match/queues/{exhibitor}", {"state": "closed"})
    closed = await join(c, exhibitor)
    assert closed[0] == 409 and closed[1]["error"]["code"] == "queue.closed"
    bad = await staff.http("PATCH", f"/api/match/queues/{exhibitor}", {"state": "gone"})
    assert bad[0] == 400


async def test_only_the_booths_own_staff_call_and_only_the_owner_leaves(server: LiveServer):
    exhibitor, (staff, _) = await booth(server)
    other_booth, (stranger, _) = await booth(server)
    a, b = await people(server, 2)
    _, ticket = await join(a, exhibitor)
    assert (await b.http("POST", f"/api/match/queues/{exhibitor}/call"))[0] == 403
    assert (await stranger.http("POST", f"/api/match/queues/{exhibitor}/call"))[0] == 403
    assert (await stranger.http("GET", f"/api/match/queues/{exhibitor}/line"))[0] == 403
    assert (await stranger.http("POST", f"/api/match/queue-tickets/{ticket['id']}/served"))[
        0
    ] == 403
    assert (await b.http("DELETE", f"/api/match/queue-tickets/{ticket['id']}"))[0] == 403
    assert (await b.http("GET", f"/api/match/queue-tickets/{ticket['id']}"))[0] == 403
    own = await join(staff, exhibitor)
    assert own[0] == 409 and own[1]["error"]["code"] == "queue.own_booth"
    assert (await join(stranger, exhibitor))[0] == 201  # another booth's staff may queue
    line = (await staff.http("GET", f"/api/match/queues/{exhibitor}/line"))[1]
    assert [t["person"]["account"] for t in line["waiting"]] == [a.id, stranger.id]
    async with server.http() as anonymous:
        seen = await anonymous.get(f"/api/match/queues/{exhibitor}")
        assert seen.status_code == 200 and seen.json()["queue"]["length"] == 2
    left = await a.http("DELETE", f"/api/match/queue-tickets/{ticket['id']}")
    assert left[0] == 200 and left[1]["ticket"]["status"] == "left"
    assert (await a.http("DELETE", f"/api/match/queue-tickets/{ticket['id']}"))[0] == 409
    assert other_booth != exhibitor
    nowhere = await join(b, 999999)  # the fuzzer's find: it was a 500 (a foreign key refused)
    assert nowhere[0] == 404 and nowhere[1]["error"]["code"] == "exhibitor.unknown"


async def test_a_line_lost_from_its_store_is_rebuilt_from_the_database(server: LiveServer):
    exhibitor, (staff, _) = await booth(server)
    crowd = await people(server, 4)
    tickets = [(await join(p, exhibitor))[1]["id"] for p in crowd]
    await index_of(server.services).forget(exhibitor)  # as a Redis restarted empty
    assert [await position(p, t) for p, t in zip(crowd, tickets, strict=True)] == [1, 2, 3, 4]
    called = (await staff.http("POST", f"/api/match/queues/{exhibitor}/call"))[1]
    assert called["ticket"]["id"] == tickets[0]
    late = await people(server, 1)
    _, last = await join(late[0], exhibitor)
    assert last["line"]["position"] == 4


async def test_someone_blocked_is_never_called_by_that_staff_member(server: LiveServer):
    """Blocked either way, two people never meet in matchmaking: the staff member calls the
    next one instead, and the blocked person keeps their place for a colleague."""
    exhibitor, (staff, colleague) = await booth(server)
    a, b = await people(server, 2)
    tickets = [(await join(p, exhibitor))[1]["id"] for p in (a, b)]
    assert (await a.http("POST", f"/api/match/blocks/{staff.id}"))[0] == 200
    called = (await staff.http("POST", f"/api/match/queues/{exhibitor}/call"))[1]
    assert called["ticket"]["id"] == tickets[1]
    assert await position(a, tickets[0]) == 1
    theirs = (await colleague.http("POST", f"/api/match/queues/{exhibitor}/call"))[1]
    assert theirs["ticket"]["id"] == tickets[0]


async def test_a_leave_while_redis_refuses_writes_stands_and_the_line_catches_up(
    tmp_path_factory: pytest.TempPathFactory,
):
    """Redis answering OOM to every write: leaving still ends the ticket (stored first) and
    answers; the removal is retried until Redis takes it, and the others move up."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('queues-oom') / 'expo.db'}"
    await prepare_demo_database(url)
    async with (
        redis_server() as redis,
        live_server(make_settings(url, redis_url=redis.url)) as live,
    ):
        exhibitor, _staff = await booth(live)
        a, b = await people(live, 2)
        tickets = [(await join(p, exhibitor))[1]["id"] for p in (a, b)]
        client = aioredis.from_url(redis.url)
        try:
            await client.config_set("maxmemory-policy", "noeviction")
            await client.config_set("maxmemory", "1")
            status, left = await a.http("DELETE", f"/api/match/queue-tickets/{tickets[0]}")
            assert status == 200 and left["ticket"]["status"] == "left", left
        finally:
            await client.config_set("maxmemory", "0")
            await client.aclose()
        for _ in range(50):  # the sweeper retries every second
            if await position(b, tickets[1]) == 1:
                break
            await asyncio.sleep(0.2)
        assert await position(b, tickets[1]) == 1


async def test_a_ticket_nobody_follows_is_marked_away_then_dropped_after_the_grace(
    server: LiveServer,
):
    """The grace period (organiser setting): a ticket none of its owner's pages follows is
    marked away (the staff hear it), back when followed again, dropped once away too long."""
    exhibitor, (staff, _) = await booth(server)
    a, b = await people(server, 2)
    tickets = [(await join(p, exhibitor))[1]["id"] for p in (a, b)]
    await settings(server, queue_grace=1)
    try:
        async with server.connect(a.cookie) as ws_a, server.connect(staff.cookie) as ws_staff:
            mine, theirs = Peer(ws_a), Peer(ws_staff)
            assert (await mine.command("subscribe", {"topic": f"queue-ticket:{tickets[0]}"}))[
                "type"
            ] == "ok"
            topic = f"booth-queue-staff:{exhibitor}"
            assert (await theirs.command("subscribe", {"topic": topic}))["type"] == "ok"
            for _ in range(3):  # b is away (no page), then dropped; a stays, followed
                event = await theirs.event("queue.line_changed", timeout=20)
                if event["data"]["status"] == "dropped":
                    break
            assert event["data"]["id"] == tickets[1] and event["data"]["status"] == "dropped"
            assert await position(a, tickets[0]) == 1
    finally:
        await settings(server, queue_grace=120)


async def test_two_processes_sweeping_at_once_mark_each_absent_ticket_away_once(
    server: LiveServer,
):
    """Every process sweeps every queue: the one that marks a ticket away (or back) is the one
    that announces it. Both used to mark (and announce) every unfollowed ticket: twice the
    work and twice the events for hundreds of closed tabs."""
    exhibitor, (staff, _) = await booth(server)
    crowd = await people(server, 6)
    tickets = {(await join(p, exhibitor))[1]["id"] for p in crowd}
    async with server.connect(staff.cookie) as ws_staff:
        theirs = Peer(ws_staff)
        topic = f"booth-queue-staff:{exhibitor}"
        assert (await theirs.command("subscribe", {"topic": topic}))["type"] == "ok"
        await asyncio.gather(*(drop_the_absent(server.services) for _ in range(3)))
        away: list[int] = []
        try:
            while True:
                event = await theirs.event("queue.line_changed", timeout=1.5)
                if event["data"]["away_since"] is not None:
                    away.append(event["data"]["id"])
        except TimeoutError:
            pass  # no more: the background sweep adds none once they are all away
    assert sorted(away) == sorted(tickets), away


async def test_the_staff_see_a_card_only_if_shared_and_every_device_hears_a_new_ticket(
    server: LiveServer,
):
    exhibitor, (staff, _) = await booth(server)
    (a,) = await people(server, 1)
    async with server.connect(a.cookie) as ws:
        other_device = Peer(ws)
        assert (await other_device.command("subscribe", {"topic": f"account:{a.id}"}))[
            "type"
        ] == "ok"
        status, body = await a.http(
            "POST", f"/api/match/queues/{exhibitor}/tickets", {"share_card": False}
        )
        assert status == 201
        heard = await other_device.event("queue.ticket_changed")
        assert heard["data"]["id"] == body["ticket"]["id"]
        assert heard["data"]["booth"]["name_en"] == "Meeting Test Co"
    called = (await staff.http("POST", f"/api/match/queues/{exhibitor}/call"))[1]["ticket"]
    assert called["person"]["card"] is None
    room = (await staff.http("GET", f"/api/match/queue-tickets/{called['id']}/room"))[1]
    assert room["call"]["with"]["name"] and room["call"]["with"]["organisation"] == ""


async def test_two_clicks_at_once_call_one_person_and_two_first_settings_both_save(
    server: LiveServer,
):
    """The reviewer's finds: one staff member's two calls at once called two people (a read
    checked "busy"; now a unique key does), and two first saves of a booth's queue settings
    at once ended in a 500 (both inserted its row)."""
    exhibitor, (staff, colleague) = await booth(server)
    crowd = await people(server, 3)
    for person in crowd:
        await join(person, exhibitor)
    calls = await asyncio.gather(
        *(staff.http("POST", f"/api/match/queues/{exhibitor}/call") for _ in range(2))
    )
    assert sorted(status for status, _ in calls) == [200, 409], calls
    assert [b["error"]["code"] for s, b in calls if s == 409] == ["queue.busy"]
    line = (await staff.http("GET", f"/api/match/queues/{exhibitor}/line"))[1]
    assert [t["position"] for t in line["waiting"]] == [1, 2] and len(line["calls"]) == 1
    saves = await asyncio.gather(
        staff.http("PATCH", f"/api/match/queues/{exhibitor}", {"max_length": 50}),
        colleague.http("PATCH", f"/api/match/queues/{exhibitor}", {"state": "open"}),
    )
    assert [status for status, _ in saves] == [200, 200], saves


async def test_a_line_that_disagrees_with_the_database_is_put_right_on_the_second_look(
    server: LiveServer,
):
    """A process that stopped half-way leaves a waiting ticket missing from its line, or an
    ended one still in it; the sweeper's reconcile puts both right, once two looks agree."""
    exhibitor, _staff = await booth(server)
    a, b, c = await people(server, 3)
    tickets = [(await join(p, exhibitor))[1]["id"] for p in (a, b, c)]
    left = await c.http("DELETE", f"/api/match/queue-tickets/{tickets[2]}")
    assert left[0] == 200
    index = index_of(server.services)
    await index.remove(exhibitor, tickets[0])  # a waiting ticket lost from the line
    await index.join(exhibitor, tickets[2], appointment=False, max_length=99, overtake_cap=2)
    assert (await index.snapshot(exhibitor)).tickets() == [tickets[1], tickets[2]]
    # Two looks (the server's own sweeper may take one of them: it looks every 10 s).
    fixed = [await reconcile(server.services) for _ in range(2)]
    assert fixed[0] == 0 or fixed == [2, 0]  # a first look alone only suspects
    assert [await position(p, t) for p, t in zip((a, b), tickets, strict=False)] == [1, 2]
    assert (await index.snapshot(exhibitor)).tickets() == tickets[:2]


async def test_organisers_see_every_queues_length_longest_wait_and_state(server: LiveServer):
    exhibitor, (staff, _) = await booth(server)
    a, b = await people(server, 2)
    first = (await join(a, exhibitor))[1]
    await join(b, exhibitor)
    await staff.http("PATCH", f"/api/match/queues/{exhibitor}", {"state": "paused"})
    organiser = Person(server, 0, await server.sign_in("organizer@demo.shubo.live"))
    status, body = await organiser.http("GET", "/api/match/queues")
    assert status == 200
    (row,) = [q for q in body["queues"] if q["exhibitor"] == exhibitor]
    assert row["length"] == 2 and row["state"] == "paused"
    assert row["longest_wait_since"] == first["joined_at"]
    assert row["name_en"] == "Meeting Test Co"
    assert (await a.http("GET", "/api/match/queues"))[0] == 403


async def test_a_dropped_ticket_is_told_to_its_owner_only_for_an_hour_until_they_join_again(
    server: LiveServer,
):
    """Someone whose pages were all closed past the grace period, and someone who twice did
    not answer, find the ticket the queue dropped (and why) among their own, not anyone
    else's; joining again there (at the end, a new ticket) or an hour passing ends the news."""
    exhibitor, (staff, colleague) = await booth(server)
    away, missed, stranger, stays = await people(server, 4)
    _, gone = await join(away, exhibitor)
    _, twice = await join(missed, exhibitor)
    _, kept = await join(stays, exhibitor)
    assert [t["line"]["position"] for t in (gone, twice, kept)] == [1, 2, 3]
    # Away (nobody follows it) since long before the grace period (120 s): the sweep drops it.
    async with server.services.db() as db:
        await db.execute(
            update(QueueTicket)
            .where(QueueTicket.id == gone["id"])
            .values(away_since=utcnow() - timedelta(minutes=10))
        )
        await db.commit()
    await drop_the_absent(server.services)
    # Called twice and never came (back behind the next person in between, whom a colleague
    # calls).
    for caller, expected in ((staff, twice), (colleague, kept), (staff, twice)):
        called = (await caller.http("POST", f"/api/match/queues/{exhibitor}/call"))[1]
        assert called["ticket"]["id"] == expected["id"]
        if expected is twice:
            no_show = f"/api/match/queue-tickets/{twice['id']}/no-show"
            assert (await staff.http("POST", no_show))[0] == 200

    status, body = await away.http("GET", "/api/match/queue-tickets")
    assert status == 200 and body["tickets"] == []
    [told] = body["dropped"]
    assert (told["id"], told["status"], told["exhibitor"]) == (gone["id"], "dropped", exhibitor)
    assert told["drop"] == {"reason": "away", "grace": 120}
    assert told["booth"]["name_en"] == "Meeting Test Co" and told["ended_at"]
    [told] = (await missed.http("GET", "/api/match/queue-tickets"))[1]["dropped"]
    assert (told["id"], told["drop"]["reason"]) == (twice["id"], "no_show")
    # Only one's own: the others hear nothing of these two.
    for person in (stranger, stays):
        assert (await person.http("GET", "/api/match/queue-tickets"))[1]["dropped"] == []
    assert (await stranger.http("GET", f"/api/match/queue-tickets/{gone['id']}"))[0] == 403

    # Joining again is a new ticket at the end of the line, and the old news is gone.
    assert (await join(stranger, exhibitor))[0] == 201
    status, again = await join(away, exhibitor)
    assert status == 201 and again["id"] != gone["id"] and again["line"]["position"] == 2
    body = (await away.http("GET", "/api/match/queue-tickets"))[1]
    assert [t["id"] for t in body["tickets"]] == [again["id"]] and body["dropped"] == []
    left = await away.http("DELETE", f"/api/match/queue-tickets/{again['id']}")
    assert left[0] == 200
    assert (await away.http("GET", "/api/match/queue-tickets"))[1]["dropped"] == []  # left
    # An hour later, the queue no longer tells it.
    async with server.services.db() as db:
        await db.execute(
            update(QueueTicket)
            .where(QueueTicket.id == twice["id"])
            .values(ended_at=utcnow() - timedelta(hours=1, minutes=1))
        )
        await db.commit()
    assert (await missed.http("GET", "/api/match/queue-tickets"))[1]["dropped"] == []


async def hall(person: Person | None, server: LiveServer, ids: str) -> tuple[int, Any]:
    if person is not None:
        return await person.http("GET", f"/api/match/hall-queues?exhibitors={ids}")
    async with server.http() as http:
        response = await http.get(f"/api/match/hall-queues?exhibitors={ids}")
    return response.status_code, response.json()


async def test_the_hall_reads_a_page_of_queues_at_once_with_my_own_ticket_only(
    server: LiveServer,
):
    """One read for a page of the hall's cards: each booth's state, length, staff on duty and
    the wait of someone joining now, in the order asked; my own ticket there, and nobody
    else's; a line not loaded is counted from the database."""
    staffed, (staff, _) = await booth(server)
    paused, (paused_staff, _) = await booth(server)
    closed, (closed_staff, _) = await booth(server)
    await on_duty(staff, staffed)
    a, b, c = await people(server, 3)
    _, ticket_a = await join(a, staffed)
    await join(b, staffed)
    await join(c, paused)
    await paused_staff.http("PATCH", f"/api/match/queues/{paused}", {"state": "paused"})
    await closed_staff.http("PATCH", f"/api/match/queues/{closed}", {"state": "closed"})
    await index_of(server.services).forget(paused)  # as a Redis restarted empty

    status, body = await hall(a, server, f"{closed},{staffed},{paused},{staffed},999999")
    assert status == 200, body
    assert body["queues"] == [
        {
            "exhibitor": closed,
            "state": "closed",
            "version": 1,
            "length": 0,
            "max_length": 200,
            "staffed": False,
            "eta": None,
            "ticket": None,
        },
        {
            "exhibitor": staffed,
            "state": "open",
            "version": 1,
            "length": 2,
            "max_length": 200,
            "staffed": True,
            "eta": [4, 12],  # one on duty, 2–4 minutes each (the guess): joining at 3
            "ticket": {"id": ticket_a["id"], "status": "waiting", "position": 1},
        },
        {
            "exhibitor": paused,
            "state": "paused",
            "version": 1,
            "length": 1,  # from the database: the line was not loaded
            "max_length": 200,
            "staffed": False,
            "eta": None,
            "ticket": None,
        },
    ]
    # b's ticket is b's: position 2; c, and someone signed out, hold none.
    mine = {q["exhibitor"]: q["ticket"] for q in (await hall(b, server, f"{staffed}"))[1]["queues"]}
    assert mine[staffed]["position"] == 2 and mine[staffed]["id"] != ticket_a["id"]
    others = (await hall(c, server, f"{staffed},{paused}"))[1]["queues"]
    assert [q["ticket"] for q in others] == [
        None,
        {"id": others[1]["ticket"]["id"], "status": "waiting", "position": 1},
    ]
    status, anonymous = await hall(None, server, f"{staffed}")
    assert status == 200 and anonymous["queues"][0]["ticket"] is None
    assert anonymous["queues"][0]["length"] == 2


@pytest.mark.parametrize(
    ("ids", "code"),
    [
        ("", "queue.bad_exhibitors"),
        ("1,,2", "queue.bad_exhibitors"),
        ("1,x", "queue.bad_exhibitors"),
        ("0", "queue.bad_exhibitors"),
        ("-1", "queue.bad_exhibitors"),
        ("2147483648", "queue.bad_exhibitors"),
        ("１", "queue.bad_exhibitors"),  # a full-width digit
        (",".join(str(i) for i in range(1, 50)), "queue.too_many_exhibitors"),
    ],
)
async def test_the_hall_read_refuses_what_is_not_a_page_of_booth_ids(
    server: LiveServer, ids: str, code: str
):
    async with server.http() as http:
        response = await http.get("/api/match/hall-queues", params={"exhibitors": ids})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    async with server.http() as http:
        response = await http.get("/api/match/hall-queues")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "queue.bad_exhibitors")
    fine = ",".join(str(i) for i in range(1, 49))
    assert (await hall(None, server, fine))[0] == 200  # 48: a page of cards
