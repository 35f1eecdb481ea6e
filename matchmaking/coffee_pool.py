"""The random coffees' pool: who waits to be paired, since when, shared by the server processes.

`MemoryCoffeePool` keeps it in this process (the embedded demo); `RedisCoffeePool` keeps one
sorted set (account -> the time they joined) and changes it one command or one Lua script per
operation, so two processes never take the same person: `claim` takes both of a pair out of
the pool, or neither when either is gone already (paired by another process, or left).

Redis key: `expo:coffee:pool`  ZSET account -> score (joined at; in front: below everyone).
"""

from __future__ import annotations

from typing import Any, Protocol

from expo.redis_pool import pooled_client, reachable, text

POOL_KEY = "expo:coffee:pool"


class CoffeePool(Protocol):
    async def join(self, account: int, at: float) -> bool:
        """Into the pool at `at` unless there already (keeping their place); whether new."""
        ...

    async def leave(self, account: int) -> bool: ...

    async def front(self, account: int, at: float) -> None:
        """Back into the pool in front of everyone waiting (a pairing that fell through)."""
        ...

    async def waiting(self, limit: int) -> list[tuple[int, float]]:
        """The `limit` longest waiting, longest first: (account, score)."""
        ...

    async def claim(self, one: int, other: int) -> bool:
        """Take both out of the pool, or neither; whether they were both there."""
        ...

    async def close(self) -> None: ...


class MemoryCoffeePool:
    """This process's pool: correct only when one process serves everyone."""

    def __init__(self) -> None:
        self._since: dict[int, float] = {}

    async def join(self, account: int, at: float) -> bool:
        if account in self._since:
            return False
        self._since[account] = at
        return True

    async def leave(self, account: int) -> bool:
        return self._since.pop(account, None) is not None

    async def front(self, account: int, at: float) -> None:
        self._since[account] = min([at, *(s - 1 for s in self._since.values())])

    async def waiting(self, limit: int) -> list[tuple[int, float]]:
        order = sorted(self._since.items(), key=lambda item: (item[1], item[0]))
        return order[:limit]

    async def claim(self, one: int, other: int) -> bool:
        if one == other or one not in self._since or other not in self._since:
            return False
        del self._since[one], self._since[other]
        return True

    async def close(self) -> None:
        pass


_CLAIM = """
if ARGV[1] == ARGV[2] then return 0 end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0
"""

_FRONT = """
local score = tonumber(ARGV[2])
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] and tonumber(first[2]) - 1 < score then score = tonumber(first[2]) - 1 end
redis.call('ZADD', KEYS[1], string.format('%.17g', score), ARGV[1])
return 1
"""


class RedisCoffeePool:
    """The pool shared by every process through Redis (see the module's docstring)."""

    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        pool = {"max_connections": pool_size} if pool_size else {}
        self._redis = pooled_client(url, socket_connect_timeout=5, **pool)
        self._claim = self._redis.register_script(_CLAIM)
        self._front = self._redis.register_script(_FRONT)

    async def join(self, account: int, at: float) -> bool:
        with reachable():
            return bool(await self._redis.zadd(POOL_KEY, {str(account): at}, nx=True))

    async def leave(self, account: int) -> bool:
        with reachable():
            return bool(await self._redis.zrem(POOL_KEY, str(account)))

    async def front(self, account: int, at: float) -> None:
        with reachable():
            await self._front(keys=[POOL_KEY], args=[account, repr(at)])

    async def waiting(self, limit: int) -> list[tuple[int, float]]:
        with reachable():
            rows: list[Any] = await self._redis.zrange(POOL_KEY, 0, limit - 1, withscores=True)
        return [(int(text(member)), float(score)) for member, score in rows]

    async def claim(self, one: int, other: int) -> bool:
        with reachable():
            return bool(await self._claim(keys=[POOL_KEY], args=[one, other]))

    async def close(self) -> None:
        await self._redis.aclose()


def coffee_pool(redis_url: str | None, pool_size: int | None = None) -> CoffeePool:
    """Shared through Redis when there is one; in this process otherwise (the demo)."""
    if redis_url:
        return RedisCoffeePool(redis_url, pool_size=pool_size)
    return MemoryCoffeePool()
