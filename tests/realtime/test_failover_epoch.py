"""A failover that loses the newest events (Redis replicates asynchronously: the promoted replica
may lack the last few) must not let their seqs mean other events under the same epoch.

A real Redis of the test's own stands for the topic's master; the failover's loss is made as it
would be found: the seq and the log end a few events earlier than what the processes delivered,
and the processes' pub/sub connections are cut (a failover breaks them; they reconnect and
repair their topics). A client that was away meanwhile, and resumes from the last seq it saw,
must be told to reload: resumed from a seq that now numbers another event, it would be told it
had missed nothing.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from expo.realtime.hub import Hub
from expo.realtime.redis_broker import RedisBroker
from tests.realtime.test_redis_restart import Recorder
from tests.redis_server import redis_server

TOPIC = "forum:1"
LOST = 3  # the newest events the promoted replica never received


async def lose_newest(url: str, count: int) -> None:
    """The topic's state as a replica that missed the last `count` events would hold it."""
    admin = aioredis.from_url(url)
    try:
        seq = int(await admin.get(f"expo:{{{TOPIC}}}:seq"))
        newest = await admin.xrevrange(f"expo:{{{TOPIC}}}:log", count=count)
        await admin.xdel(f"expo:{{{TOPIC}}}:log", *[entry_id for entry_id, _ in newest])
        await admin.set(f"expo:{{{TOPIC}}}:seq", seq - count, keepttl=True)
        await admin.client_kill_filter(_type="pubsub")  # the failover breaks every listener
    finally:
        await admin.aclose()


async def until(condition, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_a_failover_that_lost_events_starts_a_new_epoch_so_resumes_reload() -> None:
    async with redis_server() as server:
        hubs = [
            Hub(RedisBroker(server.url, replay_window=10_000), presence_interval=3600)
            for _ in range(2)
        ]
        for hub in hubs:
            await hub.start()
        try:
            watcher, away = Recorder(), Recorder()
            await hubs[1].subscribe(watcher, TOPIC, None, None)
            first = await hubs[0].subscribe(away, TOPIC, None, None)
            epoch = first["epoch"]
            for n in range(10):
                await hubs[0].publish(TOPIC, "chat.message_posted", {"n": n})
            await until(lambda: len(away.frames) == 10 and len(watcher.frames) == 10)
            last_seen = away.frames[-1]["seq"]
            await hubs[0].unsubscribe(away, TOPIC)  # the phone loses signal

            await lose_newest(server.url, LOST)
            # The watcher's process repairs the topic once its listener is back: told to reload.
            await until(lambda: watcher.frames[-1]["type"] == "subscription.reset")
            reset = watcher.frames[-1]["data"]
            assert reset["epoch"] != epoch and reset["seq"] == last_seen - LOST
            for n in range(10, 10 + LOST):  # numbered again from where the replica was
                await hubs[0].publish(TOPIC, "chat.message_posted", {"n": n})
            await until(lambda: watcher.frames[-1]["data"].get("n") == 10 + LOST - 1)
            assert [f["seq"] for f in watcher.frames[-LOST:]] == list(
                range(last_seen - LOST + 1, last_seen + 1)
            )

            back = Recorder()  # the phone again, resuming from the seq it saw last
            reply = await hubs[0].subscribe(back, TOPIC, last_seen, epoch)
            assert reply["reload"] is True, reply
            assert reply["epoch"] == reset["epoch"]
        finally:
            for hub in hubs:
                await hub.close()
