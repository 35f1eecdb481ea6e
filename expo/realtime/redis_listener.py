"""The Redis broker's ears: pub/sub connections that carry the channels this process listens to,
resubscribe after a lost link and say so (the hub then repairs every topic from its log).

- One Redis: one connection, classic SUBSCRIBE (`ServerListener`, `sharded=False`).
- A Redis Cluster: sharded pub/sub (SSUBSCRIBE, Redis >= 7), where a channel lives on the master
  that holds its hash slot, so one connection per master, each read by its own task
  (`ClusterListener`). A message published with SPUBLISH reaches the subscribers of its shard
  only, never the whole cluster's bus: fanout spreads over the masters as the topics do.

redis-py's `ClusterPubSub` polls every master in turn from one reader and keeps a lost master's
error to itself while another answers: a link lost and found again would never be heard of, and
what was published meanwhile would wait, unrepaired, for the topic's next event. So each master
has a `ServerListener` of its own, which reconnects as the single Redis's does and tells.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.crc import key_slot
from redis.exceptions import SlotNotCoveredError

from expo.redis_pool import FAILURES

log = logging.getLogger("expo.broker")

OnMessage = Callable[[bytes, bytes], None]  # channel, data
OnBack = Callable[[], None]  # live delivery was interrupted and is back: repair


class ChannelDropped(Exception):
    """The server unsubscribed a shard channel we still listen to: its slot moved elsewhere."""


# What makes a listener start again: a lost link, anything Redis refused, a dropped channel.
LOST: tuple[type[BaseException], ...] = (*FAILURES, ChannelDropped)


class ServerListener:
    """The channels this process hears from one Redis server, on one pub/sub connection."""

    def __init__(
        self,
        client: aioredis.Redis,
        on_message: OnMessage,
        on_back: OnBack,
        *,
        sharded: bool,
        regroup: Callable[[ServerListener], Awaitable[None]] | None = None,
    ) -> None:
        self._client = client
        self._on_message = on_message
        self._on_back = on_back
        self._sharded = sharded
        # Called before resubscribing after a loss: may take channels away (to other masters).
        self._regroup = regroup
        self._kinds = ("smessage",) if sharded else ("message",)
        self.channels: set[str] = set()
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        # redis-py's PubSub opens its connection on first use, unguarded: two subscribes at
        # once on a fresh one (the reader resubscribing, a page following a topic) open one
        # each, and the reader reads only the last. One (un)subscribe at a time.
        self._subscribing = asyncio.Lock()
        # Set once the pub/sub has a connection to read (its first subscribe): a master none of
        # whose channels is listened to yet has nothing to read, and redis-py raises if asked.
        self._connected = asyncio.Event()

    async def start(self, channels: Iterable[str]) -> None:
        """Subscribe and start reading; a server out of reach is retried by the reader (which
        calls `on_back` once it is through)."""
        self.channels.update(channels)
        self._pubsub = self._new_pubsub()
        try:
            async with self._subscribing:
                await self._subscribe(self._pubsub, self.channels)
            connected = True
        except FAILURES as error:
            # Not fatal: the process is unready (/readyz) and the reader keeps trying.
            log.warning("redis pub/sub unreachable at start", extra={"error": str(error)})
            connected = False
        self._reader = asyncio.create_task(
            self._read(broken=not connected), name="expo-redis-reader"
        )

    async def add(self, channel: str) -> None:
        """Hear `channel` from now on. Raises what Redis raised; the channel is kept all the
        same, and subscribed again with the others when the reader reconnects."""
        self.channels.add(channel)
        assert self._pubsub is not None, "start() the listener first"
        async with self._subscribing:
            await self._subscribe(self._pubsub, [channel])

    async def remove(self, channel: str) -> None:
        self.channels.discard(channel)
        if self._pubsub is None:
            return
        async with self._subscribing:
            try:
                if self._sharded:
                    await self._pubsub.sunsubscribe(channel)
                else:
                    await self._pubsub.unsubscribe(channel)
            except FAILURES:
                pass  # the reader resubscribes only what is still listened to

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
        if self._pubsub is not None:
            try:
                await self._pubsub.aclose()
            except FAILURES:
                pass

    def _new_pubsub(self) -> PubSub:
        # A shard channel's SUNSUBSCRIBE may come from the server (its slot moved): read them.
        return self._client.pubsub(ignore_subscribe_messages=not self._sharded)

    async def _subscribe(self, pubsub: PubSub, channels: Iterable[str]) -> None:
        if not self._sharded:
            if channels := list(channels):
                await pubsub.subscribe(*channels)
        else:
            # One SSUBSCRIBE names channels of one slot only (else CROSSSLOT).
            by_slot: dict[int, list[str]] = defaultdict(list)
            for channel in channels:
                by_slot[key_slot(channel.encode())].append(channel)
            for same_slot in by_slot.values():
                await pubsub.ssubscribe(*same_slot)
        if pubsub.connection is not None:
            self._connected.set()

    async def _read(self, broken: bool) -> None:
        """Pump pub/sub into `on_message`; after a lost connection, resubscribe and resync."""
        backoff = 0.1
        while True:
            try:
                if broken:
                    await self._reconnect()
                    broken, backoff = False, 0.1
                assert self._pubsub is not None
                if self._pubsub.connection is None:
                    await self._connected.wait()
                    continue
                message = await self._pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] in self._kinds:
                    self._on_message(message["channel"], message["data"])
                elif message["type"] == "sunsubscribe":
                    if message["channel"].decode() in self.channels:
                        raise ChannelDropped(message["channel"].decode())
            except asyncio.CancelledError:
                raise
            except LOST as error:
                log.warning("redis pub/sub lost; reconnecting", extra={"error": repr(error)})
                broken = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _reconnect(self) -> None:
        if self._regroup is not None:
            await self._regroup(self)
        async with self._subscribing:
            self._connected.clear()
            old, self._pubsub = self._pubsub, self._new_pubsub()
            if old is not None:
                try:
                    await old.aclose()
                except FAILURES:
                    pass
            await self._subscribe(self._pubsub, self.channels)
        self._on_back()


class ClusterListener:
    """The channels this process hears from a Redis Cluster: each on the master that holds its
    slot, one `ServerListener` (and one plain client) per master.

    The masters are learnt from the cluster client's map of slots when Redis is first reached;
    until then what is listened to waits (and `add` raises, as a single Redis out of reach
    does). Whenever a master's listener loses its link, or the master drops a channel (its slot
    moved: Redis sends SUNSUBSCRIBE), the map is read again before it resubscribes, and each of
    its channels whose slot is now another master's goes to that master's listener: resharding
    and a replica promoted on failover are followed, and the hub repairs what was missed.
    """

    def __init__(self, cluster: RedisCluster, on_message: OnMessage, on_back: OnBack) -> None:
        self._cluster = cluster
        self._on_message = on_message
        self._on_back = on_back
        self._masters: dict[str, tuple[aioredis.Redis, ServerListener]] = {}
        self._waiting: set[str] = set()  # listened to before the masters were known
        self._mapped = asyncio.Event()
        self._mapping: asyncio.Task[None] | None = None

    async def start(self, channels: Iterable[str]) -> None:
        self._waiting.update(channels)
        try:
            await self._map()
        except FAILURES as error:
            log.warning("redis cluster unreachable at start", extra={"error": str(error)})
            self._mapping = asyncio.create_task(self._map_until_reached(), name="expo-redis-map")

    async def add(self, channel: str) -> None:
        if not self._mapped.is_set():
            self._waiting.add(channel)
            raise ConnectionError("redis cluster: not reached yet")
        await (await self._listener(channel)).add(channel)

    async def remove(self, channel: str) -> None:
        self._waiting.discard(channel)
        # Wherever it is subscribed, without asking the map (it may have moved since).
        for _client, listener in list(self._masters.values()):
            if channel in listener.channels:
                await listener.remove(channel)

    async def close(self) -> None:
        if self._mapping is not None:
            self._mapping.cancel()
            try:
                await self._mapping
            except asyncio.CancelledError:
                pass
        for client, listener in self._masters.values():
            await listener.close()
            await client.aclose()
        self._masters.clear()

    async def _map(self) -> None:
        await self._cluster.initialize()
        by_master: dict[ClusterNode, list[str]] = defaultdict(list)
        for channel in self._waiting:
            by_master[self._master_of(channel)].append(channel)
        self._waiting.clear()
        self._mapped.set()
        for node, channels in by_master.items():
            await self._start_listener(node, channels)

    async def _map_until_reached(self) -> None:
        backoff = 0.1
        while True:
            await asyncio.sleep(backoff)
            try:
                await self._map()
            except FAILURES as error:
                log.warning("redis cluster still unreachable", extra={"error": repr(error)})
                backoff = min(backoff * 2, 5.0)
                continue
            self._on_back()
            return

    async def _regroup(self, listener: ServerListener) -> None:
        """Before `listener` resubscribes: read the map of slots again and hand each of its
        channels that another master holds now to that master's listener."""
        await self._cluster.nodes_manager.initialize()
        for channel in list(listener.channels):
            target = await self._listener(channel)
            if target is listener:
                continue
            listener.channels.discard(channel)
            try:
                await target.add(channel)
            except FAILURES:
                # Not taken there yet: back here, and moved again on this listener's next try.
                target.channels.discard(channel)
                listener.channels.add(channel)
                raise

    def _master_of(self, channel: str) -> ClusterNode:
        node = self._cluster.get_node_from_key(channel)
        if node is None:
            raise SlotNotCoveredError(f"no master serves the slot of {channel!r}")
        return node

    async def _listener(self, channel: str) -> ServerListener:
        node = self._master_of(channel)
        found = self._masters.get(node.name)
        if found is None:
            return await self._start_listener(node, [])
        return found[1]

    async def _start_listener(self, node: ClusterNode, channels: list[str]) -> ServerListener:
        found = self._masters.get(node.name)
        if found is not None:
            for channel in channels:
                await found[1].add(channel)
            return found[1]
        # A plain client on this master alone, with the cluster client's settings (TLS,
        # credentials, timeouts): SSUBSCRIBE of a slot it holds needs no routing.
        pool = aioredis.ConnectionPool(
            connection_class=node.connection_class, **node.connection_kwargs
        )
        client = aioredis.Redis.from_pool(pool)
        listener = ServerListener(
            client, self._on_message, self._on_back, sharded=True, regroup=self._regroup
        )
        self._masters[node.name] = (client, listener)
        await listener.start(channels)
        return listener
