"""The Redis broker: what several server processes share.

Per topic, under one hash tag so a Redis Cluster keeps a topic on one shard:
    expo:{forum:3}:seq       INCR counter: the topic's gap-free sequence (TTL a week, refreshed)
    expo:{forum:3}:log       Stream of envelopes, id `<ms>-<seq>` (Redis's ms), trimmed exactly to
                             the replay window: the last `replay_seconds`, at most
                             `replay_window` entries (TTL twice the window, refreshed)
    expo:{forum:3}:epoch     random string; a new one means the log was lost (Redis restarted,
                             or the topic's keys expired); TTL as the seq's
    expo:{forum:3}:events    pub/sub channel, messages `<epoch> <seq> <envelope>`
    expo:pile:{<key>}        hash name -> count, gathered by all processes (reactions)
    expo:pile:{<key>}:taken  set (with a TTL of the window) when a process took the pile
What is about the processes themselves shares the hash tag `{processes}` (one slot), as its
scripts read every process's keys:
    expo:{processes}                     sorted set process-id -> last heartbeat (Redis's ms)
    expo:{processes}:presence:<process>  hash topic -> that process's subscribers, replaced
                                         every interval
    expo:{processes}:roster:<process>    hash topic -> JSON list of that process's roster
                                         people, likewise
    expo:{processes}:sockets:<account>   hash process-id -> the account's open sockets there
    expo:control                         pub/sub channel to every process (not numbered)
Numbering, storing and publishing happen in one Lua script, so seq order is publish order.
Presence is one script call per process and interval, whatever the number of topics: it replaces
the process's two hashes and reads every live process's (so it costs O(processes), never
O(topics) commands). Only topic kinds that show an audience are in them.

On a Redis Cluster (expo/redis_pool.py) the topics spread over the masters by their hash tags,
and so does fanout: events go out with SPUBLISH from the topic's own script and are heard with
SSUBSCRIBE on its master (expo/realtime/redis_listener.py); the control channel is sharded too
(every process listens to it on the master of its slot). On one Redis, classic PUBLISH and
SUBSCRIBE, which every Redis version has.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import TimeoutError as RedisTimeoutError

from expo.realtime.broker import (
    PILE_WINDOWS,
    BrokerTimeout,
    BrokerUnavailable,
    Event,
    History,
    Presence,
    Sink,
)
from expo.realtime.envelope import event_parts
from expo.realtime.redis_listener import ClusterListener, ServerListener
from expo.redis_pool import FAILURES, pooled_client, text

log = logging.getLogger("expo.broker")

PROCESS_TTL_MS = 5000
CHANNEL_PREFIX = "expo:{"
CONTROL_CHANNEL = "expo:control"
PROCESSES = "expo:{processes}"

# Redis's clock, in ms, as `now`: every time compared across processes (log stamps, the
# window's trim, heartbeats) is Redis's, so a process whose clock is off (its time sync failed)
# neither trims the others' events early nor looks dead. Scripts that read TIME and then write
# are fine: Redis 5 and later replicate their effects, not the script.
NOW = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
"""

# A topic's history begins (first use, Redis lost its data, or the topic was quiet so long that
# its keys expired) with a new epoch, the seq at 0 and an empty log, all at once: seqs never
# start again under the old epoch. KEYS: seq, log, epoch. ARGV: a new epoch, the keys' TTL (ms).
BEGIN = """
local epoch = redis.call('GET', KEYS[3])
if not epoch or redis.call('EXISTS', KEYS[1]) == 0 then
  epoch = ARGV[1]
  redis.call('SET', KEYS[3], epoch, 'PX', ARGV[2])
  redis.call('SET', KEYS[1], 0, 'PX', ARGV[2])
  redis.call('DEL', KEYS[2])
end
"""

# Returns {seq, epoch}. Every message carries its epoch, so a listener can tell a new history
# from the old one whatever the seqs. Log entries have the id `<ms>-<seq>`, so the log is
# trimmed by time (MINID) as well as by count (MAXLEN), both in Redis's time (NOW), never in
# the publisher's; ms never goes back, even when Redis's clock does. Every key's TTL is
# refreshed. KEYS: seq, log, epoch, channel. ARGV: BEGIN's, head, tail, the window (ms), cap,
# the log's TTL (ms). `{publish}` is PUBLISH on one Redis, SPUBLISH on a cluster (the channel
# is a key of the script's slot, so the event goes out from the master that numbered it).
PUBLISH = (
    BEGIN
    + NOW
    + """
local seq = redis.call('INCR', KEYS[1])
local payload = ARGV[3] .. seq .. ARGV[4]
if redis.pcall('XADD', KEYS[2], string.format('%d-%d', now, seq), 'p', payload)['err'] then
  -- Redis's clock stepped back (time sync, a failover): go on from the newest entry's ms
  local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1][1]
  redis.call('XADD', KEYS[2], string.match(newest, '^(%d+)-') .. '-' .. seq, 'p', payload)
end
redis.call('XTRIM', KEYS[2], 'MINID', string.format('%d', now - tonumber(ARGV[5])))
redis.call('XTRIM', KEYS[2], 'MAXLEN', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('{publish}', KEYS[4], epoch .. ' ' .. seq .. ' ' .. payload)
return {seq, epoch}
"""
)

