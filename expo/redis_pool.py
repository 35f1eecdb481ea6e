"""Redis clients sized for bursts, shared by the broker and the rate limiter.

redis-py's default pool refuses a command outright ("Too many connections") once 100 are in
use, and a reconnect storm has hundreds of handshakes asking Redis at once: the limiter then
read as unreachable and let them all in. A blocking pool makes a burst queue for a connection
instead (each Lua call holds one for well under a millisecond); only a connection that cannot
be had within `timeout` counts as Redis being unavailable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from expo.realtime.broker import BrokerUnavailable

# Connections one client keeps to Redis, at most (EXPO_REDIS_POOL_SIZE). The broker's pub/sub
# reader holds one for good; the rest serve commands, each for one round trip.
POOL_SIZE = 50
# Seconds a command waits for a free connection before Redis counts as unavailable.
POOL_TIMEOUT = 5.0


def pooled_client(
    url: str, *, max_connections: int = POOL_SIZE, timeout: float = POOL_TIMEOUT, **kwargs: Any
) -> aioredis.Redis:
    """A client on its own blocking pool of at most `max_connections`; closing it closes the
    pool."""
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
    except (RedisError, OSError) as error:
        raise BrokerUnavailable(f"redis: {error}") from error


def text(value: bytes | str) -> str:
    """A reply from a client that does not decode responses, as text."""
    return value.decode() if isinstance(value, bytes) else value
