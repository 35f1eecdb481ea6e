"""Topics listened to while the broker's reader reconnects after a Redis restart are heard, and
so are the ones it listened to before.

redis-py's PubSub opens its connection on first use, unguarded: two subscribes on a fresh
PubSub at once (the reader resubscribing everything, a page following a new topic) each open
one, and the reader reads only the last. What the other subscribed was never heard again: a
page that followed its queue ticket just after Redis came back never heard its call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from expo.realtime.broker import BrokerUnavailable, Event
from expo.realtime.redis_broker import RedisBroker
from tests.redis_server import RedisServer, redis_server

LISTEN_EVERY = 0.002  # seconds between two new topics while the reader comes back
AFTER_RESYNC = 0.2  # seconds of new topics once the reader has resubscribed


class Heard:
    def __init__(self) -> None:
        self.events: dict[str, list[int]] = {}
        self.resyncs = 0

    def deliver(self, event: Event) -> None:
        self.events.setdefault(event.topic, []).append(event.seq)

    def resync(self) -> None:
        self.resyncs += 1

    def control(self, message: bytes) -> None:
        pass


@pytest.fixture
async def own_redis() -> AsyncIterator[RedisServer]:
    async with redis_server() as server:
        yield server


async def listen_while_the_reader_comes_back(broker: RedisBroker, heard: Heard) -> list[str]:
    """New topics, one every LISTEN_EVERY, from Redis's return until just after the reader has
    resubscribed (bounded in time and count)."""
    topics: list[str] = []
    resynced_at: float | None = None
    loop = asyncio.get_running_loop()
    for n in range(5000):
        if heard.resyncs and resynced_at is None:
            resynced_at = loop.time()
        if resynced_at is not None and loop.time() - resynced_at > AFTER_RESYNC:
            break
        try:
            await broker.listen(f"queue-ticket:{n}")
            topics.append(f"queue-ticket:{n}")
        except BrokerUnavailable:
            pass  # the page is told `unavailable` and asks again: not followed
        await asyncio.sleep(LISTEN_EVERY)
    assert heard.resyncs, "the reader never came back"
    return topics


async def test_topics_listened_to_as_the_reader_reconnects_are_all_heard(
    own_redis: RedisServer,
) -> None:
    heard = Heard()
    broker = RedisBroker(own_redis.url)
    await broker.start(heard)
    try:
        await broker.listen("forum:1")
        await own_redis.restart_empty()
        topics = await listen_while_the_reader_comes_back(broker, heard)
        assert len(topics) > 10
        everyone = ["forum:1", *topics]
        for topic in everyone:
            await broker.publish(topic, "queue.ticket_changed", {"status": "called"})
        async with asyncio.timeout(5):
            while not all(topic in heard.events for topic in everyone):
                await asyncio.sleep(0.02)
    except TimeoutError:
        missed = [t for t in everyone if t not in heard.events]
        pytest.fail(f"{len(missed)} of {len(everyone)} topics never heard: {missed[:5]}")
    finally:
        await broker.close()
