"""expo/realtime/announce.py: the one policy for "stored, but the broker failed", without a
server: a fake publish that fails when told to."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from expo.errors import Unavailable
from expo.realtime.announce import Announcer
from expo.realtime.broker import Event


class Broker:
    def __init__(self) -> None:
        self.out: list[tuple[str, str]] = []
        self.failures: dict[str, int] = {}  # topic -> its next this many publishes fail
        self.down = False
        self.seq = 0
        # When set: each publish says it started, then waits for `gate` (a publish in flight).
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def publish(self, topic: str, kind: str, data: Any) -> Event:
        if self.gate is not None:
            self.started.set()
            await self.gate.wait()
        if self.failures.get(topic):
            self.failures[topic] -= 1
            raise Unavailable(message="The event broker cannot be reached.")
        self.seq += 1
        self.out.append((topic, kind))
        return Event(topic, self.seq, b"", "test-epoch")

    async def ping(self) -> None:
        if self.down:
            raise ConnectionError("refused")


async def drained(announcer: Announcer) -> None:
    async with asyncio.timeout(5):
        while announcer.waiting():
            await asyncio.sleep(0.001)


async def test_what_the_broker_refuses_is_retried_in_order_and_later_events_wait_behind_it():
    broker = Broker()
    announcer = Announcer(broker.publish, broker.ping, delays=(0.001,))
    broker.failures["forum:1"] = 3  # the first event, and its first two retries
    first = await announcer.stored([("forum:1", "a", {}), ("forum:2", "x", {})])
    second = await announcer.stored([("forum:1", "b", {})])  # queued behind "a"
    assert [e.seq if e else None for e in first + second] == [None, 1, None]
    await drained(announcer)
    assert broker.out == [("forum:2", "x"), ("forum:1", "a"), ("forum:1", "b")]


async def test_a_broker_that_cannot_be_reached_refuses_before_storing():
    broker = Broker()
    broker.down = True
    announcer = Announcer(broker.publish, broker.ping)
    with pytest.raises(Unavailable) as refused:
        await announcer.ready()
    assert refused.value.code == "unavailable"


async def test_past_the_limit_the_oldest_waiting_event_is_dropped_not_the_process_grown():
    broker = Broker()
    broker.failures["forum:1"] = 10**6
    announcer = Announcer(broker.publish, broker.ping, delays=(60,), limit=2)
    await announcer.stored([("forum:1", kind, {}) for kind in "abc"])
    assert announcer.waiting() == 2
    announcer.close()
    assert announcer.waiting() == 0


async def test_past_the_limit_the_oldest_of_all_topics_is_dropped_not_the_newest():
    broker = Broker()
    broker.failures = {"forum:1": 10**6, "forum:2": 10**6}
    announcer = Announcer(broker.publish, broker.ping, delays=(0.001,), limit=2)
    await announcer.stored([("forum:1", "a", {}), ("forum:1", "b", {})])
    # forum:2 has no queue yet: its event is the newest of all and must not be the one lost.
    await announcer.stored([("forum:2", "c", {})])
    assert announcer.waiting() == 2
    broker.failures.clear()
    await drained(announcer)
    assert sorted(broker.out) == [("forum:1", "b"), ("forum:2", "c")]


async def test_an_event_dropped_while_its_retry_is_out_does_not_take_the_next_one_with_it():
    broker = Broker()
    broker.failures["forum:1"] = 1
    announcer = Announcer(broker.publish, broker.ping, delays=(0.001,), limit=2)
    await announcer.stored([("forum:1", "a", {})])
    broker.gate = asyncio.Event()
    await broker.started.wait()  # the retry of "a" is out
    await announcer.stored([("forum:1", "b", {}), ("forum:1", "c", {})])  # "a" is dropped
    broker.gate.set()
    await drained(announcer)
    # "a" went out all the same (it was already on its way); "b" and "c" too, once each.
    assert broker.out == [("forum:1", "a"), ("forum:1", "b"), ("forum:1", "c")]


async def test_a_control_message_the_broker_refuses_is_retried_in_order():
    broker = Broker()
    told: list[str] = []
    refusals = [1]

    async def announce(kind: str, data: Any) -> None:
        if refusals[0]:
            refusals[0] -= 1
            raise Unavailable(message="The event broker cannot be reached.")
        told.append(kind)

    announcer = Announcer(broker.publish, broker.ping, control=announce, delays=(0.001,))
    assert await announcer.control("topic.evict", {"topic": "forum:1"}) is False
    assert await announcer.control("topic.recheck", {"topic": "backstage:1"}) is False  # behind
    assert announcer.waiting() == 2
    await drained(announcer)
    assert told == ["topic.evict", "topic.recheck"]
