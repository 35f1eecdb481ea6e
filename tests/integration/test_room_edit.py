"""Organisers edit rooms over a real server, on SQLite and PostgreSQL: each change is stored with
the room's version bumped, logged, and announced on the lobby and the room with that version;
bad input and other roles are refused with codes; moving keeps positions a permutation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from forums.room_edit import RoomEnvelope, RoomOrder
from tests.cluster import sign_in as cluster_sign_in
from tests.integration.test_moderation_log import ORGANIZER, newest_id, only_new
from tests.integration.test_qa import ATTENDEE, MODERATOR
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def rooms(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('rooms') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url)) as live:
                yield live


async def patch(
    server: LiveServer, forum: int, body: dict[str, Any], cookie: str | None = None
) -> tuple[int, dict[str, Any]]:
    cookie = cookie if cookie is not None else await server.sign_in(ORGANIZER)
    async with server.http() as http:
        response = await http.patch(
            f"/api/forums/{forum}", json=body, headers={"Cookie": cookie} if cookie else {}
        )
    return response.status_code, response.json()


async def move(server: LiveServer, forum: int, direction: str) -> dict[str, Any]:
    cookie = await server.sign_in(ORGANIZER)
    async with server.http() as http:
        response = await http.post(
            f"/api/forums/{forum}/move", json={"direction": direction}, headers={"Cookie": cookie}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    RoomOrder.model_validate(body)
    return body  # type: ignore[no-any-return]


async def forums(server: LiveServer) -> list[dict[str, Any]]:
    async with server.http() as http:
        return (await http.get("/api/forums")).json()["forums"]  # type: ignore[no-any-return]


async def test_renaming_a_room_is_stored_logged_and_announced_with_its_version(rooms: LiveServer):
    server = rooms
    before = next(f for f in await forums(server) if f["id"] == 3)
    since = await newest_id(server)
    async with server.connect() as lobby_ws, server.connect() as room_ws:
        lobby, room = Peer(lobby_ws), Peer(room_ws)
        assert (await lobby.command("subscribe", {"topic": "lobby:forums"}))["type"] == "ok"
        assert (await room.command("subscribe", {"topic": "forum:3"}))["type"] == "ok"
        body = {
            "title_zh": "  新名字\u200b\n论坛 ",
            "title_en": "New name",
            "version": before["version"],
        }
        status, reply = await patch(server, 3, body)
        assert status == 200, reply
        seen_in_lobby = await lobby.event("forum.room_changed")
        seen_in_room = await room.event("forum.room_changed")
    RoomEnvelope.model_validate(reply)
    state = reply["room"]
    assert state["title"] == {"zh": "新名字 论坛", "en": "New name"}
    assert state["version"] == before["version"] + 1
    assert seen_in_lobby["topic"] == "lobby:forums" and seen_in_lobby["data"] == state
    assert seen_in_room["topic"] == "forum:3" and seen_in_room["data"] == state
    after = next(f for f in await forums(server) if f["id"] == 3)
    assert (after["title"], after["version"]) == (state["title"], state["version"])
    entry = await only_new(server, since)
    assert (entry["action"], entry["subject"]) == ("room.edit", {"kind": "room", "id": 3})
    assert entry["details"] == {
        "title_zh": {"was": before["title"]["zh"], "now": "新名字 论坛"},
        "title_en": {"was": before["title"]["en"], "now": "New name"},
    }
    # The editor's version is now old: a second save from that page is refused, not lost.
    status, stale = await patch(server, 3, {"title_en": "Other", "version": before["version"]})
    assert (status, stale["error"]["code"]) == (409, "room.stale")


async def test_stream_pre_moderation_and_slow_mode_reach_the_room_as_its_own_events(
    rooms: LiveServer,
):
    server = rooms
    url = "https://cdn.example.com/live/room4/index.m3u8?sign=abc"
    async with server.connect() as room_ws:
        room = Peer(room_ws)
        assert (await room.command("subscribe", {"topic": "forum:4"}))["type"] == "ok"
        body = {"stream_url": url, "pre_moderation": True, "slow_mode_seconds": 15}
        status, reply = await patch(server, 4, body)
        assert status == 200, reply
        changed = await room.event("forum.room_changed")
        premod = await room.event("qa.pre_moderation_changed")
        slow = await room.event("moderation.slow_mode_changed")
    version = reply["room"]["version"]
    assert changed["data"]["stream_url"] == url
    assert premod["data"] == {"forum_id": 4, "pre_moderation": True, "version": version}
    assert slow["data"] == {"forum_id": 4, "seconds": 15, "version": version}
    # Saving the same again changes nothing: no version bump, no event.
    status, again = await patch(server, 4, body)
    assert (status, again["room"]["version"]) == (200, version)
    status, cleared = await patch(server, 4, {"stream_url": "  "})
    assert (status, cleared["room"]["stream_url"]) == (200, None)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"stream_url": "http://cdn.example.com/a.m3u8"}, "room.bad_stream_url"),
        ({"stream_url": "https://cdn.example.com/a.mp4"}, "room.bad_stream_url"),
        ({"stream_url": "https://user:pw@cdn.example.com/a.m3u8"}, "room.bad_stream_url"),
        ({"stream_url": "javascript:alert(1)//.m3u8"}, "room.bad_stream_url"),
        ({"stream_url": "https:///a.m3u8"}, "room.bad_stream_url"),
        ({"stream_url": "https://cdn.example.com:99999/a.m3u8"}, "room.bad_stream_url"),
        ({"title_zh": " \u200b "}, "room.bad_title"),
        ({"title_en": "x" * 201}, "room.bad_title"),
        ({"slow_mode_seconds": 3601}, "bad_request"),
        ({"pre_moderation": "yes"}, "bad_request"),
        ({"colour": "red"}, "bad_request"),
    ],
)
async def test_bad_room_settings_are_refused_and_change_nothing(
    rooms: LiveServer, body: dict[str, Any], code: str
):
    before = next(f for f in await forums(rooms) if f["id"] == 5)
    status, reply = await patch(rooms, 5, body)
    assert (status, reply["error"]["code"]) == (400, code)
    assert next(f for f in await forums(rooms) if f["id"] == 5) == before


@pytest.mark.parametrize(("who", "status"), [(MODERATOR, 403), (ATTENDEE, 403), (None, 401)])
async def test_only_organisers_edit_rooms(rooms: LiveServer, who: str | None, status: int):
    cookie = await rooms.sign_in(who) if who else ""
    got, reply = await patch(rooms, 5, {"title_en": "Mine now"}, cookie)
    assert got == status, reply
    async with rooms.http() as http:
        moved = await http.post(
            "/api/forums/5/move", json={"direction": "up"}, headers={"Cookie": cookie}
        )
    assert moved.status_code == status


async def test_an_unknown_room_is_not_found(rooms: LiveServer):
    status, reply = await patch(rooms, 999, {"title_en": "Nowhere"})
    assert (status, reply["error"]["code"]) == (404, "forum.unknown")


async def test_moving_rooms_keeps_positions_a_permutation_and_the_stage_first(rooms: LiveServer):
    server = rooms
    start = await forums(server)
    ids = [f["id"] for f in start]
    stage, first, second = ids[0], ids[1], ids[2]
    since = await newest_id(server)
    async with server.connect() as lobby_ws:
        lobby = Peer(lobby_ws)
        assert (await lobby.command("subscribe", {"topic": "lobby:forums"}))["type"] == "ok"
        swapped = await move(server, second, "up")
        logged = await only_new(server, since)
        events = [await lobby.event("forum.room_changed") for _ in range(2)]
    assert sorted(r["forum_id"] for r in swapped["rooms"]) == sorted([first, second])
    assert {e["data"]["forum_id"]: e["data"] for e in events} == {
        r["forum_id"]: r for r in swapped["rooms"]
    }
    assert (logged["action"], logged["subject"]) == ("room.move", {"kind": "room", "id": second})
    assert logged["details"] == {"direction": "up", "position": 1}
    now = await forums(server)
    assert [f["id"] for f in now] == [stage, second, first, *ids[3:]]
    assert [f["position"] for f in now] == list(range(len(ids)))
    # The first forum cannot pass the main stage; the stage has nothing above; the last forum
    # nothing below.
    since = await newest_id(server)
    assert (await move(server, second, "up"))["rooms"] == []
    assert await newest_id(server) == since  # a move that moves nothing logs nothing
    assert [f["id"] for f in await forums(server)][:3] == [stage, second, first]
    assert (await move(server, stage, "up"))["rooms"] == []
    assert (await move(server, ids[-1], "down"))["rooms"] == []
    await move(server, first, "up")  # and back
    assert [f["id"] for f in await forums(server)] == ids


async def test_a_room_changed_on_one_process_reaches_the_pages_on_the_other(two_processes):
    """The announcement goes through the broker (Redis): a lobby and a room page connected to
    the other process follow, and a stale save is refused there too."""
    a, b = two_processes
    organiser = await cluster_sign_in(a, ORGANIZER)
    async with b.connect() as lobby_ws, b.connect() as room_ws:
        lobby, room = Peer(lobby_ws), Peer(room_ws)
        assert (await lobby.command("subscribe", {"topic": "lobby:forums"}))["type"] == "ok"
        assert (await room.command("subscribe", {"topic": "forum:6"}))["type"] == "ok"
        async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": organiser}) as http:
            response = await http.patch("/api/forums/6", json={"title_en": "From process A"})
        assert response.status_code == 200, response.text
        state = response.json()["room"]
        in_lobby = await lobby.event("forum.room_changed")
        in_room = await room.event("forum.room_changed")
    assert in_lobby["data"] == in_room["data"] == state
    async with httpx.AsyncClient(base_url=b.base, headers={"Cookie": organiser}) as http:
        stale = await http.patch(
            "/api/forums/6", json={"title_en": "From B", "version": state["version"] - 1}
        )
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "room.stale")
