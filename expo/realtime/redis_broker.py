"""The Redis broker: what several server processes share.

Per topic, under one hash tag so a Redis Cluster keeps a topic on one shard:
    expo:{forum:3}:seq       INCR counter: the topic's gap-free sequence
    expo:{forum:3}:log       Stream of envelopes, id `<seq>-0`, trimmed exactly to the replay window
    expo:{forum:3}:epoch     random string; a new one means the log was lost (Redis restarted)
    expo:{forum:3}:events    pub/sub channel, messages `<seq> <envelope>`
    expo:{forum:3}:presence  hash process-id -> subscribers on that process
    expo:{forum:3}:roster    hash process-id -> JSON list of roster people on that process
    expo:pile:{<key>}        hash name -> count, gathered by all processes (reactions)
    expo:pile:{<key>}:taken  set (with a TTL of the window) when a process took the pile
    expo:processes           sorted set process-id -> last heartbeat (ms)
    expo:sockets:<account>   hash process-id -> that account's open sockets on the process
Numbering, storing and publishing happen in one Lua script, so seq order is publish order.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from expo.realtime.broker import (
    PILE_WINDOWS,
    BrokerTimeout,
    BrokerUnavailable,
    Event,
    History,
    Sink,
)
from expo.realtime.envelope import event_parts
from expo.redis_pool import pooled_client

log = logging.getLogger("expo.broker")

PROCESS_TTL_MS = 5000
CHANNEL_PREFIX = "expo:{"
CONTROL_CHANNEL = "expo:control"

PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('SET', KEYS[3], ARGV[4]) end
local payload = ARGV[1] .. seq .. ARGV[2]
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], seq .. '-0', 'p', payload)
redis.call('PUBLISH', KEYS[4], seq .. ' ' .. payload)
return seq
"""

# Returns {epoch, current seq, entries after ARGV[1] or false when not asked}.
HISTORY = """
redis.call('SET', KEYS[3], ARGV[2], 'NX')
local epoch = redis.call('GET', KEYS[3])
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[1] == '' then return {epoch, seq, false} end
return {epoch, seq, redis.call('XRANGE', KEYS[2], tonumber(ARGV[1]) + 1 .. '-0', '+')}
"""


# Add ARGV[2..] (name, n pairs) to the pile; take it unless it was taken within ARGV[1] ms.
# The pile expires PILE_WINDOWS windows after its last addition (its adder died untaken).
GATHER = f"""
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
if #ARGV > 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1] * {PILE_WINDOWS}) end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) == false then return false end
local pile = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return pile
"""


_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)


@contextmanager
def _reachable() -> Iterator[None]:
    """Redis' connection errors as the broker's own, which callers know to handle."""
    try:
        yield
    except RedisTimeoutError as error:
        raise BrokerTimeout(f"redis: {error}") from error
    except _FAILURES as error:
        raise BrokerUnavailable(f"redis: {error}") from error


# One more socket for an account unless its live processes hold `limit` already; entries of
# processes that stopped heartbeating are dropped on the way.
ACQUIRE_SOCKET = """
redis.call('ZADD', KEYS[2], tonumber(ARGV[4]), ARGV[1])
local alive = {}
for _, p in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], tonumber(ARGV[3]), '+inf')) do
  alive[p] = true
end
alive[ARGV[1]] = true
local counts, total = redis.call('HGETALL', KEYS[1]), 0
for i = 1, #counts, 2 do
  if alive[counts[i]] then total = total + tonumber(counts[i + 1])
  else redis.call('HDEL', KEYS[1], counts[i]) end
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], 86400000)
return 1
"""


def _key(topic: str, part: str) -> str:
    return f"expo:{{{topic}}}:{part}"