# A new epoch if the topic's is still ARGV[1] (compare and set: one per failover, however many
# processes notice it); returns the epoch now. KEYS: epoch. ARGV: the old epoch, a new one.
NEW_EPOCH = """
local epoch = redis.call('GET', KEYS[1])
if epoch == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return ARGV[2]
end
return epoch or ''
"""

# Returns {epoch, current seq, the newest entries after ARGV[3] (newest first) or false when
# not asked}. The log is gap-free, so the entries after `since` are the last `seq - since`;
# an empty list when the cap could not hold them. KEYS: as BEGIN's. ARGV: BEGIN's, since, cap.
HISTORY = (
    BEGIN
    + """
local seq = tonumber(redis.call('GET', KEYS[1]))
if ARGV[3] == '' then return {epoch, seq, false} end
local missed = seq - tonumber(ARGV[3])
if missed <= 0 or missed > tonumber(ARGV[4]) then return {epoch, seq, {}} end
return {epoch, seq, redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', missed)}
"""
)


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


PRESENCE_PREFIX = PROCESSES + ":presence:"
ROSTER_PREFIX = PROCESSES + ":roster:"
SOCKETS_PREFIX = PROCESSES + ":sockets:"
# Lua's unpack() has a stack limit: arguments go to HSET / HMGET in slices of this many.
SLICE = 1000

# Report this process's presence (unless ARGV[3] is '0') and read every live process's, in one
# call. KEYS: expo:{processes}, then this process's presence and roster hashes (the others'
# are read by name: all in the slot of `{processes}`, which one master serves). ARGV: process id,
# how long a process counts as alive after its last report (ms, in Redis's time), write?, then
# the lengths nc, nr, wc, wr and the lists: nc (topic, count) pairs, nr (topic, JSON) pairs, wc
# topics whose counts and wr topics whose rosters are wanted. Returns per live process
# {counts (HMGET order), rosters (HMGET order)}.
EXCHANGE_PRESENCE = (
    NOW
    + f"""
local ttl = tonumber(ARGV[2])
local nc, nr = tonumber(ARGV[4]), tonumber(ARGV[5])
local wc, wr = tonumber(ARGV[6]), tonumber(ARGV[7])
local function sliced(command, key, from, count)
  local out = {{}}
  for first = from, from + count - 1, {SLICE} do
    local last = math.min(first + {SLICE} - 1, from + count - 1)
    local part = redis.call(command, key, unpack(ARGV, first, last))
    if type(part) == 'table' then
      for i = 1, #part do out[#out + 1] = part[i] end
    end
  end
  return out
end
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 10 * ttl)
  redis.call('DEL', KEYS[2], KEYS[3])
  if nc > 0 then
    sliced('HSET', KEYS[2], 8, 2 * nc)
    redis.call('PEXPIRE', KEYS[2], 6 * ttl)
  end
  if nr > 0 then
    sliced('HSET', KEYS[3], 8 + 2 * nc, 2 * nr)
    redis.call('PEXPIRE', KEYS[3], 6 * ttl)
  end
end
local result = {{}}
if wc + wr == 0 then return result end
local wanted = 8 + 2 * nc + 2 * nr
for _, process in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now - ttl, '+inf')) do
  local counts, people = {{}}, {{}}
  if wc > 0 then counts = sliced('HMGET', '{PRESENCE_PREFIX}' .. process, wanted, wc) end
  if wr > 0 then people = sliced('HMGET', '{ROSTER_PREFIX}' .. process, wanted + wc, wr) end
  result[#result + 1] = {{counts, people}}
end
return result
"""
)


# Every error Redis can give, not only a lost connection: an answer such as READONLY (a replica
# during a failover) or OOM (maxmemory reached) also means "not taken", and must be kept and
# retried like one, not escape as `internal` after the row is stored. (On a cluster, also the
# cluster client's own errors: no master reachable, a slot none serves.)
_FAILURES = FAILURES


