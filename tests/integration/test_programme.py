"""Organisers edit the programme over HTTP; every open page hears of it; conflicts are refused
with the other session named, also when two organisers save at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from expo.models import Account
from forums.models import ForumSession
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

ORGANIZER = "organizer@demo.shubo.live"
SPEAKER = "speaker@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"

# Far from the demo day (which is laid out around now): each test takes a day of its own.
DAY = datetime(2030, 5, 26, 1, 0, tzinfo=UTC)  # 09:00 in Guiyang


def hours(day: int, h: float) -> str:
    return (DAY + timedelta(days=day, hours=h)).isoformat()


def body(day: int, start: float, end: float, **fields: Any) -> dict[str, Any]:
    return {
        "starts_at": hours(day, start),
        "ends_at": hours(day, end),
        "title": {"zh": "测试议程", "en": "Test session"},
        **fields,
    }


async def account_id(server: LiveServer, email: str) -> int:
    async with server.services.read() as db:
        found = (await db.execute(select(Account).where(Account.email == email))).scalars()
        return found.one().id  # type: ignore[no-any-return]


async def http_as(server: LiveServer, email: str | None) -> Any:
    headers = {"Cookie": await server.sign_in(email)} if email else {}
    return server.http(headers=headers)


@pytest.fixture(scope="module")
async def organiser_cookie(server: LiveServer) -> str:
    return await server.sign_in(ORGANIZER)


async def post_session(server: LiveServer, cookie: str, forum: int, data: dict[str, Any]) -> Any:
    async with server.http(headers={"Cookie": cookie}) as http:
        return await http.post(f"/api/forums/{forum}/sessions", json=data)


async def test_an_organiser_adds_a_session_and_the_room_and_the_lobby_hear_of_it(
    server: LiveServer, organiser_cookie: str
):
    speaker, moderator = await account_id(server, SPEAKER), await account_id(server, MODERATOR)
    async with server.connect() as room_ws, server.connect() as lobby_ws:
        room, lobby = Peer(room_ws), Peer(lobby_ws)
        await room.command("subscribe", {"topic": "forum:9"})
        await lobby.command("subscribe", {"topic": "lobby:forums"})
        response = await post_session(
            server,
            organiser_cookie,
            9,
            body(
                1,
                0,
                1,
                abstract={"zh": "第一段\n\n第二段", "en": "Two\n\nparagraphs"},
                kind="keynote",
                track="Metaverse",
                language="en",
                speakers=[{"account_id": speaker}, {"name": "  Anna  Schmidt "}],
                moderators=[{"account_id": moderator}],
            ),
        )
        assert response.status_code == 201, response.text
        session = response.json()["session"]
        on_room = await room.event("programme.session_saved")
        on_lobby = await lobby.event("programme.session_saved")
    assert session == {
        "id": session["id"],
        "forum_id": 9,
        "starts_at": "2030-05-27T01:00:00+00:00",
        "ends_at": "2030-05-27T02:00:00+00:00",
        "title": {"zh": "测试议程", "en": "Test session"},
        "abstract": {"zh": "第一段\n\n第二段", "en": "Two\n\nparagraphs"},
        "guid": session["guid"],
        "language": "en",
        "track": "Metaverse",
        "kind": "keynote",
        "speakers": [
            {"name": "王晓 Wang Xiao", "account_id": speaker},
            {"name": "Anna Schmidt", "account_id": None},
        ],
        "moderators": [{"name": "陈静 Chen Jing", "account_id": moderator}],
        "version": 1,  # as created; every edit bumps it
    }
    assert on_room == {
        "type": "programme.session_saved",
        "topic": "forum:9",
        "seq": on_room["seq"],
        "data": {"session": session},
    }
    assert on_lobby["data"] == {"session": session}
    async with server.http() as http:
        room_now = (await http.get("/api/forums/9")).json()
    assert session in room_now["sessions"]


@pytest.mark.parametrize("who", [None, ATTENDEE, SPEAKER, MODERATOR])
async def test_only_organisers_edit_the_programme(server: LiveServer, who: str | None):
    async with await http_as(server, who) as http:
        created = await http.post("/api/forums/9/sessions", json=body(2, 0, 1))
        changed = await http.patch("/api/sessions/3", json={"track": "x"})
        deleted = await http.delete("/api/sessions/3")
        people = await http.get("/api/programme/people")
    expected = "unauthorized" if who is None else "forbidden"
    for response in (created, changed, deleted, people):
        assert response.json()["error"]["code"] == expected, response.text
    async with server.http() as http:
        third = [s for s in (await http.get("/api/forums/1")).json()["sessions"] if s["id"] == 3]
    assert third and third[0]["track"] != "x"


async def test_a_session_overlapping_another_in_the_room_is_refused_naming_it(
    server: LiveServer, organiser_cookie: str
):
    first = await post_session(server, organiser_cookie, 8, body(3, 0, 1))
    assert first.status_code == 201
    other = first.json()["session"]
    refused = await post_session(server, organiser_cookie, 8, body(3, 0.5, 1.5))
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "schedule.room_taken"
    assert error["message"] == (
        "The room is taken: “Test session” (01:00–02:00 UTC) is on at that time."
    )
    assert error["details"]["session"] == {
        "id": other["id"],
        "forum_id": 8,
        "title": {"zh": "测试议程", "en": "Test session"},
        "starts_at": other["starts_at"],
        "ends_at": other["ends_at"],
    }
    # Back to back is fine: sessions are half-open.
    after = await post_session(server, organiser_cookie, 8, body(3, 1, 2))
    assert after.status_code == 201


async def test_a_speaker_cannot_be_in_two_rooms_at_once(server: LiveServer, organiser_cookie):
    speaker = await account_id(server, SPEAKER)
    talk = body(4, 0, 1, speakers=[{"account_id": speaker}])
    first = await post_session(server, organiser_cookie, 7, talk)
    assert first.status_code == 201
    clash = body(4, 0.75, 2, title={"zh": "圆桌", "en": "Panel"}, moderators=[talk["speakers"][0]])
    refused = await post_session(server, organiser_cookie, 6, clash)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "schedule.person_busy"
    assert error["message"] == (
        "王晓 Wang Xiao is in “Test session” (01:00–02:00 UTC) at that time."
    )
    assert error["details"]["person"] == {"account_id": speaker, "name": "王晓 Wang Xiao"}
    assert error["details"]["session"]["id"] == first.json()["session"]["id"]
    # A name with no account is nobody's double booking.
    named = await post_session(
        server, organiser_cookie, 6, clash | {"moderators": [{"name": "王晓"}]}
    )
    assert named.status_code == 201, named.text


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ends_at": hours(5, 0)}, "schedule.bad_times"),
        ({"ends_at": hours(5, -1)}, "schedule.bad_times"),
        ({"ends_at": hours(6, 1)}, "schedule.bad_times"),  # more than a day
        ({"starts_at": "2030-05-31T09:00:00"}, "bad_request"),  # no offset: whose 09:00?
        ({"starts_at": "1999-12-31T09:00:00Z"}, "bad_request"),
        ({"title": {"zh": " ", "en": "\u200b"}}, "programme.empty"),
        ({"speakers": [{"name": "  "}]}, "programme.empty"),
        ({"speakers": [{"account_id": 1, "name": "两者"}]}, "bad_request"),
        ({"speakers": [{"account_id": 999999}]}, "programme.unknown_person"),
        ({"kind": "x" * 41}, "bad_request"),
        ({"surprise": True}, "bad_request"),
    ],
)
async def test_bad_sessions_are_refused_with_the_reason(
    server: LiveServer, organiser_cookie: str, change: dict[str, Any], code: str
):
    response = await post_session(server, organiser_cookie, 5, body(5, 0, 1) | change)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code


async def test_only_speakers_moderators_and_organisers_may_be_people_of_a_session(
    server: LiveServer, organiser_cookie: str
):
    attendee = await account_id(server, ATTENDEE)
    response = await post_session(
        server, organiser_cookie, 5, body(7, 0, 1, speakers=[{"account_id": attendee}])
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "programme.not_a_speaker"
    async with server.http(headers={"Cookie": organiser_cookie}) as http:
        people = (await http.get("/api/programme/people")).json()["people"]
    assert {p["role"] for p in people} == {"speaker", "moderator", "organizer"}
    assert {"account_id": attendee} not in [{"account_id": p["account_id"]} for p in people]
    assert {
        "account_id": await account_id(server, SPEAKER),
        "name": "王晓 Wang Xiao",
        "role": "speaker",
        "organisation": "中国信通院",
    } in people


async def test_editing_a_session_checks_it_again_and_a_new_start_resets_its_reminder(
    server: LiveServer, organiser_cookie: str
):
    first = (await post_session(server, organiser_cookie, 4, body(8, 0, 1))).json()["session"]
    second = (await post_session(server, organiser_cookie, 4, body(8, 2, 3))).json()["session"]
    async with server.services.db() as db:
        row = await db.get(ForumSession, second["id"])
        row.reminded_at = datetime.now(UTC)
        await db.commit()
    async with server.connect() as ws, server.http(headers={"Cookie": organiser_cookie}) as http:
        room = Peer(ws)
        await room.command("subscribe", {"topic": "forum:4"})
        clash = await http.patch(f"/api/sessions/{second['id']}", json={"starts_at": hours(8, 0.5)})
        await http.patch(f"/api/sessions/{second['id']}", json={"title": {"zh": "新题目"}})
        title_only = await http.patch(
            f"/api/sessions/{second['id']}", json={"title": {"en": "New title"}}
        )
        async with server.services.read() as db:
            kept = (await db.get(ForumSession, second["id"])).reminded_at
        moved = await http.patch(
            f"/api/sessions/{second['id']}",
            json={"starts_at": hours(8, 1), "speakers": [{"name": "新嘉宾"}]},
        )
        events = [await room.event("programme.session_saved") for _ in range(3)]
    assert clash.status_code == 409
    assert clash.json()["error"]["details"]["session"]["id"] == first["id"]
    assert title_only.status_code == 200
    assert kept is not None  # the same start: the reminder stays sent
    assert moved.status_code == 200, moved.text
    session = moved.json()["session"]
    assert (session["guid"], session["starts_at"]) == (second["guid"], hours(8, 1))
    assert session["title"] == {"zh": "新题目", "en": "New title"}
    assert session["speakers"] == [{"name": "新嘉宾", "account_id": None}]
    assert [e["data"]["session"] for e in events[1:]] == [title_only.json()["session"], session]
    async with server.services.read() as db:
        assert (await db.get(ForumSession, second["id"])).reminded_at is None


async def test_a_session_moved_to_another_room_leaves_the_old_one(
    server: LiveServer, organiser_cookie: str
):
    session = (await post_session(server, organiser_cookie, 3, body(9, 0, 1))).json()["session"]
    async with server.connect() as ws, server.http(headers={"Cookie": organiser_cookie}) as http:
        old_room = Peer(ws)
        await old_room.command("subscribe", {"topic": "forum:3"})
        moved = await http.patch(f"/api/sessions/{session['id']}", json={"forum_id": 2})
        gone = await old_room.event("programme.session_deleted")
        unknown = await http.patch(f"/api/sessions/{session['id']}", json={"forum_id": 99})
    assert moved.json()["session"]["forum_id"] == 2
    # With the move's version: the old room's pages drop a late older save of it, yet take it
    # back after a later move (frontend/js/programme.js).
    assert gone["data"] == {
        "id": session["id"],
        "forum_id": 3,
        "guid": session["guid"],
        "version": moved.json()["session"]["version"],
    }
    assert moved.json()["session"]["version"] > session["version"]
    assert unknown.json()["error"]["code"] == "forum.unknown"


async def test_an_organiser_deletes_a_session_and_open_pages_hear_of_it(
    server: LiveServer, organiser_cookie: str
):
    session = (await post_session(server, organiser_cookie, 2, body(10, 0, 1))).json()["session"]
    async with server.connect() as ws, server.http(headers={"Cookie": organiser_cookie}) as http:
        room = Peer(ws)
        await room.command("subscribe", {"topic": "forum:2"})
        deleted = await http.delete(f"/api/sessions/{session['id']}")
        event = await room.event("programme.session_deleted")
        again = await http.delete(f"/api/sessions/{session['id']}")
        listed = (await http.get("/api/forums/2")).json()["sessions"]
    gone = {"id": session["id"], "forum_id": 2, "guid": session["guid"]}
    assert (deleted.status_code, deleted.json()) == (200, gone)
    assert event == {
        "type": "programme.session_deleted",
        "topic": "forum:2",
        "seq": event["seq"],
        "data": gone,
    }
    assert (again.status_code, again.json()["error"]["code"]) == (404, "session.unknown")
    assert session["id"] not in [s["id"] for s in listed]


async def test_sessions_of_unknown_forums_are_not_found(server: LiveServer, organiser_cookie):
    response = await post_session(server, organiser_cookie, 99, body(11, 0, 1))
    assert (response.status_code, response.json()["error"]["code"]) == (404, "forum.unknown")


async def test_rooms_say_what_they_are_doing(server: LiveServer):
    async with server.http() as http:
        rooms = (await http.get("/api/forums")).json()["forums"]
        room = (await http.get("/api/forums/2")).json()
    # The demo day opens an hour before now: its keynote is on in every forum.
    assert {r["status"] for r in rooms if r["kind"] == "forum"} == {"live"}
    assert room["status"] == "live"


# --- two organisers at once -------------------------------------------------------------------


async def race(server: LiveServer, forum_a: int, forum_b: int, day: int) -> list[int]:
    """Two organisers save colliding sessions at the same moment; the statuses they get."""
    speaker = await account_id(server, SPEAKER)
    cookies = [await server.sign_in(ORGANIZER), await server.sign_in(ORGANIZER)]
    talk = body(day, 0, 1, speakers=[{"account_id": speaker}])
    responses = await asyncio.gather(
        post_session(server, cookies[0], forum_a, talk),
        post_session(server, cookies[1], forum_b, talk),
    )
    return sorted(r.status_code for r in responses)


async def test_two_organisers_saving_at_once_cannot_both_win_on_sqlite(server: LiveServer):
    for day in range(20, 26):
        assert await race(server, 5, 5, day) == [201, 409]  # one room
        assert await race(server, 5, 6, day + 10) == [201, 409]  # one speaker, two rooms


@pytest.fixture(scope="module")
async def postgres_server() -> AsyncIterator[LiveServer]:
    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live


async def test_two_organisers_saving_at_once_cannot_both_win_on_postgresql(postgres_server):
    for day in range(20, 26):
        assert await race(postgres_server, 5, 5, day) == [201, 409]
        assert await race(postgres_server, 5, 6, day + 10) == [201, 409]


async def test_a_speaker_named_without_an_account_cannot_be_in_two_rooms_at_once(
    server: LiveServer, organiser_cookie: str
):
    """Issue 9, item 5: names are people too (compared without case, width or spacing), and
    an account's display name typed as a name is that account's person."""
    talk = body(9, 0, 1, speakers=[{"name": "Anna  Schmidt"}])
    first = await post_session(server, organiser_cookie, 7, talk)
    assert first.status_code == 201, first.text
    clash = body(9, 0.5, 1.5, moderators=[{"name": "ＡＮＮＡ schmidt"}])
    refused = await post_session(server, organiser_cookie, 6, clash)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "schedule.person_busy"
    assert (
        error["message"] == "ＡＮＮＡ schmidt is in “Test session” (01:00–02:00 UTC) at that time."
    )
    assert error["details"]["person"] == {"account_id": None, "name": "ＡＮＮＡ schmidt"}
    # The demo speaker's account, and the same person typed by name an hour later elsewhere.
    speaker = await account_id(server, SPEAKER)
    keynote = body(9, 2, 3, speakers=[{"account_id": speaker}])
    assert (await post_session(server, organiser_cookie, 7, keynote)).status_code == 201
    typed = body(9, 2.5, 3.5, speakers=[{"name": "王晓 wang xiao"}])
    refused = await post_session(server, organiser_cookie, 6, typed)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "schedule.person_busy"
    # Another name, or the same one at another time, is fine.
    assert (
        await post_session(
            server, organiser_cookie, 6, body(9, 0.5, 1.5, speakers=[{"name": "Anna"}])
        )
    ).status_code == 201
    assert (
        await post_session(
            server, organiser_cookie, 5, body(9, 1, 2, speakers=[{"name": "anna schmidt"}])
        )
    ).status_code == 201
