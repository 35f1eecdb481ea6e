"""What the server processes share for the control room: each one's report (a heartbeat with its
counters), the lease that makes one of them the aggregator, the figures' sequence, the day's
peaks and the latest figures.

`MemoryReports` for one process (the embedded demo); `RedisReports` for many, on the Redis the
broker uses. Redis keys (one clock for every process: the scripts read Redis's TIME):
- `expo:control:reports`  HASH process id -> "<ms>|<report JSON>"; the whole hash expires when
  no process has reported for `keep` (the forget period), a process that stopped is dropped from
  it by the aggregator once forgotten
- `expo:control:lease`    STRING the aggregating process's id, SET NX PX, renewed by its holder
- `expo:control:seq`      INCR: the figures' sequence, increasing across aggregators
- `expo:control:figures`  STRING the latest figures (JSON), for a page's first paint
- `expo:control:peak:<day>` HASH room -> the most viewers seen that day (kept two days)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from expo.redis_pool import pooled_client, reachable, text

__all__ = ["MemoryReports", "RedisReports", "Report", "Reports", "make_reports"]

PREFIX = "expo:control"
FIGURES_TTL_MS = 10_000  # the latest figures outlive their aggregator this long, no longer
PEAKS_TTL_S = 2 * 86400


@dataclass(frozen=True, slots=True)
class Report:
    process: str
    age: float  # seconds since it was made, by the shared clock
    data: dict[str, Any]


class Reports(Protocol):
    async def put(self, process: str, data: Mapping[str, Any], keep: float) -> None:
        """This process's report, replacing its last."""

    async def read(self) -> list[Report]:
        """Every process's last report, with its age."""

    async def forget(self, processes: list[str]) -> None: ...

    async def lead(self, holder: str, ttl: float) -> bool:
        """Take the lease if it is free, or renew it if `holder` has it; True while held."""

    async def resign(self, holder: str) -> None: ...

    async def next_seq(self) -> int: ...

    async def keep_figures(self, figures: bytes) -> None: ...

    async def figures(self) -> bytes | None: ...

    async def peaks(self, day: str, counts: Mapping[str, int]) -> dict[str, int]:
        """Raise each room's peak of `day` to its count if higher; every peak after."""

    async def close(self) -> None: ...


class MemoryReports:
    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._reports: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lease: tuple[str, float] | None = None
        self._seq = 0
        self._figures: tuple[float, bytes] | None = None
        self._peaks: dict[str, dict[str, int]] = {}

    async def put(self, process: str, data: Mapping[str, Any], keep: float) -> None:
        self._reports[process] = (self._clock(), dict(data))

    async def read(self) -> list[Report]:
        now = self._clock()
        return [Report(p, now - at, data) for p, (at, data) in sorted(self._reports.items())]

    async def forget(self, processes: list[str]) -> None:
        for process in processes:
            self._reports.pop(process, None)

    async def lead(self, holder: str, ttl: float) -> bool:
        now = self._clock()
        if self._lease is None or self._lease[1] <= now or self._lease[0] == holder:
            self._lease = (holder, now + ttl)
            return True
        return False

    async def resign(self, holder: str) -> None:
        if self._lease is not None and self._lease[0] == holder:
            self._lease = None

    async def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def keep_figures(self, figures: bytes) -> None:
        self._figures = (self._clock(), figures)

    async def figures(self) -> bytes | None:
        if self._figures is None or self._clock() - self._figures[0] > FIGURES_TTL_MS / 1000:
            return None
        return self._figures[1]

    async def peaks(self, day: str, counts: Mapping[str, int]) -> dict[str, int]:
        for old in [d for d in self._peaks if d != day]:
            del self._peaks[old]
        peaks = self._peaks.setdefault(day, {})
        for room, count in counts.items():
            peaks[room] = max(peaks.get(room, 0), count)
        return dict(peaks)

    async def close(self) -> None:
        return None


_PUT = """
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ms .. '|' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return ms
"""

_READ = """
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {ms, redis.call('HGETALL', KEYS[1])}
"""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

_RESIGN = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_PEAKS = """
for i = 1, #ARGV - 1, 2 do
  local old = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if tonumber(ARGV[i + 1]) > old then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[#ARGV])
return redis.call('HGETALL', KEYS[1])
"""


class RedisReports:
    """Shared through Redis by every process (see the module's docstring)."""

    def __init__(self, url: str) -> None:
        self._redis = pooled_client(url, max_connections=4, socket_connect_timeout=5)
        script = self._redis.register_script
        self._put, self._read, self._renew = script(_PUT), script(_READ), script(_RENEW)
        self._resign, self._peaks = script(_RESIGN), script(_PEAKS)

    async def put(self, process: str, data: Mapping[str, Any], keep: float) -> None:
        with reachable():
            await self._put(
                keys=[f"{PREFIX}:reports"],
                args=[process, orjson.dumps(dict(data)), int(keep * 1000)],
            )

    async def read(self) -> list[Report]:
        with reachable():
            now, flat = await self._read(keys=[f"{PREFIX}:reports"])
        found = []
        for process, value in zip(flat[::2], flat[1::2], strict=True):
            at, _, body = text(value).partition("|")
            try:
                found.append(Report(text(process), (int(now) - int(at)) / 1000, orjson.loads(body)))
            except (ValueError, orjson.JSONDecodeError):
                continue  # unreadable: as if it had not reported
        return sorted(found, key=lambda r: r.process)

    async def forget(self, processes: list[str]) -> None:
        if processes:
            with reachable():
                await self._redis.hdel(f"{PREFIX}:reports", *processes)

    async def lead(self, holder: str, ttl: float) -> bool:
        key, ms = f"{PREFIX}:lease", int(ttl * 1000)
        with reachable():
            if await self._redis.set(key, holder, nx=True, px=ms):
                return True
            return bool(await self._renew(keys=[key], args=[holder, ms]))

    async def resign(self, holder: str) -> None:
        with reachable():
            await self._resign(keys=[f"{PREFIX}:lease"], args=[holder])

    async def next_seq(self) -> int:
        with reachable():
            return int(await self._redis.incr(f"{PREFIX}:seq"))

    async def keep_figures(self, figures: bytes) -> None:
        with reachable():
            await self._redis.set(f"{PREFIX}:figures", figures, px=FIGURES_TTL_MS)

    async def figures(self) -> bytes | None:
        with reachable():
            found = await self._redis.get(f"{PREFIX}:figures")
        if found is None:
            return None
        return found.encode() if isinstance(found, str) else bytes(found)

    async def peaks(self, day: str, counts: Mapping[str, int]) -> dict[str, int]:
        args: list[str | int] = []
        for room, count in counts.items():
            args += [room, int(count)]
        with reachable():
            flat = await self._peaks(keys=[f"{PREFIX}:peak:{day}"], args=[*args, PEAKS_TTL_S])
        return {text(k): int(v) for k, v in zip(flat[::2], flat[1::2], strict=True)}

    async def close(self) -> None:
        await self._redis.aclose()


def make_reports(redis_url: str | None) -> Reports:
    return RedisReports(redis_url) if redis_url else MemoryReports()
