"""The connect + subscribe path under a reconnect storm: what it costs, and that its limits hold.

A process that dies sends thousands of tabs to the others at once; each opens a socket and
subscribes again. These tests pin down what that path may do: no database for an anonymous tab
following a forum, and the per-address and per-account limits applied to every handshake of a
burst, Redis or no Redis.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from expo.errors import RateLimited
from expo.ratelimit import DEFAULT_RATES, Rate, RedisLimiter, enforce
from tests.live import LiveServer, Peer, live_server, make_settings
from tests.services import REDIS_URL, check_redis
from tests.statements import statements

BURST = 200


@pytest.fixture(scope="module")
async def server(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    """The module's server, with the agenda's reminder rounds out of the way: their writes (a
    claim every 15 s) are not the connect path's, and one landing inside a test's window was
    counted as the subscribe's."""
    async with live_server(make_settings(demo_sqlite, reminder_interval=3600.0)) as live:
        yield live


async def test_anonymous_tabs_following_a_known_forum_read_no_database(server: LiveServer):
    async with server.connect() as ws:  # the first subscriber of the process may look it up
        assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"
    with statements(server) as seen:
        for _ in range(5):
            async with server.connect() as ws:
                reply = await Peer(ws).command("subscribe", {"topic": "forum:2"})
                assert reply["type"] == "ok"
    assert seen == []


async def test_a_forum_that_does_not_exist_is_still_refused(server: LiveServer):
    async with server.connect() as ws:
        peer = Peer(ws)
        await peer.command("subscribe", {"topic": "forum:2"})
        reply = await peer.command("subscribe", {"topic": "forum:9999"})
    assert reply == {
        "type": "error",
        "id": "t2",
        "error": {"code": "forum.unknown", "message": "There is no forum 9999."},
    }


async def test_a_burst_of_signed_in_tabs_shares_its_session_and_ban_queries(demo_sqlite: str):
    tabs = 40
    async with live_server(make_settings(demo_sqlite, max_sockets_per_account=tabs)) as live:
        cookie = await live.sign_in("attendee@demo.shubo.live")
        async with live.connect() as ws:  # the forum is known to the process
            await Peer(ws).command("subscribe", {"topic": "forum:2"})

        async def tab() -> str:
            async with live.connect(cookie) as ws:
                return str((await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"])

        with statements(live) as seen:
            replies = await asyncio.gather(*(tab() for _ in range(tabs)))
    assert replies == ["ok"] * tabs
    session_queries = [s for s in seen if "FROM account_session" in s]
    ban_queries = [s for s in seen if "FROM room_sanction" in s]
    # One query per tab before; now the tabs that ask together share one.
    assert 1 <= len(session_queries) <= tabs // 2
    assert 1 <= len(ban_queries) <= tabs // 2


async def _storm(live: LiveServer, headers: dict[str, str]) -> tuple[int, list[int]]:
    """BURST handshakes at once: how many were let in, and the statuses of those refused."""

    async def one() -> int:
        try:
            async with websockets.connect(live.ws_url, additional_headers=headers, open_timeout=30):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    results = await asyncio.gather(*(one() for _ in range(BURST)))
    return results.count(101), [r for r in results if r != 101]


def _no_limiter_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name in ("expo.ratelimit", "expo.gateway")
    ]


async def test_a_burst_of_handshakes_from_one_address_spends_one_budget_in_redis(
    demo_sqlite: str, caplog: pytest.LogCaptureFixture
):
    await check_redis()
    # 20 at once, then one every 3 minutes: a slow burst cannot earn a 21st meanwhile.
    limits = {**{n: Rate(100_000, 1) for n in DEFAULT_RATES}, "connect": Rate(20, 3600)}
    settings = make_settings(demo_sqlite, redis_url=REDIS_URL, rate_limits=limits)
    # An address of its own (the test server believes 127.0.0.1's X-Forwarded-For), so runs
    # before this one have not spent its budget in the shared Redis.
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    caplog.set_level(logging.WARNING)
    async with live_server(settings) as live:
        admitted, refused = await _storm(live, {"X-Forwarded-For": address})
    assert admitted == 20
    assert set(refused) == {429}
    assert _no_limiter_warnings(caplog) == []


async def test_a_burst_of_one_accounts_handshakes_opens_at_most_its_socket_quota(
    demo_sqlite: str, caplog: pytest.LogCaptureFixture
):
    await check_redis()
    settings = make_settings(demo_sqlite, redis_url=REDIS_URL, max_sockets_per_account=20)
    caplog.set_level(logging.WARNING)
    async with live_server(settings) as live:
        cookie = await live.sign_in("attendee@demo.shubo.live")
        opened: list[Any] = []
        refused: list[int] = []

        async def one() -> None:
            try:
                opened.append(
                    await websockets.connect(
                        live.ws_url, additional_headers={"Cookie": cookie}, open_timeout=30
                    )
                )
            except InvalidStatus as error:
                refused.append(error.response.status_code)

        await asyncio.gather(*(one() for _ in range(BURST)))
        for ws in opened:
            await ws.close()
    assert len(opened) == 20
    assert set(refused) == {429}
    assert _no_limiter_warnings(caplog) == []


async def test_a_limiter_whose_redis_is_gone_still_limits_in_the_process(
    caplog: pytest.LogCaptureFixture,
):
    """Fail soft, not open: without Redis each process applies the budget on its own (so N
    processes let in at most N times it), says so once in the log and counts it."""
    # A port bound but not listening: connections to it are refused.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    limiter = RedisLimiter(f"redis://127.0.0.1:{closed.getsockname()[1]}/0")
    caplog.set_level(logging.WARNING, logger="expo.ratelimit")
    allowed = 0
    try:
        for _ in range(30):
            try:
                await enforce(limiter, "connect:192.0.2.7", Rate(20, 60), "connection attempts")
                allowed += 1
            except RateLimited:
                pass
    finally:
        await limiter.close()
        closed.close()
    assert allowed == 20
    warnings = [r for r in caplog.records if r.name == "expo.ratelimit"]
    assert len(warnings) == 1
    assert "applied in this process only" in warnings[0].getMessage()
