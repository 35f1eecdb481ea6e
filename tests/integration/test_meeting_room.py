"""The meeting room over real sockets, one server on SQLite and on PostgreSQL: its two people
chat and signal; a stranger (or an organiser) can neither say, signal, read nor follow it and
nothing is stored; bad signals are refused with codes; a cancelled meeting's room is read-only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from matchmaking.models import MeetingMessage
from tests.integration.test_qa import register
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.meeting_rows import cancel_meeting, insert_meeting
from tests.services import fresh_postgres_database

ICE = ({"urls": "stun:stun.example.org:3478"},)
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('meeting_room') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url, ice_servers=ICE)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url, ice_servers=ICE)) as live:
                yield live


async def meeting_of_two(server: LiveServer) -> tuple[int, tuple[int, str], tuple[int, str]]:
    a = await register(server, "甲方 Alice")
    b = await register(server, "乙方 Bob")
    async with server.services.db() as db:
        meeting = await insert_meeting(db, a[0], b[0])
    return meeting, a, b


async def stored(server: LiveServer, meeting: int) -> int:
    async with server.services.read() as db:
        found = await db.execute(
            select(func.count()).where(col(MeetingMessage.meeting_id) == meeting)
        )
    return int(found.scalar_one())


async def get(server: LiveServer, path: str, cookie: str) -> tuple[int, Any]:
    async with server.http() as http:
        response = await http.get(path, headers={"Cookie": cookie})
    return response.status_code, response.json()


def code(reply: dict[str, Any]) -> str | None:
    return reply.get("error", {}).get("code")  # type: ignore[no-any-return]


async def test_the_two_parties_chat_and_read_it_back_after_a_reload(server: LiveServer):
    meeting, (a_id, a), (b_id, b) = await meeting_of_two(server)
    topic = f"meeting:{meeting}"
    async with server.connect(a) as a_ws, server.connect(b) as b_ws:
        pa, pb = Peer(a_ws), Peer(b_ws)
        assert (await pa.command("subscribe", {"topic": topic}))["type"] == "ok"
        assert (await pb.command("subscribe", {"topic": topic}))["type"] == "ok"
        said = await pa.command(
            "meeting.say", {"meeting": meeting, "text": "  你好 <b>Bob</b>\u0000 "}
        )
        assert said["type"] == "ok", said
        heard = await pb.event("meeting.message_posted")
        assert heard["data"] == said["data"]["message"]
        assert heard["data"]["text"] == "你好 <b>Bob</b>"  # cleaned, not escaped (the page does)
        assert heard["data"]["account"] == a_id and heard["data"]["name"] == "甲方 Alice"
        answered = await pb.command("meeting.say", {"meeting": meeting, "text": "Hello 👋"})
        assert answered["type"] == "ok"
    # A reload: both read the whole conversation back over HTTP, oldest first.
    for cookie in (a, b):
        status, page = await get(server, f"/api/match/meetings/{meeting}/messages", cookie)
        assert status == 200, page
        assert [m["text"] for m in page["messages"]] == ["你好 <b>Bob</b>", "Hello 👋"]
        assert [m["account"] for m in page["messages"]] == [a_id, b_id]
        assert page["more"] is False and page["topic"] == topic


async def test_the_chat_pages_back_with_before(server: LiveServer):
    meeting, (_, a), (_, b) = await meeting_of_two(server)
    async with server.connect(a) as ws:
        peer = Peer(ws)
        for n in range(5):
            assert (await peer.command("meeting.say", {"meeting": meeting, "text": f"#{n}"}))[
                "type"
            ] == "ok"
    path = f"/api/match/meetings/{meeting}/messages"
    _, latest = await get(server, f"{path}?limit=2", b)
    assert [m["text"] for m in latest["messages"]] == ["#3", "#4"] and latest["more"] is True
    before = latest["messages"][0]["id"]
    _, older = await get(server, f"{path}?limit=2&before={before}", b)
    assert [m["text"] for m in older["messages"]] == ["#1", "#2"] and older["more"] is True
    _, oldest = await get(server, f"{path}?limit=2&before={older['messages'][0]['id']}", b)
    assert [m["text"] for m in oldest["messages"]] == ["#0"] and oldest["more"] is False
    status, refused = await get(server, f"{path}?limit=0", b)
    assert status == 400 and refused["error"]["code"] == "bad_request"


async def test_signals_are_relayed_to_the_other_party_with_who_sent_them(server: LiveServer):
    meeting, (a_id, a), (b_id, b) = await meeting_of_two(server)
    topic = f"meeting:{meeting}"
    async with server.connect(a) as a_ws, server.connect(b) as b_ws:
        pa, pb = Peer(a_ws), Peer(b_ws)
        await pa.command("subscribe", {"topic": topic})
        await pb.command("subscribe", {"topic": topic})
        sent = await pa.command(
            "meeting.signal", {"meeting": meeting, "kind": "offer", "payload": SDP}
        )
        assert sent["type"] == "ok", sent
        got = await pb.event("meeting.signal")
        assert got["topic"] == topic
        assert got["data"] == {"meeting": meeting, "from": a_id, "kind": "offer", "payload": SDP}
        own = await pa.event("meeting.signal")  # the sender hears its own too, and drops it
        assert own["data"]["from"] == a_id
        for kind, payload in (("ice", CANDIDATE), ("ice", None), ("answer", SDP), ("ready", None)):
            reply = await pb.command(
                "meeting.signal", {"meeting": meeting, "kind": kind, "payload": payload}
            )
            assert reply["type"] == "ok", reply
            got = await pa.event("meeting.signal")
            assert got["data"]["from"] == b_id
            assert (got["data"]["kind"], got["data"]["payload"]) == (kind, payload)
    assert await stored(server, meeting) == 0  # signals are relayed, never stored


async def test_a_stranger_and_an_organiser_cannot_say_signal_read_or_follow(server: LiveServer):
    meeting, (_, a), _ = await meeting_of_two(server)
    async with server.connect(a) as ws:
        assert (await Peer(ws).command("meeting.say", {"meeting": meeting, "text": "私聊"}))[
            "type"
        ] == "ok"
    _, stranger = await register(server, "路人 Stranger")
    organiser = await server.sign_in("organizer@demo.shubo.live")
    for cookie in (stranger, organiser):
        async with server.connect(cookie) as ws:
            peer = Peer(ws)
            followed = await peer.command("subscribe", {"topic": f"meeting:{meeting}"})
            assert code(followed) == "forbidden", followed
            said = await peer.command("meeting.say", {"meeting": meeting, "text": "插话"})
            assert code(said) == "forbidden", said
            signalled = await peer.command(
                "meeting.signal", {"meeting": meeting, "kind": "offer", "payload": SDP}
            )
            assert code(signalled) == "forbidden", signalled
        for path in ("messages", "room"):
            status, body = await get(server, f"/api/match/meetings/{meeting}/{path}", cookie)
            assert status == 403 and body["error"]["code"] == "forbidden", body
            assert "私聊" not in str(body)
    assert await stored(server, meeting) == 1  # only the party's line
    async with server.http() as http:  # signed out
        response = await http.get(f"/api/match/meetings/{meeting}/messages")
    assert response.status_code == 401


async def test_bad_input_is_refused_with_codes_and_relays_nothing(server: LiveServer):
    meeting, (_, a), (_, b) = await meeting_of_two(server)
    async with server.connect(a) as a_ws, server.connect(b) as b_ws:
        pa, pb = Peer(a_ws), Peer(b_ws)
        await pb.command("subscribe", {"topic": f"meeting:{meeting}"})
        cases: list[tuple[dict[str, Any], str]] = [
            ({"kind": "bogus", "payload": None}, "match.bad_signal"),
            ({"kind": "offer", "payload": {"sdp": SDP}}, "match.bad_signal"),
            ({"kind": "offer", "payload": "not sdp"}, "match.bad_signal"),
            ({"kind": "answer", "payload": SDP + "a" * 12_500}, "match.signal_too_large"),
            ({"kind": "ice", "payload": "candidate:1"}, "match.bad_signal"),
            ({"kind": "ice", "payload": CANDIDATE | {"evil": "<script>"}}, "match.bad_signal"),
            ({"kind": "ice", "payload": {"candidate": "c" * 3000}}, "match.signal_too_large"),
            ({"kind": "hangup", "payload": "bye"}, "match.bad_signal"),
            ({"kind": "offer", "payload": SDP, "extra": 1}, "bad_request"),
        ]
        for data, expected in cases:
            reply = await pa.command("meeting.signal", {"meeting": meeting, **data})
            assert code(reply) == expected, (data, reply)
        unknown = await pa.command("meeting.signal", {"meeting": 999_999, "kind": "ready"})
        assert code(unknown) == "match.unknown_meeting"
        assert code(await pa.command("meeting.say", {"meeting": meeting, "text": " \u200b "})) == (
            "chat.empty"
        )
        assert code(await pa.command("meeting.say", {"meeting": meeting, "text": "长" * 501})) == (
            "chat.too_long"
        )
        assert code(await pa.command("meeting.say", {"meeting": "1", "text": "x"})) == "bad_request"
        # Nothing of the above reached the other party; the next good signal is the first.
        await pa.command("meeting.signal", {"meeting": meeting, "kind": "ready"})
        first = await pb.event("meeting.signal")
        assert first["data"]["kind"] == "ready"
        assert not [e for e in pb.events if e["type"] == "meeting.signal"]
    assert await stored(server, meeting) == 0


async def test_a_cancelled_meetings_room_is_read_only(server: LiveServer):
    meeting, (_, a), (_, b) = await meeting_of_two(server)
    async with server.connect(a) as ws:
        assert (await Peer(ws).command("meeting.say", {"meeting": meeting, "text": "明天见"}))[
            "type"
        ] == "ok"
    async with server.services.db() as db:
        await cancel_meeting(db, meeting)
    async with server.connect(b) as ws:
        peer = Peer(ws)
        said = await peer.command("meeting.say", {"meeting": meeting, "text": "还在吗"})
        assert code(said) == "match.meeting_cancelled"
        offer = await peer.command(
            "meeting.signal", {"meeting": meeting, "kind": "offer", "payload": SDP}
        )
        assert code(offer) == "match.meeting_cancelled"
        left = await peer.command("meeting.signal", {"meeting": meeting, "kind": "hangup"})
        assert left["type"] == "ok"  # leaving a call is always allowed
    status, page = await get(server, f"/api/match/meetings/{meeting}/messages", b)
    assert status == 200 and [m["text"] for m in page["messages"]] == ["明天见"]
    assert await stored(server, meeting) == 1


async def test_the_room_names_the_other_party_and_hands_out_the_ice_servers(server: LiveServer):
    meeting, (a_id, a), (b_id, b) = await meeting_of_two(server)
    status, seen_by_a = await get(server, f"/api/match/meetings/{meeting}/room", a)
    assert status == 200, seen_by_a
    assert seen_by_a["meeting"]["with"]["account"] == b_id
    assert seen_by_a["meeting"]["with"]["name"] == "乙方 Bob"
    assert seen_by_a["me"]["account"] == a_id
    assert seen_by_a["ice_servers"] == list(ICE)
    assert seen_by_a["meeting"]["status"] == "confirmed"
    slot = seen_by_a["meeting"]["slot"]
    assert slot["starts_at"] < slot["ends_at"]
    _, seen_by_b = await get(server, f"/api/match/meetings/{meeting}/room", b)
    assert seen_by_b["meeting"]["with"]["account"] == a_id
    status, missing = await get(server, "/api/match/meetings/999999/room", a)
    assert status == 404 and missing["error"]["code"] == "match.unknown_meeting"