class RedisBroker:
    def __init__(
        self, url: str, *, replay_window: int = 1000, pool_size: int | None = None
    ) -> None:
        self._url = url
        self._window = replay_window
        self._process = secrets.token_hex(6)
        # A blocking pool: a burst of handshakes (the socket quota) waits for a connection
        # instead of failing with "Too many connections" (expo/redis_pool.py).
        pool = {"max_connections": pool_size} if pool_size else {}
        self._redis = pooled_client(url, health_check_interval=10, socket_connect_timeout=5, **pool)
        self._publish = self._redis.register_script(PUBLISH)
        self._history = self._redis.register_script(HISTORY)
        self._acquire_socket = self._redis.register_script(ACQUIRE_SOCKET)
        self._gather = self._redis.register_script(GATHER)
        self._listening: set[str] = set()
        self._pubsub: aioredis.client.PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._sink: Sink | None = None

    async def start(self, sink: Sink) -> None:
        self._sink = sink
        self._pubsub = self._new_pubsub()
        try:
            with _reachable():
                await self._pubsub.subscribe(CONTROL_CHANNEL)
            connected = True
        except BrokerUnavailable as error:
            # Not fatal: the process is unready (/readyz) and the reader keeps trying.
            log.warning("redis unreachable at start", extra={"error": str(error)})
            connected = False
        self._reader = asyncio.create_task(
            self._read(broken=not connected), name="expo-redis-reader"
        )

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
        if self._pubsub is not None:
            await self._pubsub.aclose()
        try:
            await self._redis.zrem("expo:processes", self._process)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            pass
        await self._redis.aclose()

    async def ping(self) -> None:
        with _reachable():
            await self._redis.ping()

    async def publish(self, topic: str, event_type: str, data: Any) -> Event:
        head, tail = event_parts(event_type, topic, data)
        keys = [_key(topic, "seq"), _key(topic, "log"), _key(topic, "epoch"), _key(topic, "events")]
        with _reachable():
            seq = int(
                await self._publish(
                    keys=keys, args=[head, tail, self._window, secrets.token_hex(8)]
                )
            )
        return Event(topic, seq, head + str(seq).encode() + tail)

    async def announce(self, message: bytes) -> None:
        with _reachable():
            await self._redis.publish(CONTROL_CHANNEL, message)

    async def listen(self, topic: str) -> None:
        self._listening.add(topic)
        assert self._pubsub is not None, "start() the broker first"
        with _reachable():
            await self._pubsub.subscribe(_key(topic, "events"))

    async def unlisten(self, topic: str) -> None:
        self._listening.discard(topic)
        if self._pubsub is not None:
            try:
                await self._pubsub.unsubscribe(_key(topic, "events"))
            except (RedisConnectionError, RedisTimeoutError, OSError):
                pass  # the reader resubscribes only what is still listened to

    async def history(self, topic: str, since: int | None) -> History:
        keys = [_key(topic, "seq"), _key(topic, "log"), _key(topic, "epoch")]
        args = ["" if since is None else str(since), secrets.token_hex(8)]
        with _reachable():
            epoch_raw, current, entries = await self._history(keys=keys, args=args)
        epoch, current = epoch_raw.decode(), int(current)
        if since is None or since == current:
            return History(epoch, current, [])
        events = [
            Event(topic, int(entry_id.split(b"-")[0]), fields[b"p"])
            for entry_id, fields in _pairs(entries)
        ]
        if since > current or not events or events[0].seq != since + 1:
            return History(epoch, current, None)
        return History(epoch, current, events)

    async def report_presence(self, counts: dict[str, int]) -> None:
        now = int(time.time() * 1000)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd("expo:processes", {self._process: now})
            pipe.zremrangebyscore("expo:processes", 0, now - 10 * PROCESS_TTL_MS)
            for topic, count in counts.items():
                key = _key(topic, "presence")
                if count:
                    pipe.hset(key, self._process, count)
                    pipe.pexpire(key, 6 * PROCESS_TTL_MS)
                else:
                    pipe.hdel(key, self._process)
            with _reachable():
                await pipe.execute()

    async def presence(self, topics: Iterable[str]) -> dict[str, int]:
        topics = list(topics)
        now = int(time.time() * 1000)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrangebyscore("expo:processes", now - PROCESS_TTL_MS, "+inf")
            for topic in topics:
                pipe.hgetall(_key(topic, "presence"))
            with _reachable():
                alive_raw, *hashes = await pipe.execute()
        alive = set(alive_raw)
        return {
            topic: sum(int(n) for proc, n in per_process.items() if proc in alive)
            for topic, per_process in zip(topics, hashes, strict=True)
        }

    async def report_roster(self, rosters: dict[str, list[dict[str, Any]]]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd("expo:processes", {self._process: int(time.time() * 1000)})
            for topic, people in rosters.items():
                key = _key(topic, "roster")
                if people:
                    pipe.hset(key, self._process, orjson.dumps(people))
                    pipe.pexpire(key, 6 * PROCESS_TTL_MS)
                else:
                    pipe.hdel(key, self._process)
            with _reachable():
                await pipe.execute()

    async def roster(self, topics: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        topics = list(topics)
        now = int(time.time() * 1000)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrangebyscore("expo:processes", now - PROCESS_TTL_MS, "+inf")
            for topic in topics:
                pipe.hgetall(_key(topic, "roster"))
            with _reachable():
                alive_raw, *hashes = await pipe.execute()
        alive = set(alive_raw)
        result: dict[str, list[dict[str, Any]]] = {}
        for topic, per_process in zip(topics, hashes, strict=True):
            people: dict[int, dict[str, Any]] = {}
            for proc, raw in per_process.items():
                if proc in alive:
                    for person in orjson.loads(raw):
                        people[person["account_id"]] = person
            result[topic] = [people[k] for k in sorted(people)]
        return result

    async def gather(
        self, key: str, counts: dict[str, int], window_ms: int
    ) -> dict[str, int] | None:
        args: list[Any] = [window_ms]
        for name, n in counts.items():
            args += [name, n]
        with _reachable():
            pile = await self._gather(
                keys=[f"expo:pile:{{{key}}}", f"expo:pile:{{{key}}}:taken"], args=args
            )
        if pile is None:
            return None
        return {k.decode(): int(v) for k, v in zip(pile[::2], pile[1::2], strict=True)}

    async def acquire_socket(self, account_id: int, limit: int) -> bool:
        now = int(time.time() * 1000)
        with _reachable():
            return bool(
                await self._acquire_socket(
                    keys=[f"expo:sockets:{account_id}", "expo:processes"],
                    args=[self._process, limit, now - PROCESS_TTL_MS, now],
                )
            )

    async def release_socket(self, account_id: int) -> None:
        key = f"expo:sockets:{account_id}"
        with _reachable():
            if await self._redis.hincrby(key, self._process, -1) <= 0:
                await self._redis.hdel(key, self._process)

    def _new_pubsub(self) -> aioredis.client.PubSub:
        return self._redis.pubsub(ignore_subscribe_messages=True)

    async def _read(self, broken: bool) -> None:
        """Pump pub/sub into the sink; after a lost connection, resubscribe and resync."""
        backoff = 0.1
        while True:
            try:
                if broken:
                    await self._reconnect()
                    broken, backoff = False, 0.1
                assert self._pubsub is not None
                message = await self._pubsub.get_message(timeout=1.0)
                if message is not None and message["type"] == "message":
                    self._deliver(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisConnectionError, RedisTimeoutError, OSError) as error:
                log.warning("redis pub/sub lost; reconnecting", extra={"error": repr(error)})
                broken = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _reconnect(self) -> None:
        old, self._pubsub = self._pubsub, self._new_pubsub()
        if old is not None:
            try:
                await old.aclose()
            except (RedisConnectionError, RedisTimeoutError, OSError):
                pass
        channels = [CONTROL_CHANNEL] + [_key(topic, "events") for topic in self._listening]
        await self._pubsub.subscribe(*channels)
        if self._sink is not None:
            self._sink.resync()

    def _deliver(self, channel: bytes, data: bytes) -> None:
        if channel == CONTROL_CHANNEL.encode():
            if self._sink is not None:
                self._sink.control(data)
            return
        # channel is b"expo:{<topic>}:events"
        topic = channel[len(CHANNEL_PREFIX) : -len("}:events")].decode()
        seq_raw, _, payload = data.partition(b" ")
        if self._sink is not None and topic in self._listening:
            self._sink.deliver(Event(topic, int(seq_raw), payload))


def _pairs(entries: list[Any]) -> list[tuple[bytes, dict[bytes, bytes]]]:
    # Through Lua, XRANGE's field lists arrive flat: [id, [k1, v1, ...]].
    out = []
    for entry_id, flat in entries:
        out.append((entry_id, dict(zip(flat[::2], flat[1::2], strict=True))))
    return out
