"""Redis clients sized for bursts, shared by the broker, the rate limiter, the queue lines and the
control room's reports; a single Redis or a Redis Cluster, as the URL says.

A URL names a cluster by its scheme: `redis+cluster://host:port` (`rediss+cluster://` with TLS),
the address of any one master, from which the client finds the others and which slots each holds.
Anything else (`redis://`, `rediss://`, `unix://`) is one Redis. The deployer says which, rather
than the client asking the server (`INFO cluster`) at start: clients are made without I/O (in
constructors, before Redis may be up), a wrong guess would change how every key is routed, and a
URL that says "cluster" fails loudly against a server that is not one.

redis-py's default pool refuses a command outright ("Too many connections") once 100 are in
use, and a reconnect storm has hundreds of handshakes asking Redis at once: the limiter then
read as unreachable and let them all in. A blocking pool makes a burst queue for a connection
instead (each Lua call holds one for well under a millisecond); only a connection that cannot
be had within `timeout` counts as Redis being unavailable. redis-py's cluster client has no
blocking pool (each node's pool refuses past its size), so `QueuedCluster` queues commands
itself: at most `max_connections` in flight per client, which no node's pool can then exceed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError

from expo.realtime.broker import BrokerUnavailable

# Connections one client keeps to Redis, at most (EXPO_REDIS_POOL_SIZE); on a cluster, commands
# in flight at once. The broker's pub/sub readers hold connections of their own.
POOL_SIZE = 50
# Seconds a command waits for a free connection before Redis counts as unavailable.
POOL_TIMEOUT = 5.0

CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}

# Everything a Redis client raises for "not done": lost links, refusals such as OOM or READONLY,
# and the cluster client's own (no node reachable, a slot no master serves) which are not
# RedisErrors.
FAILURES: tuple[type[BaseException], ...] = (RedisError, RedisClusterException, OSError)

Client = aioredis.Redis | RedisCluster


def is_cluster(url: str) -> bool:
    return urlsplit(url).scheme in CLUSTER_SCHEMES


def node_url(url: str) -> str:
    """A cluster URL as the plain URL of the node it names (redis-py's own scheme)."""
    parts = urlsplit(url)
    if parts.path.strip("/") not in ("", "0"):
        raise ValueError(f"a Redis Cluster has one database, 0; the URL names {parts.path!r}")
    return urlunsplit(parts._replace(scheme=CLUSTER_SCHEMES[parts.scheme], path=""))


class QueuedCluster(RedisCluster):
    """A cluster client whose commands wait (up to `timeout`) for one of `max_connections`
    places rather than fail when every connection is busy: the blocking pool's behaviour."""

    def __init__(self, *args: Any, queue_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._places = asyncio.Semaphore(kwargs["max_connections"])
        self._queue_timeout = queue_timeout

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        try:
            async with asyncio.timeout(self._queue_timeout):
                await self._places.acquire()
        except TimeoutError:
            raise RedisConnectionError(
                f"no Redis connection free within {self._queue_timeout} s"
            ) from None
        try:
            return await super().execute_command(*args, **kwargs)
        finally:
            self._places.release()


def pooled_client(
    url: str, *, max_connections: int = POOL_SIZE, timeout: float = POOL_TIMEOUT, **kwargs: Any
) -> Client:
    """A client on its own blocking pool of at most `max_connections` (a cluster client when
    the URL names a cluster); closing it closes the pool."""
    if is_cluster(url):
        return QueuedCluster.from_url(
            node_url(url), max_connections=max_connections, queue_timeout=timeout, **kwargs
        )
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=timeout, **kwargs
    )
    return aioredis.Redis.from_pool(pool)


@contextmanager
def reachable() -> Iterator[None]:
    """Whatever Redis refused, as `BrokerUnavailable`, which callers know to handle: an answer
    such as OOM or READONLY leaves shared state as out of reach as a lost link does."""
    try:
        yield
    except FAILURES as error:
        raise BrokerUnavailable(f"redis: {error}") from error


def text(value: bytes | str) -> str:
    """A reply from a client that does not decode responses, as text."""
    return value.decode() if isinstance(value, bytes) else value
