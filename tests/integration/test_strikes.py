"""Addresses that keep breaking the websocket protocol have their handshakes held first
(expo/realtime/strikes.py), over a real server: each violation is a strike against the address
it came from (a binary frame's 1003, a foreign origin's 403), one that spent its budget is held
and then answered as usual, a well-behaved address beside it is not, and behind a trusted proxy
the strike falls on the client the proxy names, never on the proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import websockets
from prometheus_client import REGISTRY
from websockets.exceptions import ConnectionClosed, InvalidStatus

from expo.ratelimit import DEFAULT_RATES, Rate
from tests.live import LiveServer, Peer, live_server, make_settings
from tests.rawws import exchange, request_head

BUDGET = 2
PROXY = "127.0.0.5"


@pytest.fixture(scope="module")
async def server(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    rates = {name: Rate(100_000, 1) for name in DEFAULT_RATES}
    rates["strikes"] = Rate(1, 60, burst=BUDGET)
    settings = make_settings(
        demo_sqlite, rate_limits=rates, tarpit_seconds=0.2, forwarded_allow_ips=(PROXY,)
    )
    async with live_server(settings) as live:
        yield live


def held() -> float:
    return REGISTRY.get_sample_value("expo_ws_tarpitted_total") or 0.0


def connect(server: LiveServer, local: str, **kwargs: object) -> websockets.connect:
    return websockets.connect(server.ws_url, local_addr=(local, 0), open_timeout=10, **kwargs)


async def send_binary(server: LiveServer, local: str) -> int:
    async with connect(server, local) as ws:
        await ws.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_an_address_past_its_strikes_is_held_then_answered(server: LiveServer):
    strikes = server.services.gateway.strikes
    assert [await send_binary(server, "127.0.0.2") for _ in range(BUDGET)] == [1003, 1003]
    assert strikes.wait_for("127.0.0.2") > 0 and strikes.wait_for("127.0.0.3") == 0
    before = held()
    async with connect(server, "127.0.0.2") as ws:  # held, then opened as any other
        reply = await Peer(ws).command("subscribe", {"topic": "forum:1"})
    assert reply["type"] == "ok" and held() == before + 1
    async with connect(server, "127.0.0.3") as ws:  # the address beside it is not held
        assert (await Peer(ws).command("subscribe", {"topic": "forum:1"}))["type"] == "ok"
    assert held() == before + 1


async def test_bad_handshakes_are_strikes_and_a_held_one_still_gets_its_status(
    server: LiveServer,
):
    before = held()
    for _ in range(BUDGET + 1):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(server, "127.0.0.4", origin="http://evil.example"):
                pass
        assert refused.value.response.status_code == 403
    assert held() == before + 1  # the third, past the budget of two


async def test_behind_a_trusted_proxy_the_strike_is_the_clients_not_the_proxys(
    server: LiveServer,
):
    strikes = server.services.gateway.strikes
    host, port = server.base.removeprefix("http://").split(":")
    for _ in range(BUDGET):
        forwarded = request_head(
            f"{host}:{port}", "Origin: http://evil.example", "X-Forwarded-For: 198.51.100.9"
        )
        answer, _ = await exchange(host, int(port), forwarded, local=PROXY)
        assert answer.startswith(b"HTTP/1.1 403 ")
        # A head too long to read names no client: nobody is struck for it.
        too_long = request_head(f"{host}:{port}", "X-Pad: " + "p" * 9000)
        answer, _ = await exchange(host, int(port), too_long, local=PROXY)
        assert answer.startswith(b"HTTP/1.1 431 ")
    assert strikes.wait_for("198.51.100.9") > 0
    assert strikes.wait_for(PROXY) == 0 and PROXY not in strikes._due
