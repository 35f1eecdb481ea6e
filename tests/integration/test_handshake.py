"""The websocket handshake over raw TCP: hand-written request heads against a real server.

Every malformed handshake gets an HTTP answer at once and its socket is closed; none is held,
and none keeps the server from stopping.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import signal
from collections.abc import AsyncIterator

import pytest

from expo.realtime.transport import Connection
from tests.cluster import start, stop
from tests.live import LiveServer, live_server, make_settings
from tests.rawws import ANSWER_WITHIN, address, exchange, request_head


@pytest.fixture
async def raw(server: LiveServer) -> AsyncIterator[tuple[str, int]]:
    yield address(server.base)


@pytest.mark.parametrize(
    "name",
    ["Host", "Origin", "Cookie", "Authorization", "Sec-WebSocket-Key", "Sec-WebSocket-Version"],
)
async def test_the_400_names_the_duplicated_header(raw, name):
    host, port = raw
    values = {
        "Host": f"{host}:{port}",
        "Origin": f"http://{host}:{port}",
        "Cookie": "expo_session=x",
        "Authorization": "Bearer x",
        "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
        "Sec-WebSocket-Version": "13",
    }
    twice = [f"{name}: {values[name]}"] * 2
    head = request_head(f"{host}:{port}", *twice, drop=name)
    answer, body = await exchange(host, port, head)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert name.encode() in body


async def test_two_forwarded_for_headers_are_one_list_and_answered_at_once(raw):
    """X-Forwarded-For is a list: two lines mean the same as one joined with a comma
    (RFC 9110 5.3), so the handshake goes on as usual."""
    host, port = raw
    head = request_head(f"{host}:{port}", "X-Forwarded-For: 10.0.0.1", "X-Forwarded-For: 10.0.0.2")
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(head)
        await writer.drain()
        async with asyncio.timeout(ANSWER_WITHIN):
            answer = await reader.readuntil(b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 101 ")
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("drop", "extra", "status"),
    [
        ("Host", [], b"400"),
        ("Sec-WebSocket-Key", [], b"400"),
        ("Sec-WebSocket-Version", [], b"400"),
        ("Sec-WebSocket-Key", ["Sec-WebSocket-Key: short"], b"400"),
        ("Sec-WebSocket-Version", ["Sec-WebSocket-Version: 8"], b"400"),
    ],
    ids=["no-host", "no-key", "no-version", "bad-key", "bad-version"],
)
async def test_a_malformed_upgrade_gets_its_status_at_once(raw, drop, extra, status):
    host, port = raw
    answer, _ = await exchange(host, port, request_head(f"{host}:{port}", *extra, drop=drop))
    assert answer.split(b" ")[1] == status


async def test_a_pile_of_bad_handshakes_leaves_no_socket_held(demo_sqlite):
    async with live_server(make_settings(demo_sqlite)) as live:
        host, port = address(live.base)
        heads = [
            request_head(f"{host}:{port}", f"Host: {host}:{port}"),
            request_head(f"{host}:{port}", "Origin: http://a", "Origin: http://b"),
            request_head(f"{host}:{port}", "Cookie: a=1", "Cookie: b=2"),
            request_head(f"{host}:{port}", "Authorization: Bearer a", "Authorization: Bearer b"),
            request_head(f"{host}:{port}", drop="Sec-WebSocket-Key"),
        ] * 20
        answers = await asyncio.gather(*(exchange(host, port, head) for head in heads))
        assert {answer.split(b" ")[1] for answer, _ in answers} == {b"400"}
        state = live._server.server_state
        async with asyncio.timeout(ANSWER_WITHIN):  # connection_lost runs after the close
            while any(isinstance(c, Connection) for c in state.connections):
                await asyncio.sleep(0.01)


async def test_a_server_that_got_a_bad_handshake_stops_on_sigterm(demo_sqlite, tmp_path):
    env = {
        **os.environ,
        "EXPO_DATABASE_URL": demo_sqlite,
        "EXPO_SECRET_KEY": secrets.token_urlsafe(24),
        "EXPO_LOG_JSON": "1",
    }
    env.pop("EXPO_REDIS_URL", None)
    process = await start(env, log=tmp_path / "serve.log")
    try:
        host, port = address(process.base)
        # One answered, one left open by its client: neither may hold the shutdown.
        await exchange(host, port, request_head(f"{host}:{port}", f"Host: {host}:{port}"))
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request_head(f"{host}:{port}", "Origin: http://a", "Origin: http://b"))
        await writer.drain()
        async with asyncio.timeout(ANSWER_WITHIN):
            await reader.readuntil(b"\r\n\r\n")
        process.child.terminate()
        async with asyncio.timeout(ANSWER_WITHIN):  # a bound, not a measurement
            code = await process.child.wait()
        # uvicorn shuts down gracefully, then raises SIGTERM again on itself: -15, not -9.
        assert code in (0, -signal.SIGTERM)
        log = await asyncio.to_thread((tmp_path / "serve.log").read_text)
        assert "Application shutdown complete" in log
        assert "Traceback" not in log
        writer.close()
    finally:
        await stop(process)
