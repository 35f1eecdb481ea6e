"""What presence costs Redis: a real server on a redis-server of its own, real sockets.

Every signed-in page follows its own `account:<id>` topic. Presence is counted only for the kinds
that show an audience (forum rooms), and each presence round is one batched exchange: so the
commands a process sends per round must not grow with the number of signed-in sockets.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import httpx
import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from expo.models import Account
from expo.security import SESSION_COOKIE
from tests.cluster import sign_in, start, stop
from tests.live import LiveServer, Peer, live_server, make_settings
from tests.services import REDIS_URL

# Commands that are not the server's presence work: our own probes, and the client's health check.
NOT_COUNTED = {"info", "ping", "config|resetstat", "client|setinfo", "hello"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def private_redis() -> Iterator[str]:
    """A redis-server only this module's server talks to: its command counts are the server's."""
    if shutil.which("redis-server") is None:
        pytest.skip("MISSING SERVICE: redis-server is not installed")
    port = free_port()
    child = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        child.terminate()
        child.wait(10)


@pytest.fixture
async def redis_server(demo_sqlite: str, private_redis: str) -> AsyncIterator[LiveServer]:
    admin = aioredis.from_url(private_redis)
    try:
        async with asyncio.timeout(10):
            while True:
                try:
                    await admin.ping()
                    break
                except RedisConnectionError:  # still starting
                    await asyncio.sleep(0.05)
    finally:
        await admin.aclose()
    settings = make_settings(demo_sqlite, redis_url=private_redis, presence_interval=0.1)
    async with live_server(settings) as live:
        yield live


async def signed_in_cookies(server: LiveServer, n: int) -> list[tuple[int, str]]:
    """N fresh attendees, each with a session: (account id, Cookie header)."""
    tag = secrets.token_hex(4)
    async with server.services.db() as db:
        accounts = [
            Account(email=f"p{tag}-{i}@bench.test", password_hash="-", display_name=f"P {i}")
            for i in range(n)
        ]
        db.add_all(accounts)
        await db.commit()
        for account in accounts:
            await db.refresh(account)
    cookies = []
    for account in accounts:
        assert account.id is not None
        value, _ = await server.services.sessions.open(account)
        cookies.append((account.id, f"{SESSION_COOKIE}={value}"))
    return cookies


async def command_counts(redis_url: str) -> dict[str, int]:
    admin = aioredis.from_url(redis_url)
    try:
        stats = await admin.info("commandstats")
    finally:
        await admin.aclose()
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


async def commands_per_round(redis_url: str, rounds: int = 10) -> float:
    """Redis commands the server sends per presence round, over `rounds` rounds. A round is
    counted by the process's heartbeat (a ZADD to `expo:{processes}`), sent once per round."""
    before = await command_counts(redis_url)
    async with asyncio.timeout(30):
        while True:
            now = await command_counts(redis_url)
            if now.get("zadd", 0) - before.get("zadd", 0) >= rounds:
                break
            await asyncio.sleep(0.05)
    delta = {k: now[k] - before.get(k, 0) for k in now if k not in NOT_COUNTED}
    return sum(delta.values()) / delta["zadd"]


async def test_presence_commands_per_round_do_not_grow_with_signed_in_sockets(
    redis_server: LiveServer,
):
    cookies = await signed_in_cookies(redis_server, 40)
    async with AsyncExitStack() as stack:

        async def join(account_id: int, cookie: str) -> None:
            peer = Peer(await stack.enter_async_context(redis_server.connect(cookie)))
            for topic in (f"account:{account_id}", "forum:2"):
                assert (await peer.command("subscribe", {"topic": topic}))["type"] == "ok"

        for account_id, cookie in cookies[:4]:
            await join(account_id, cookie)
        few = await commands_per_round(redis_server.services.settings.redis_url)
        for account_id, cookie in cookies[4:]:
            await join(account_id, cookie)
        many = await commands_per_round(redis_server.services.settings.redis_url)
    # 36 more signed-in sockets, 36 more `account:<id>` topics: not one more command per round
    # (a little slack for a round caught half-way by the probe).
    assert many <= few + 1, (few, many)


async def count_reaches(peer: Peer, topic: str, count: int) -> None:
    async with asyncio.timeout(20):
        while True:
            event = await peer.event("presence.changed")
            if event["topic"] == topic and event["data"]["count"] == count:
                return


async def test_rooms_are_counted_over_processes_and_accounts_never(two_processes):
    a, b = two_processes
    cookie = await sign_in(a)
    async with httpx.AsyncClient(base_url=a.base) as http:
        me = (await http.get("/api/me", headers={"Cookie": cookie})).json()["account"]["id"]
    async with (
        a.connect() as watcher_ws,
        a.connect(cookie) as on_a_ws,
        b.connect(cookie) as on_b_ws,
    ):
        watcher = Peer(watcher_ws)
        await watcher.command("subscribe", {"topic": "forum:8"})
        for ws in (on_a_ws, on_b_ws):
            for topic in (f"account:{me}", "forum:8"):
                assert (await Peer(ws).command("subscribe", {"topic": topic}))["type"] == "ok"
        await count_reaches(watcher, "forum:8", 3)
        redis = aioredis.from_url(REDIS_URL)
        try:
            reported = [
                set(await redis.hkeys(key))
                async for key in redis.scan_iter("expo:{processes}:presence:*")
            ]
        finally:
            await redis.aclose()
    assert {b"forum:8"} <= set().union(*reported)
    assert not [t for topics in reported for t in topics if not t.startswith(b"forum:")]


async def test_a_killed_process_drops_out_of_the_rooms_audience(
    shared_env, two_processes, tmp_path
):
    a, _ = two_processes
    doomed = await start(shared_env, log=tmp_path / "doomed.log")
    try:
        async with a.connect() as watcher_ws:
            watcher = Peer(watcher_ws)
            await watcher.command("subscribe", {"topic": "forum:7"})
            await count_reaches(watcher, "forum:7", 1)
            async with doomed.connect() as one, doomed.connect() as two:
                for ws in (one, two):
                    await Peer(ws).command("subscribe", {"topic": "forum:7"})
                await count_reaches(watcher, "forum:7", 3)
                doomed.child.kill()  # no goodbye: its counts stay in Redis until they expire
                await doomed.child.wait()
                await count_reaches(watcher, "forum:7", 1)
    finally:
        await stop(doomed)
