"""Redis restarts empty under two real `expo serve` processes while a room chats: every
websocket client, on either process, either gets every message or is told
`subscription.reset`. The Redis is the test's own; PostgreSQL is the machine's."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from expo.ratelimit import DEFAULT_RATES
from tests.cluster import Process, sign_in, start, stop
from tests.gaps import read_new_epoch, report, silent_gaps
from tests.live import Peer, prepare_demo_database
from tests.redis_server import RedisServer, redis_server
from tests.services import fresh_postgres_database

FORUMS = [1, 2, 3]
TOPICS = [f"forum:{n}" for n in FORUMS]
BEFORE = 30  # messages per room before the restart
AFTER = 2 * BEFORE  # and after: past the old epoch's seqs


def by_n(data: dict[str, Any]) -> int:
    return int(data["text"].removeprefix("n="))


@pytest.fixture
async def cluster(tmp_path) -> AsyncIterator[tuple[RedisServer, Process, Process]]:
    async with redis_server() as redis, fresh_postgres_database() as database_url:
        await prepare_demo_database(database_url)
        env = {
            **os.environ,
            "EXPO_DATABASE_URL": database_url,
            "EXPO_REDIS_URL": redis.url,
            "EXPO_SECRET_KEY": secrets.token_urlsafe(24),
            "EXPO_LOG_JSON": "1",
            "EXPO_RATE_LIMITS": ",".join(f"{name}=100000/1" for name in DEFAULT_RATES),
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        a = await start(env, log=tmp_path / "a.log")
        try:
            b = await start(env, log=tmp_path / "b.log")
            try:
                yield redis, a, b
            finally:
                await stop(b)
        finally:
            await stop(a)


class Follower:
    """A websocket client following every room: subscribes, then keeps every frame it reads."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: dict[str, list[dict[str, Any]]] = {topic: [] for topic in TOPICS}
        self.starts: dict[str, tuple[str, int]] = {}
        self._reading: asyncio.Task[None] | None = None

    async def follow(self) -> None:
        peer = Peer(self.ws)
        for topic in TOPICS:
            reply = await peer.command("subscribe", {"topic": topic})
            self.starts[topic] = (reply["data"]["epoch"], reply["data"]["seq"])
        for frame in peer.events:
            self._keep(frame)
        self._reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            self._keep(json.loads(message))

    async def close(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            await asyncio.gather(self._reading, return_exceptions=True)

    def _keep(self, frame: dict[str, Any]) -> None:
        if frame.get("topic") in self.frames and frame["type"] in (
            "chat.message_posted",
            "subscription.reset",
        ):
            self.frames[frame["topic"]].append(frame)


async def chat(author: Peer, sent: dict[int, int], stop: asyncio.Event) -> None:
    """Post round-robin in the rooms until stopped; count what was acknowledged per forum."""
    n = 0
    while not stop.is_set():
        forum = FORUMS[n % len(FORUMS)]
        reply = await author.command("chat.send", {"forum": forum, "text": f"n={n}"})
        if reply["type"] == "ok":
            sent[forum] += 1
        else:
            await asyncio.sleep(0.02)  # Redis is down: `unavailable`; try again a moment later
        n += 1


async def until_each(sent: dict[int, int], more: int, timeout: float = 60) -> None:
    goal = {forum: count + more for forum, count in sent.items()}
    async with asyncio.timeout(timeout):
        while any(sent[f] < goal[f] for f in FORUMS):
            await asyncio.sleep(0.02)


async def test_clients_of_both_processes_lose_nothing_silently_when_redis_restarts(cluster):
    redis, a, b = cluster
    cookie = await sign_in(a)
    async with a.connect(cookie) as author_ws, a.connect() as on_a, b.connect() as on_b:
        followers = {"on process a": Follower(on_a), "on process b": Follower(on_b)}
        for follower in followers.values():
            await follower.follow()
        sent = dict.fromkeys(FORUMS, 0)
        stopped = asyncio.Event()
        chatting = asyncio.create_task(chat(Peer(author_ws), sent, stopped))
        try:
            await until_each(sent, BEFORE)
            await redis.restart_empty()
            await until_each(sent, AFTER)
        finally:
            stopped.set()
            await chatting

        new, ends = await read_new_epoch(redis.url, TOPICS, by_n)
        clients = [
            (f"{topic} {name}", topic, follower.frames[topic], follower.starts[topic])
            for name, follower in followers.items()
            for topic in TOPICS
        ]

        def caught_up() -> bool:
            return all(
                silent_gaps(frames, start, new, by_n)[1] == ends[topic]
                for _, topic, frames, start in clients
            )

        try:
            async with asyncio.timeout(30):
                while not caught_up():
                    await asyncio.sleep(0.05)
        except TimeoutError:
            pass  # the report says who is where
        for follower in followers.values():
            await follower.close()
    assert report(clients, new, ends, by_n) == {}
