"""Redis restarts empty while events are published: every subscriber, on every process, either
gets a contiguous stream or is told `subscription.reset`. Nothing is lost silently.

The Redis is the test's own (tests/redis_server.py): it is shut down without saving and started
again on the same port, so the brokers' pooled connections opened before the outage fail once,
and every process repairs every topic at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from expo.errors import Unavailable
from expo.realtime.broker import BrokerUnavailable, History
from expo.realtime.hub import Hub
from expo.realtime.redis_broker import RedisBroker
from tests.gaps import read_new_epoch, report, silent_gaps
from tests.redis_server import RedisServer, redis_server

TOPICS = [f"forum:{n}" for n in range(1, 7)]
BEFORE = 60  # events per topic before the restart
AFTER = 2 * BEFORE  # and after it: past the old epoch's last seq, where silent loss hid


class Recorder:
    """A subscriber that keeps the envelopes written to it."""

    def __init__(self) -> None:
        self.topics: set[str] = set()
        self.open = True
        self.frames: list[dict] = []

    def send_frame(self, frame: bytes) -> None:
        length = frame[1] & 0x7F
        offset = 2 if length < 126 else 4 if length == 126 else 10
        self.frames.append(json.loads(frame[offset:]))


@dataclass
class Publisher:
    """Publishes round-robin over the topics until stopped; counts what was acknowledged."""

    hub: Hub
    acknowledged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOPICS, 0))
    refused: int = 0
    stop: bool = False

    async def run(self) -> None:
        n = 0
        while not self.stop:
            topic = TOPICS[n % len(TOPICS)]
            try:
                await self.hub.publish(topic, "chat.message_posted", {"n": n})
                self.acknowledged[topic] += 1
            except Unavailable:
                self.refused += 1
                await asyncio.sleep(0.01)  # Redis is down: try again a moment later
            n += 1

    async def until(self, count: int, timeout: float = 60) -> None:
        """Until every topic has `count` more acknowledged events than now."""
        goal = {topic: seen + count for topic, seen in self.acknowledged.items()}
        async with asyncio.timeout(timeout):
            while any(self.acknowledged[t] < goal[t] for t in TOPICS):
                await asyncio.sleep(0.01)


@pytest.fixture
async def own_redis() -> AsyncIterator[RedisServer]:
    async with redis_server() as server:
        yield server


class FailingOnce:
    """After a restart, the first log read of each topic fails, as it does on a connection the
    pool opened before the outage (redis-py hands the stale connection out, the command fails
    once, and the connection is opened again for the next one). Concurrent repairs meet it at
    random; this makes every topic's first repair meet it."""

    def __init__(self, broker: RedisBroker) -> None:
        self.armed: set[str] = set()
        self.failed = 0
        self._history = broker.history
        broker.history = self.history  # type: ignore[method-assign]

    async def history(self, topic: str, since: int | None) -> History:
        if topic in self.armed:
            self.armed.discard(topic)
            self.failed += 1
            raise BrokerUnavailable("redis: Connection closed by server.")
        return await self._history(topic, since)


async def make_hub(url: str) -> tuple[Hub, FailingOnce]:
    broker = RedisBroker(url, replay_window=10_000)
    hub = Hub(broker, presence_interval=3600)
    failing = FailingOnce(broker)
    await hub.start()
    return hub, failing


def by_n(data: dict) -> int:
    return data["n"]


async def test_a_redis_restart_loses_nothing_silently(own_redis):
    (a, failing_a), (b, failing_b) = await make_hub(own_redis.url), await make_hub(own_redis.url)
    hubs = [a, b]
    publisher = Publisher(hubs[0])
    publishing = None
    try:
        followers: list[tuple[str, Recorder, tuple[str, int]]] = []
        for hub in hubs:
            # At once, as a server's clients do: each broker's pool opens several connections,
            # which are the ones that fail once after the restart.
            recorders = [Recorder() for _ in TOPICS]
            replies = await asyncio.gather(
                *(hub.subscribe(r, t, None, None) for r, t in zip(recorders, TOPICS, strict=True))
            )
            for topic, follower, reply in zip(TOPICS, recorders, replies, strict=True):
                followers.append((topic, follower, (reply["epoch"], reply["seq"])))
        publishing = asyncio.create_task(publisher.run())
        await publisher.until(BEFORE)
        await own_redis.restart_empty()
        for failing in (failing_a, failing_b):
            failing.armed.update(TOPICS)
        await publisher.until(AFTER)
        publisher.stop = True
        await publishing

        new, ends = await read_new_epoch(own_redis.url, TOPICS, by_n)

        def caught_up() -> bool:
            return all(
                silent_gaps(f.frames, start, new, by_n)[1] == ends[t] for t, f, start in followers
            )

        try:
            async with asyncio.timeout(30):
                while not caught_up():
                    await asyncio.sleep(0.05)
        except TimeoutError:
            pass  # the report below says who is where
        found = report(
            [
                (f"{topic} on hub {i // len(TOPICS)}", topic, follower.frames, start)
                for i, (topic, follower, start) in enumerate(followers)
            ],
            new,
            ends,
            by_n,
        )
        # Every topic's first repair on each process failed once, as after a real restart.
        assert (failing_a.failed, failing_b.failed) == (len(TOPICS), len(TOPICS))
        assert found == {}
    finally:
        publisher.stop = True
        if publishing is not None:
            await asyncio.gather(publishing, return_exceptions=True)
        for hub in hubs:
            await hub.close()
