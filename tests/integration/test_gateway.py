"""The websocket protocol over real sockets: a real uvicorn server, a real websockets client."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.live import LiveServer, Peer, live_server, make_settings
from tests.waiting import eventually

ATTENDEE = "attendee@demo.shubo.live"


async def test_subscribe_replies_with_the_topic_state(server: LiveServer):
    async with server.connect() as ws:
        reply = await Peer(ws).command("subscribe", {"topic": "forum:2"})
    assert reply["type"] == "ok" and reply["id"] == "t1"
    assert reply["data"]["topic"] == "forum:2"
    assert reply["data"]["reload"] is False and reply["data"]["replayed"] == 0
    assert isinstance(reply["data"]["seq"], int) and reply["data"]["epoch"]


async def test_chat_is_stored_then_announced_to_every_subscriber(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    async with server.connect(cookie) as author_ws, server.connect() as reader_ws:
        author, reader = Peer(author_ws), Peer(reader_ws)
        await reader.command("subscribe", {"topic": "forum:3"})
        reply = await author.command("chat.send", {"forum": 3, "text": "  东数西算 <b>hi</b> "})
        event = await reader.event("chat.message_posted")
    message = reply["data"]["message"]
    assert reply == {"type": "ok", "id": "t1", "data": {"message": message, "seq": event["seq"]}}
    assert event == {
        "type": "chat.message_posted",
        "topic": "forum:3",
        "seq": event["seq"],
        "data": message,
    }
    assert message["text"] == "东数西算 <b>hi</b>"  # stored as written; pages escape it
    assert message["author"]["name"] == "张伟 Zhang Wei"
    async with server.http() as http:
        history = (await http.get("/api/forums/3/chat")).json()["messages"]
    assert history[-1] == message


async def test_chat_needs_a_signed_in_user(server: LiveServer):
    async with server.connect() as ws:
        reply = await Peer(ws).command("chat.send", {"forum": 2, "text": "hello"})
    assert reply == {
        "type": "error",
        "id": "t1",
        "error": {"code": "unauthorized", "message": "Sign in first."},
    }


async def test_a_forged_cookie_is_anonymous(server: LiveServer):
    async with server.connect("expo_session=eyJhIjoxfQ.forged.sig") as ws:
        reply = await Peer(ws).command("chat.send", {"forum": 2, "text": "hello"})
    assert reply["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            "not json",
            {
                "type": "error",
                "id": None,
                "error": {"code": "bad_request", "message": "The frame is not valid JSON."},
            },
        ),
        (
            '{"type": "nope.nope", "id": "a"}',
            {
                "type": "error",
                "id": "a",
                "error": {"code": "unknown_command", "message": "There is no command 'nope.nope'."},
            },
        ),
        (
            '{"type": "subscribe", "data": {"topic": "forum:2"}}',
            {
                "type": "error",
                "id": None,
                "error": {
                    "code": "bad_request",
                    "message": "Every command needs an `id` for its reply.",
                },
            },
        ),
    ],
)
async def test_malformed_commands_get_an_error_reply(server: LiveServer, frame, expected):
    async with server.connect() as ws:
        await ws.send(frame)
        assert json.loads(await ws.recv()) == expected
        # ... and the connection goes on working.
        assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"


@pytest.mark.parametrize(
    ("kind", "data", "code", "fields"),
    [
        ("chat.send", {"forum": "two", "text": "x"}, "bad_request", ["forum"]),
        ("chat.send", {"text": "x"}, "bad_request", ["forum"]),
        ("chat.send", {"forum": 2, "text": "x", "extra": 1}, "bad_request", ["extra"]),
        ("subscribe", {"topic": 7}, "bad_request", ["topic"]),
        ("subscribe", {"topic": "forum:2", "since": -1, "epoch": "e"}, "bad_request", ["since"]),
        ("subscribe", {"topic": "forum:2", "since": 3}, "bad_request", [""]),
        ("chat.send", {"forum": "2", "text": "x"}, "bad_request", ["forum"]),
    ],
)
async def test_wrong_types_and_missing_fields_name_the_field(server, kind, data, code, fields):
    cookie = await server.sign_in(ATTENDEE)
    async with server.connect(cookie) as ws:
        reply = await Peer(ws).command(kind, data)
    assert reply["error"]["code"] == code
    assert [d["field"] for d in reply["error"]["details"]] == fields


@pytest.mark.parametrize(
    ("topic", "code"),
    [
        ("forum:999", "forum.unknown"),
        ("forum:abc", "forum.unknown"),
        ("nosuch:1", "subscribe.unknown_topic"),
        ("FORUM 2", "subscribe.bad_topic"),
    ],
)
async def test_unknown_topics_are_refused(server: LiveServer, topic, code):
    async with server.connect() as ws:
        reply = await Peer(ws).command("subscribe", {"topic": topic})
    assert reply["error"]["code"] == code


async def test_an_oversized_command_is_too_large_and_the_connection_stays(server: LiveServer):
    async with server.connect() as ws:
        await ws.send(
            json.dumps(
                {"type": "chat.send", "id": "big", "data": {"forum": 2, "text": "x" * 20_000}}
            )
        )
        reply = json.loads(await ws.recv())
        assert (reply["type"], reply["id"], reply["error"]["code"]) == ("error", "big", "too_large")
        assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"


async def test_an_oversized_frame_closes_with_1009(server: LiveServer):
    async with server.connect(max_size=None) as ws:
        await ws.send("x" * (1024 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 1009


async def test_a_binary_frame_closes_with_1003(server: LiveServer):
    async with server.connect() as ws:
        await ws.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 1003


async def test_invalid_utf8_closes_with_1007(server: LiveServer):
    async with server.connect() as ws:
        # websockets refuses to send bad UTF-8 as text, so write the frame ourselves.
        from websockets.frames import Frame, Opcode

        ws.protocol.send_frame(Frame(Opcode.TEXT, b"\xff\xfe"))
        ws.send_data()
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 1007


async def test_a_foreign_origin_is_refused_at_the_handshake(server: LiveServer):
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(server.ws_url, origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403


async def test_the_servers_own_origin_is_accepted(server: LiveServer):
    async with websockets.connect(server.ws_url, origin=server.base) as ws:
        assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"


async def test_a_client_that_resumes_gets_exactly_what_it_missed(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    async with server.connect() as ws:
        first = await Peer(ws).command("subscribe", {"topic": "forum:4"})
    seen, epoch = first["data"]["seq"], first["data"]["epoch"]
    async with server.connect(cookie) as ws:
        author = Peer(ws)
        sent = [
            await author.command("chat.send", {"forum": 4, "text": f"missed {i}"}) for i in range(3)
        ]
    async with server.connect() as ws:
        back = Peer(ws)
        reply = await back.command("subscribe", {"topic": "forum:4", "since": seen, "epoch": epoch})
    replayed = [e for e in back.events if e["type"] == "chat.message_posted"]
    assert [e["seq"] for e in replayed] == [seen + 1, seen + 2, seen + 3]
    assert [e["data"] for e in replayed] == [s["data"]["message"] for s in sent]
    assert (reply["data"]["replayed"], reply["data"]["reload"]) == (3, False)


async def test_resuming_across_a_lost_epoch_asks_for_a_reload(server: LiveServer):
    async with server.connect() as ws:
        reply = await Peer(ws).command(
            "subscribe", {"topic": "forum:4", "since": 1, "epoch": "from-another-life"}
        )
    assert reply["data"]["reload"] is True and reply["data"]["replayed"] == 0


async def test_presence_is_pushed_to_subscribers(server: LiveServer):
    async with server.connect() as a_ws, server.connect() as b_ws:
        a, b = Peer(a_ws), Peer(b_ws)
        await a.command("subscribe", {"topic": "forum:5"})
        first = await a.event("presence.changed")
        await b.command("subscribe", {"topic": "forum:5"})
        second = await a.event("presence.changed")
    assert first == {"type": "presence.changed", "topic": "forum:5", "data": {"count": 1}}
    assert second == {"type": "presence.changed", "topic": "forum:5", "data": {"count": 2}}


async def test_unsubscribe_stops_events(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    async with server.connect(cookie) as ws:
        me = Peer(ws)
        await me.command("subscribe", {"topic": "forum:6"})
        assert (await me.command("unsubscribe", {"topic": "forum:6"}))["type"] == "ok"
        await me.command("chat.send", {"forum": 6, "text": "into the void"})
        assert [e for e in me.events if e["type"] == "chat.message_posted"] == []
        again = await me.command("unsubscribe", {"topic": "forum:6"})
    assert again["error"]["code"] == "subscribe.not_subscribed"


async def test_a_client_that_stops_reading_is_cut_off_and_others_are_not_delayed(demo_sqlite):
    settings = make_settings(demo_sqlite, max_send_buffer=64 * 1024)
    async with live_server(settings) as live:
        async with live.connect() as stalled_ws, live.connect() as healthy_ws:
            stalled, healthy = Peer(stalled_ws), Peer(healthy_ws)
            await stalled.command("subscribe", {"topic": "forum:7"})
            await healthy.command("subscribe", {"topic": "forum:7"})
            stalled_ws.transport.pause_reading()  # stops reading: kernel buffers fill, then ours
            hub = live.services.hub
            blob = "数" * 4000
            count = 2000  # 24 MB: more than any socket buffer holds
            healthy_seqs = []
            for i in range(count):
                await hub.publish("forum:7", "test.filler", {"i": i, "blob": blob})
                # The healthy client keeps reading throughout, one event (12 KB) at a time: far
                # inside the 64 KiB budget, which counts the kernel's buffer too, even on a
                # loaded machine.
                healthy_seqs.append((await healthy.event("test.filler"))["seq"])
            first = healthy_seqs[0]
            assert healthy_seqs == list(range(first, first + count))
            stalled_ws.transport.resume_reading()
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(20):
                    while True:
                        await stalled_ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4008


async def test_many_commands_at_once_are_answered_in_order(server: LiveServer):
    async with server.connect() as ws:
        for i in range(20):
            await ws.send(json.dumps({"type": "subscribe", "id": i, "data": {"topic": "forum:9"}}))
        replies = [json.loads(await ws.recv()) for _ in range(20)]
    replies = [r for r in replies if r["type"] in ("ok", "error")]
    assert [r["id"] for r in replies] == list(range(len(replies)))
    assert replies[0]["type"] == "ok"
    assert {r["error"]["code"] for r in replies[1:]} == {"subscribe.already"}


async def test_a_stopping_server_tells_clients_to_reconnect_elsewhere(demo_sqlite):
    async with live_server(make_settings(demo_sqlite)) as live:
        ws = await live.connect()
        await Peer(ws).command("subscribe", {"topic": "forum:2"})
    # Leaving the block stopped uvicorn, which asked every connection to shut down.
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        1012,
        "Server restarting: reconnect and resume.",
    )


async def test_under_a_plain_uvicorn_the_websocket_says_how_to_serve_it(demo_sqlite):
    import uvicorn

    from expo.app import create_app

    config = uvicorn.Config(
        create_app(make_settings(demo_sqlite)),
        host="127.0.0.1",
        port=0,
        ws="websockets-sansio",
        log_config=None,
        lifespan="on",
    )
    plain = uvicorn.Server(config)
    task = asyncio.create_task(plain.serve())
    try:
        await eventually(lambda: plain.started, timeout=10)
        port = plain.servers[0].sockets[0].getsockname()[1]
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == 1011
    finally:
        plain.should_exit = True
        await asyncio.wait_for(task, 10)


async def test_with_the_broker_down_chat_is_refused_and_nothing_is_kept(demo_sqlite):
    settings = make_settings(demo_sqlite, redis_url="redis://127.0.0.1:1/0")  # nothing there
    async with live_server(settings) as live:
        async with live.http() as http:
            ready = await http.get("/readyz")
            before = (await http.get("/api/forums/2/chat?limit=200")).status_code
        cookie = await live.sign_in(ATTENDEE)
        async with live.connect(cookie) as ws:
            me = Peer(ws)
            refused = await me.command("chat.send", {"forum": 2, "text": "无人知晓"})
            subscribe = await me.command("subscribe", {"topic": "forum:2"})
    assert (ready.status_code, ready.json()["checks"]["broker"]) == (503, "BrokerUnavailable")
    assert before == 503  # the chat snapshot needs the topic's position from the broker
    assert refused["error"]["code"] == subscribe["error"]["code"] == "unavailable"
    async with live_server(make_settings(demo_sqlite)) as healthy, healthy.http() as http:
        texts = [
            m["text"] for m in (await http.get("/api/forums/2/chat?limit=200")).json()["messages"]
        ]
    assert "无人知晓" not in texts


async def test_a_client_that_stops_answering_pings_is_closed_and_others_stay(demo_sqlite):
    async with live_server(make_settings(demo_sqlite, ping_interval=0.2)) as live:
        async with (
            live.connect(ping_interval=None) as silent,
            live.connect(ping_interval=None) as answering,
        ):
            silent.transport.pause_reading()  # reads nothing, so answers no ping
            # Two unanswered intervals and the server cuts it off, while the other stays.
            await eventually(lambda: sum(c.open for c in live.services.gateway.clients) == 1)
            assert (await Peer(answering).command("subscribe", {"topic": "forum:2"}))["type"] == (
                "ok"
            )
            silent.transport.resume_reading()
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(10):
                    while True:
                        await silent.recv()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        1011,
        "No answer to the keepalive ping.",
    )


async def test_the_lobby_topic_pushes_every_rooms_audience(server: LiveServer):
    async with server.connect() as lobby_ws, server.connect() as viewer_ws:
        lobby = Peer(lobby_ws)
        await lobby.command("subscribe", {"topic": "lobby:forums"})
        first = await lobby.event("presence.summary")
        await Peer(viewer_ws).command("subscribe", {"topic": "forum:3"})
        async with asyncio.timeout(10):
            while True:
                summary = await lobby.event("presence.summary")
                if summary["data"]["counts"]["forum:3"] == 1:
                    break
    assert len(first["data"]["counts"]) == 9
    assert set(first["data"]["counts"]) == {f"forum:{i}" for i in range(1, 10)}
    assert summary["topic"] == "lobby:forums"


async def test_only_the_forums_lobby_exists(server: LiveServer):
    async with server.connect() as ws:
        reply = await Peer(ws).command("subscribe", {"topic": "lobby:booths"})
    assert reply["error"]["code"] == "lobby.unknown"


async def test_a_later_lobby_subscriber_gets_the_counts_without_waiting_for_a_change(server):
    async with server.connect() as first_ws, server.connect() as second_ws:
        first = Peer(first_ws)
        await first.command("subscribe", {"topic": "lobby:forums"})
        await first.event("presence.summary")
        second = Peer(second_ws)
        await second.command("subscribe", {"topic": "lobby:forums"})
        summary = await second.event("presence.summary")  # nothing changed, still it comes
    assert len(summary["data"]["counts"]) == 9


async def test_frames_sent_right_after_the_upgrade_request_are_answered_after_the_101(
    server: LiveServer,
):
    """A ping and a command written right after the upgrade request, without waiting for the
    101 (in a segment of their own: uvicorn drops bytes that share the request's segment)."""
    import base64
    import os as _os

    from websockets.frames import Frame, Opcode

    host, port = server.ws_url.removeprefix("ws://").split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(_os.urandom(16)).decode()
    request = (
        f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    writer.write(request.encode())
    await writer.drain()
    # The point is a gap: 10 ms puts the frames in a TCP segment of their own (nothing on the
    # server tells when it has read the request).
    await asyncio.sleep(0.01)
    command = json.dumps({"type": "subscribe", "id": "early", "data": {"topic": "forum:2"}})
    writer.write(Frame(Opcode.PING, b"hi").serialize(mask=True, extensions=[]))
    writer.write(Frame(Opcode.TEXT, command.encode()).serialize(mask=True, extensions=[]))
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 101")
    rest = b""
    async with asyncio.timeout(10):
        while b'"id":"early"' not in rest:
            rest += await reader.read(4096)
    assert rest.startswith(b"\x8a\x02hi")  # the pong, after the 101
    writer.close()


async def test_a_chat_message_keeps_its_emoji_sequences(server: LiveServer):
    family, flag = (
        "👨\u200d👩\u200d👧",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    )
    cookie = await server.sign_in(ATTENDEE)
    async with server.connect(cookie) as author_ws, server.connect() as reader_ws:
        author, reader = Peer(author_ws), Peer(reader_ws)
        await reader.command("subscribe", {"topic": "forum:3"})
        await author.command("chat.send", {"forum": 3, "text": f"{family} {flag} \u202eevil"})
        event = await reader.event("chat.message_posted")
    assert event["data"]["text"] == f"{family} {flag} evil"  # one family; the override dropped