@contextmanager
def _reachable() -> Iterator[None]:
    """Redis' errors as the broker's own, which callers know to handle: the one place where
    what Redis refused becomes `BrokerUnavailable` (or `BrokerTimeout`: it may have happened)."""
    try:
        yield
    except RedisTimeoutError as error:
        raise BrokerTimeout(f"redis: {error}") from error
    except _FAILURES as error:
        raise BrokerUnavailable(f"redis: {error}") from error


# One more socket for an account unless its live processes hold `limit` already; entries of
# processes that stopped heartbeating are dropped on the way. KEYS: the account's sockets,
# expo:{processes}. ARGV: process id, limit, how long a process counts as alive (ms).
ACQUIRE_SOCKET = (
    NOW
    + """
redis.call('ZADD', KEYS[2], now, ARGV[1])
local alive = {}
for _, p in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], now - tonumber(ARGV[3]), '+inf')) do
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
)


def _key(topic: str, part: str) -> str:
    return f"expo:{{{topic}}}:{part}"


# A topic's seq and epoch outlive a quiet week; when they expire, the topic starts a new epoch.
TOPIC_KEEP_MS = 7 * 24 * 3600 * 1000


class RedisBroker:
    def __init__(
        self,
        url: str,
        *,
        replay_window: int = 10_000,
        replay_seconds: float = 300.0,
        pool_size: int | None = None,
    ) -> None:
        self._url = url
        self._window = replay_window
        self._window_ms = int(replay_seconds * 1000)
        self._process = secrets.token_hex(6)
        # A blocking pool: a burst of handshakes (the socket quota) waits for a connection
        # instead of failing with "Too many connections" (expo/redis_pool.py).
        pool = {"max_connections": pool_size} if pool_size else {}
        self._redis = pooled_client(url, health_check_interval=10, socket_connect_timeout=5, **pool)
        self._sharded = isinstance(self._redis, RedisCluster)
        command = "SPUBLISH" if self._sharded else "PUBLISH"
        self._publish = self._redis.register_script(PUBLISH.replace("{publish}", command))
        self._history = self._redis.register_script(HISTORY)
        self._new_epoch = self._redis.register_script(NEW_EPOCH)
        self._acquire_socket = self._redis.register_script(ACQUIRE_SOCKET)
        self._gather = self._redis.register_script(GATHER)
        self._exchange_presence = self._redis.register_script(EXCHANGE_PRESENCE)
        self._listening: set[str] = set()
        self._listener: ServerListener | ClusterListener | None = None
        self._sink: Sink | None = None

    async def start(self, sink: Sink) -> None:
        self._sink = sink
        if isinstance(self._redis, RedisCluster):
            self._listener = ClusterListener(self._redis, self._deliver, self._resync)
        else:
            self._listener = ServerListener(self._redis, self._deliver, self._resync, sharded=False)
        await self._listener.start([CONTROL_CHANNEL])

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
        try:
            await self._redis.zrem(PROCESSES, self._process)
            await self._redis.delete(PRESENCE_PREFIX + self._process, ROSTER_PREFIX + self._process)
        except _FAILURES:
            pass
        await self._redis.aclose()

    async def ping(self) -> None:
        with _reachable():
            await self._redis.ping()

    async def publish(self, topic: str, event_type: str, data: Any) -> Event:
        head, tail = event_parts(event_type, topic, data)
        keys = [_key(topic, "seq"), _key(topic, "log"), _key(topic, "epoch"), _key(topic, "events")]
        args = [
            *self._begin_args(),
            head,
            tail,
            self._window_ms,
            self._window,
            # Longer than the window: what is in it is kept, a quiet topic's log goes.
            2 * self._window_ms,
        ]
        with _reachable():
            seq_raw, epoch = await self._publish(keys=keys, args=args)
        seq = int(seq_raw)
        return Event(topic, seq, head + str(seq).encode() + tail, epoch.decode())

    async def announce(self, message: bytes) -> None:
        with _reachable():
            if self._sharded:
                await self._redis.spublish(CONTROL_CHANNEL, message)
            else:
                await self._redis.publish(CONTROL_CHANNEL, message)

    async def listen(self, topic: str) -> None:
        self._listening.add(topic)
        assert self._listener is not None, "start() the broker first"
        with _reachable():
            await self._listener.add(_key(topic, "events"))

    async def unlisten(self, topic: str) -> None:
        self._listening.discard(topic)
        if self._listener is not None:
            await self._listener.remove(_key(topic, "events"))

    async def history(self, topic: str, since: int | None) -> History:
        keys = [_key(topic, "seq"), _key(topic, "log"), _key(topic, "epoch")]
        args = [*self._begin_args(), "" if since is None else str(since), self._window]
        with _reachable():
            epoch_raw, current, entries = await self._history(keys=keys, args=args)
        epoch, current = epoch_raw.decode(), int(current)
        if since is None or since == current:
            return History(epoch, current, [])
        events = [
            Event(topic, int(entry_id.split(b"-")[1]), fields[b"p"], epoch)
            for entry_id, fields in reversed(_pairs(entries))
        ]
        if since > current or not events or events[0].seq != since + 1:
            return History(epoch, current, None)  # the window no longer holds all of them
        return History(epoch, current, events)

    async def new_epoch(self, topic: str, old: str) -> str:
        with _reachable():
            epoch = await self._new_epoch(
                keys=[_key(topic, "epoch")], args=[old, secrets.token_hex(8)]
            )
        return text(epoch) if epoch else old

    def _begin_args(self) -> list[Any]:
        return [secrets.token_hex(8), TOPIC_KEEP_MS]

    async def exchange_presence(
        self, here: Presence, counts_of: Collection[str], rosters_of: Collection[str]
    ) -> Presence:
        return await self._exchange(here, list(counts_of), list(rosters_of))

    async def presence(self, topics: Iterable[str]) -> dict[str, int]:
        return (await self._exchange(None, list(topics), [])).counts

    async def _exchange(
        self, here: Presence | None, counts_of: list[str], rosters_of: list[str]
    ) -> Presence:
        """One EXCHANGE_PRESENCE call: report `here` (None: only read), sum what comes back."""
        counts = {t: n for t, n in here.counts.items() if n} if here else {}
        rosters = {t: p for t, p in here.rosters.items() if p} if here else {}
        args: list[Any] = [self._process, PROCESS_TTL_MS]
        args += ["0" if here is None else "1", len(counts), len(rosters)]
        args += [len(counts_of), len(rosters_of)]
        for topic, n in counts.items():
            args += [topic, n]
        for topic, people in rosters.items():
            args += [topic, orjson.dumps(people)]
        args += counts_of + rosters_of
        keys = [PROCESSES, PRESENCE_PREFIX + self._process, ROSTER_PREFIX + self._process]
        with _reachable():
            per_process = await self._exchange_presence(keys=keys, args=args)
        totals = dict.fromkeys(counts_of, 0)
        people_by_topic: dict[str, dict[int, dict[str, Any]]] = {t: {} for t in rosters_of}
        for process_counts, process_rosters in per_process:
            for topic, n in zip(counts_of, process_counts, strict=True):
                if n is not None:
                    totals[topic] += int(n)
            for topic, raw in zip(rosters_of, process_rosters, strict=True):
                if raw is not None:
                    for person in orjson.loads(raw):
                        people_by_topic[topic][person["account_id"]] = person
        return Presence(
            totals,
            {t: [people[k] for k in sorted(people)] for t, people in people_by_topic.items()},
        )

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
        with _reachable():
            return bool(
                await self._acquire_socket(
                    keys=[f"{SOCKETS_PREFIX}{account_id}", PROCESSES],
                    args=[self._process, limit, PROCESS_TTL_MS],
                )
            )

    async def release_socket(self, account_id: int) -> None:
        key = f"{SOCKETS_PREFIX}{account_id}"
        with _reachable():
            if await self._redis.hincrby(key, self._process, -1) <= 0:
                await self._redis.hdel(key, self._process)

    def _resync(self) -> None:
        if self._sink is not None:
            self._sink.resync()

    def _deliver(self, channel: bytes, data: bytes) -> None:
        if channel == CONTROL_CHANNEL.encode():
            if self._sink is not None:
                self._sink.control(data)
            return
        # channel is b"expo:{<topic>}:events", data b"<epoch> <seq> <envelope>"
        topic = channel[len(CHANNEL_PREFIX) : -len("}:events")].decode()
        epoch, seq_raw, payload = data.split(b" ", 2)
        if self._sink is not None and topic in self._listening:
            self._sink.deliver(Event(topic, int(seq_raw), payload, epoch.decode()))


def _pairs(entries: list[Any]) -> list[tuple[bytes, dict[bytes, bytes]]]:
    # Through Lua, XRANGE's field lists arrive flat: [id, [k1, v1, ...]].
    out = []
    for entry_id, flat in entries:
        out.append((entry_id, dict(zip(flat[::2], flat[1::2], strict=True))))
    return out
