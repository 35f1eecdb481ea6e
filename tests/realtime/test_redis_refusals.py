"""Redis answering with an error instead of going away: a replica that became read-only in a
failover (READONLY), a server at maxmemory (OOM). Either is "the broker did not take it" like a
dropped connection: a stored event is kept and sent again, a repair reads the log again. Each
test runs its own redis-server, since it turns it read-only or full."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from expo.ratelimit import Rate, RedisLimiter
from expo.realtime.broker import BrokerUnavailable
from expo.realtime.hub import Hub
from expo.realtime.redis_broker import RedisBroker
from tests.redis_server import RedisServer, redis_server
from tests.unit.test_hub import Recorder
from tests.waiting import eventually


@pytest.fixture
async def redis() -> AsyncIterator[tuple[RedisServer, aioredis.Redis]]:
    async with redis_server() as server:
        admin = aioredis.from_url(server.url)
        try:
            yield server, admin
        finally:
            await admin.aclose()


async def read_only(admin: aioredis.Redis) -> None:
    # A replica of a master that is not there: it keeps its data and refuses every write.
    await admin.execute_command("REPLICAOF", "127.0.0.1", "1")


async def writable(admin: aioredis.Redis) -> None:
    await admin.execute_command("REPLICAOF", "NO", "ONE")


class Sink:
    def deliver(self, event: object) -> None:
        pass

    def resync(self) -> None:
        pass

    def control(self, message: bytes) -> None:
        pass


async def test_redis_refusing_a_write_is_the_broker_being_unavailable(redis):
    server, admin = redis
    broker = RedisBroker(server.url)
    await broker.start(Sink())
    try:
        await broker.publish("forum:1", "chat.message_posted", {})
        await read_only(admin)
        with pytest.raises(BrokerUnavailable, match="read only"):
            await broker.publish("forum:1", "chat.message_posted", {})
        with pytest.raises(BrokerUnavailable, match="read only"):
            await broker.history("forum:2", None)  # a new topic's log is begun: a write
        await writable(admin)
        await admin.config_set("maxmemory", "1")
        with pytest.raises(BrokerUnavailable, match="maxmemory"):
            await broker.publish("forum:1", "chat.message_posted", {})
        await admin.config_set("maxmemory", "0")
        assert (await broker.publish("forum:1", "chat.message_posted", {})).seq == 2
    finally:
        await broker.close()


async def test_a_stored_event_redis_refuses_is_kept_and_goes_out_once_it_takes_writes(redis):
    server, admin = redis
    hub = Hub(RedisBroker(server.url), presence_interval=3600)
    await hub.start()
    room = Recorder()
    try:
        await hub.subscribe(room, "forum:1", None, None)
        await read_only(admin)
        sent = await hub.publish_stored([("forum:1", "chat.message_posted", {"n": 1})])
        assert (sent, hub.announcer.waiting()) == ([None], 1)
        await writable(admin)
        await eventually(lambda: room.seqs() == [1])
        assert hub.announcer.waiting() == 0
    finally:
        await hub.close()


async def test_a_repair_whose_log_read_redis_refuses_reads_it_again(redis, caplog):
    server, admin = redis
    hub = Hub(RedisBroker(server.url), presence_interval=3600)
    await hub.start()
    room = Recorder()
    try:
        await hub.subscribe(room, "forum:1", None, None)
        await hub.publish("forum:1", "chat.message_posted", {})
        await eventually(lambda: room.seqs() == [1])
        # The log is lost and Redis is full: reading it would begin a new one, refused (OOM).
        await admin.flushall()
        await admin.config_set("maxmemory", "1")
        hub.resync()
        await eventually(
            lambda: any(r.getMessage().startswith("topic repair failed") for r in caplog.records)
        )
        await admin.config_set("maxmemory", "0")
        # Read again once Redis takes writes: the new epoch resets the subscriber.
        await eventually(lambda: any(f["type"] == "subscription.reset" for f in room.frames))
    finally:
        await hub.close()


async def test_a_rate_limit_redis_refuses_is_decided_in_this_process(redis):
    """The other shared use of Redis: a budget Redis refuses to update (OOM) is decided here,
    as when Redis cannot be reached, not an `internal` error for the command."""
    server, admin = redis
    limiter = RedisLimiter(server.url)
    try:
        await admin.config_set("maxmemory", "1")
        decision = await limiter.hit("chat:1", Rate(5, 10))
        await admin.config_set("maxmemory", "0")
    finally:
        await limiter.close()
    assert decision.allowed
