"""A personal agenda: stars over the websocket, the list and its iCalendar over HTTP, and a
reminder on the account's own topic when a starred session starts, sent exactly once however
many server processes run the job."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from expo.errors import Unavailable
from expo.realtime.broker import BrokerUnavailable
from forums.agenda import remind_due
from forums.models import ForumSession
from tests.cluster import sign_in
from tests.live import LiveServer, Peer

ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
DAY = datetime(2030, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in Guiyang, far from the demo day


async def me(server: LiveServer, cookie: str) -> dict[str, Any]:
    async with server.http(headers={"Cookie": cookie}) as http:
        return (await http.get("/api/me")).json()["account"]  # type: ignore[no-any-return]


async def add_session(base: str, cookie: str, forum: int, starts: datetime, **fields: Any) -> Any:
    data = {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=45)).isoformat(),
        "title": {"zh": "议程提醒测试", "en": "Reminder test"},
        **fields,
    }
    async with httpx.AsyncClient(base_url=base, headers={"Cookie": cookie}, timeout=10) as http:
        response = await http.post(f"/api/forums/{forum}/sessions", json=data)
    assert response.status_code == 201, response.text
    return response.json()["session"]


async def test_stars_are_kept_listed_by_time_and_heard_by_the_accounts_other_tabs(
    server: LiveServer,
):
    organiser = await server.sign_in(ORGANIZER)
    late = await add_session(server.base, organiser, 9, DAY + timedelta(hours=3))
    early = await add_session(
        server.base, organiser, 8, DAY, title={"zh": "早场", "en": "Early"}, track="T"
    )
    cookie = await server.sign_in(ATTENDEE)
    account = await me(server, cookie)
    async with server.connect(cookie) as ws, server.connect(cookie) as other_tab_ws:
        tab, other_tab = Peer(ws), Peer(other_tab_ws)
        await other_tab.command("subscribe", {"topic": f"account:{account['id']}"})
        first = await tab.command("agenda.star", {"session": late["id"]})
        again = await tab.command("agenda.star", {"session": late["id"]})
        await tab.command("agenda.star", {"session": early["id"]})
        heard = [await other_tab.event("agenda.changed") for _ in range(3)]
        unknown = await tab.command("agenda.star", {"session": 999999})
        bad = await tab.command("agenda.star", {"session": "1"})
    assert first == {
        "type": "ok",
        "id": first["id"],
        "data": {"session": late["id"], "starred": True},
    }
    assert again["data"] == first["data"]  # starring twice is starring
    assert heard[0] == {
        "type": "agenda.changed",
        "topic": f"account:{account['id']}",
        "seq": heard[0]["seq"],
        "data": {"session": late["id"], "starred": True},
    }
    assert unknown["error"]["code"] == "session.unknown"
    assert bad["error"]["code"] == "bad_request"
    async with server.http(headers={"Cookie": cookie}) as http:
        agenda = (await http.get("/api/me/agenda")).json()["items"]
    mine = [i for i in agenda if i["session"]["id"] in (early["id"], late["id"])]
    assert [i["session"] for i in mine] == [early, late]
    assert mine[0]["forum"] == {
        "id": 8,
        "slug": "personal-data-center",
        "title": {
            "zh": "“首届个人数据中心发展”论坛",
            "en": "The First Personal Data Center Development Forum",
        },
    }

    async with server.connect(cookie) as ws:
        unstarred = await Peer(ws).command("agenda.unstar", {"session": late["id"]})
        twice = await Peer(ws).command("agenda.unstar", {"session": late["id"]})
    assert unstarred["data"] == twice["data"] == {"session": late["id"], "starred": False}
    async with server.http(headers={"Cookie": cookie}) as http:
        ids = [i["session"]["id"] for i in (await http.get("/api/me/agenda")).json()["items"]]
    assert early["id"] in ids and late["id"] not in ids


async def test_agendas_are_personal(server: LiveServer):
    async with server.http() as http:
        anonymous = await http.get("/api/me/agenda")
        anonymous_ics = await http.get("/api/me/agenda.ics")
    async with server.connect() as ws:
        star = await Peer(ws).command("agenda.star", {"session": 3})
    cookie = await server.sign_in(ATTENDEE)
    others = await server.sign_in("exhibitor@demo.shubo.live")
    other_id = (await me(server, others))["id"]
    async with server.connect(cookie) as ws:
        spy = await Peer(ws).command("subscribe", {"topic": f"account:{other_id}"})
    assert anonymous.json()["error"]["code"] == anonymous_ics.json()["error"]["code"]
    assert anonymous.status_code == 401
    assert star["error"]["code"] == "unauthorized"
    assert spy["type"] == "error"


async def test_the_agenda_as_icalendar_has_the_starred_sessions_in_utc_and_my_language(
    server: LiveServer,
):
    organiser = await server.sign_in(ORGANIZER)
    speaker_id = (await me(server, await server.sign_in("speaker@demo.shubo.live")))["id"]
    session = await add_session(
        server.base,
        organiser,
        2,
        DAY + timedelta(days=1),
        title={"zh": "数据要素；市场, 流通", "en": "Data as a factor; markets, circulation"},
        abstract={"zh": "摘要", "en": "Abstract"},
        speakers=[{"account_id": speaker_id}],
    )
    _, cookie = await new_attendee(server)
    async with server.connect(cookie) as ws:
        await Peer(ws).command("agenda.star", {"session": session["id"]})
    async with server.http(headers={"Cookie": cookie}) as http:
        in_chinese = await http.get("/api/me/agenda.ics")
        await http.patch("/api/me", json={"language": "en"})
        in_english = await http.get("/api/me/agenda.ics")
    assert in_chinese.status_code == 200
    assert in_chinese.headers["content-type"] == "text/calendar; charset=utf-8"
    for response, title, room in [
        (in_chinese, "数据要素；市场, 流通", "“东数西算：构建国家算力网络体系”论坛"),
        (in_english, "Data as a factor; markets, circulation", "East Data, West Computing"),
    ]:
        calendar = Calendar.from_ical(response.content)
        (event,) = calendar.walk("VEVENT")
        assert str(event["uid"]) == session["guid"]
        assert str(event["summary"]) == title
        assert event["dtstart"].to_ical() == b"20300602T010000Z"
        assert event["dtend"].to_ical() == b"20300602T014500Z"
        assert str(event["url"]) == f"{server.base}/#/forum/east-data-west-computing"
        assert str(event["location"]).startswith(room)
        assert "王晓 Wang Xiao" in str(event["description"])


async def new_attendee(server: LiveServer) -> tuple[int, str]:
    """A fresh attendee (nobody else's stars): their account id and cookie."""
    form = {
        "email": f"agenda-{uuid.uuid4().hex[:10]}@example.com",
        "password": "云上贵州-数据之都-2026",
        "display_name": "议程 Agenda",
    }
    async with server.http() as http:
        response = await http.post("/api/accounts", json=form)
    assert response.status_code == 201, response.text
    cookie = f"expo_session={response.cookies['expo_session']}"
    return (await me(server, cookie))["id"], cookie


async def test_a_reminder_goes_to_whoever_starred_a_session_once_it_starts(server: LiveServer):
    organiser = await server.sign_in(ORGANIZER)
    starts = DAY + timedelta(days=2)
    session = await add_session(server.base, organiser, 3, starts)
    fan, fan_cookie = await new_attendee(server)
    _, bystander_cookie = await new_attendee(server)
    async with server.connect(fan_cookie) as ws, server.connect(bystander_cookie) as other_ws:
        mine, theirs = Peer(ws), Peer(other_ws)
        await mine.command("agenda.star", {"session": session["id"]})
        await mine.command("subscribe", {"topic": f"account:{fan}"})
        early = await remind_due(server.services, starts - timedelta(seconds=1))
        claimed = await remind_due(server.services, starts + timedelta(minutes=1))
        again = await remind_due(server.services, starts + timedelta(minutes=2))
        reminder = await mine.event("agenda.reminder")
    assert (early, claimed, again) == ([], [session["id"]], [])
    assert reminder == {
        "type": "agenda.reminder",
        "topic": f"account:{fan}",
        "seq": reminder["seq"],
        "data": {
            "session": session,
            "forum": {
                "id": 3,
                "slug": "data-circulation",
                "title": {
                    "zh": "“数据流通交易与市场培育”论坛",
                    "en": "Data Circulation, Trading and Market Cultivation",
                },
            },
        },
    }
    assert theirs.events == []


async def test_no_reminder_for_a_session_that_started_more_than_ten_minutes_ago(
    server: LiveServer,
):
    organiser = await server.sign_in(ORGANIZER)
    starts = DAY + timedelta(days=3)
    session = await add_session(server.base, organiser, 3, starts)
    assert await remind_due(server.services, starts + timedelta(minutes=10)) == []
    async with server.services.read() as db:
        assert (await db.get(ForumSession, session["id"])).reminded_at is None


# --- two processes, one reminder ---------------------------------------------------------------


async def test_two_processes_send_a_reminder_exactly_once(two_processes):
    # tests/cluster.py's processes look for due reminders five times a second.
    a, b = two_processes
    organiser = await sign_in(a, ORGANIZER)
    attendee = await sign_in(b, ATTENDEE)
    async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": attendee}) as http:
        account = (await http.get("/api/me")).json()["account"]["id"]
    # The demo programme fills every room around now: the organiser clears forum 9's next two
    # hours for a session that starts in a moment.
    now = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": organiser}) as http:
        for s in (await http.get("/api/forums/9")).json()["sessions"]:
            starts, ends = (datetime.fromisoformat(s[k]) for k in ("starts_at", "ends_at"))
            if starts < now + timedelta(hours=2) and ends > now:
                assert (await http.delete(f"/api/sessions/{s['id']}")).status_code == 200
    # Starred while it is 20 minutes away; then moved to start in a moment (a new start time is
    # reminded afresh), so however slow the machine, the star is in before the start.
    session = await add_session(a.base, organiser, 9, now + timedelta(minutes=20))
    later = await add_session(a.base, organiser, 9, now + timedelta(minutes=70))
    async with a.connect(attendee) as on_a_ws, b.connect(attendee) as on_b_ws:
        on_a, on_b = Peer(on_a_ws), Peer(on_b_ws)
        await on_a.command("subscribe", {"topic": f"account:{account}"})
        await on_b.command("subscribe", {"topic": f"account:{account}"})
        await on_b.command("agenda.star", {"session": session["id"]})
        soon = datetime.now(UTC) + timedelta(seconds=1)
        moved = {
            "starts_at": soon.isoformat(),
            "ends_at": (soon + timedelta(minutes=45)).isoformat(),
        }
        async with httpx.AsyncClient(base_url=b.base, headers={"Cookie": organiser}) as http:
            response = await http.patch(f"/api/sessions/{session['id']}", json=moved)
        assert response.status_code == 200, response.text
        seen = [await on_a.event("agenda.reminder"), await on_b.event("agenda.reminder")]
        # A negative check, so time passing is the point: a second reminder would come from a
        # later look, and each process looks every 0.2 s; 1 s gives each about five more looks.
        # Then a marker closes the window.
        await asyncio.sleep(1.0)
        await on_a.command("agenda.star", {"session": later["id"]})
        after = []
        for peer in (on_a, on_b):
            while True:
                event = await next_event(peer)
                if event["type"] == "agenda.changed" and event["data"]["session"] == later["id"]:
                    break
                after.append(event)
    assert seen[0] == seen[1]
    assert seen[0]["data"]["session"]["id"] == session["id"]
    assert [e["type"] for e in after if e["type"] == "agenda.reminder"] == []


async def next_event(peer: Peer) -> dict[str, Any]:
    """The next event the peer has (read before, or arriving now)."""
    if peer.events:
        return peer.events.pop(0)
    async with asyncio.timeout(10):
        return json.loads(await peer.ws.recv())  # type: ignore[no-any-return]


async def reminded_at(server: LiveServer, session_id: int) -> datetime | None:
    async with server.services.read() as db:
        return (await db.get(ForumSession, session_id)).reminded_at  # type: ignore[union-attr]


async def test_reminders_the_broker_could_not_take_are_given_back_for_the_next_round(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    """Not kept in the memory of the process that claimed them (it may stop, and a backlog of
    them would fill the announcer's cap): the claim is given back in the database, so the next
    round, on whichever process, sends them."""
    organiser = await server.sign_in(ORGANIZER)
    starts = DAY + timedelta(days=4)
    session = await add_session(server.base, organiser, 3, starts)
    fan, fan_cookie = await new_attendee(server)
    hub = server.services.hub
    publish = hub.publish

    async def broker_down(topic: str, kind: str, data: object) -> Any:
        if kind == "agenda.reminder":
            raise Unavailable(message="The event broker cannot be reached.")
        return await publish(topic, kind, data)

    async with server.connect(fan_cookie) as ws:
        mine = Peer(ws)
        await mine.command("agenda.star", {"session": session["id"]})
        await mine.command("subscribe", {"topic": f"account:{fan}"})
        monkeypatch.setattr(hub, "publish", broker_down)
        failed = await remind_due(server.services, starts + timedelta(minutes=1))
        kept, given_back = hub.announcer.waiting(), await reminded_at(server, session["id"])
        monkeypatch.setattr(hub, "publish", publish)
        again = await remind_due(server.services, starts + timedelta(minutes=2))
        reminder = await mine.event("agenda.reminder")
    assert (failed, kept, given_back) == ([], 0, None)
    assert again == [session["id"]]
    assert reminder["data"]["session"]["id"] == session["id"]


async def test_no_reminder_is_claimed_while_the_broker_cannot_be_reached(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    organiser = await server.sign_in(ORGANIZER)
    starts = DAY + timedelta(days=5)
    session = await add_session(server.base, organiser, 3, starts)
    hub = server.services.hub

    async def unreachable() -> None:
        raise BrokerUnavailable("redis: connection refused")

    monkeypatch.setattr(hub.broker, "ping", unreachable)
    claimed = await remind_due(server.services, starts + timedelta(minutes=1))
    kept, left = hub.announcer.waiting(), await reminded_at(server, session["id"])
    monkeypatch.undo()
    assert (claimed, kept, left) == ([], 0, None)
    assert await remind_due(server.services, starts + timedelta(minutes=2)) == [session["id"]]
