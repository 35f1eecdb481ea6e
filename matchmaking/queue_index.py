"""Every booth's line, shared by the server processes: `queue_line.Line`'s rules behind one API.

`MemoryQueueIndex` keeps `Line`s in this process (the embedded demo); `RedisQueueIndex` runs the
same rules as Lua scripts, one script call per operation, so processes never interleave inside
one. Both give the same `Change` for the same operations (tests/integration/test_queue_index.py).

A line that is not loaded (a Redis that restarted empty, a booth not seen since start) raises
`NeedsRebuild`: the caller reads the booth's tickets from the database, `rebuild`s, retries.

Redis keys of one booth share the hash tag `{<booth>}`, so a cluster keeps them on one slot:
- `expo:q:{b}:line`  ZSET ticket -> rank (equal ranks order by ticket text, as `Entry.key` does)
- `expo:q:{b}:meta`  HASH generation, seq, version (no `generation`: not loaded)
- `expo:q:{b}:appt`  HASH ticket -> 1 for appointments
- `expo:q:{b}:over`  HASH ticket -> appointments that overtook it (absent: 0)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any, Protocol

from redis.commands.core import AsyncScript

from expo.redis_pool import pooled_client, reachable, text
from matchmaking.queue_line import Change, Entry, Line, LineFull


class NeedsRebuild(Exception):
    """The booth's line is not loaded: rebuild it from the database, then try again."""


class QueueIndex(Protocol):
    async def join(
        self, booth: int, ticket: int, *, appointment: bool, max_length: int, overtake_cap: int
    ) -> Change: ...

    async def call(self, booth: int, skip: Collection[int] = ()) -> Change | None:
        """The first in line not in `skip` leaves it, called (see `Line.call`)."""
        ...

    async def remove(self, booth: int, ticket: int) -> Change | None: ...

    async def requeue(
        self, booth: int, ticket: int, *, appointment: bool, overtaken: int = 0
    ) -> Change: ...

    async def position(self, booth: int, ticket: int) -> Change | None:
        """The ticket's place (kind `same`, no version bump); None when it is not in line."""
        ...

    async def snapshot(self, booth: int) -> Line: ...

    async def lengths(self, booths: Sequence[int]) -> dict[int, int]:
        """Lengths of the loaded lines among `booths`; lines not loaded are left out."""
        ...

    async def rebuild(self, booth: int, line: Line) -> bool:
        """Load `line` unless the booth's line is loaded already; whether it was loaded."""
        ...

    async def forget(self, booth: int) -> None: ...

    async def close(self) -> None: ...


def _copy(line: Line) -> Line:
    # Entries are mutable: neither a caller's line nor ours may change the other's.
    return Line(line.generation, line.seq, line.version, [replace(e) for e in line.entries])


class MemoryQueueIndex:
    """This process's lines, as `Line`s: correct only when one process serves everyone."""

    def __init__(self) -> None:
        self._lines: dict[int, Line] = {}

    def _line(self, booth: int) -> Line:
        line = self._lines.get(booth)
        if line is None:
            raise NeedsRebuild(f"booth {booth}: line not loaded")
        return line

    async def join(
        self, booth: int, ticket: int, *, appointment: bool, max_length: int, overtake_cap: int
    ) -> Change:
        return self._line(booth).join(
            ticket, appointment=appointment, max_length=max_length, overtake_cap=overtake_cap
        )

    async def call(self, booth: int, skip: Collection[int] = ()) -> Change | None:
        return self._line(booth).call(skip)

    async def remove(self, booth: int, ticket: int) -> Change | None:
        return self._line(booth).remove(ticket)

    async def requeue(
        self, booth: int, ticket: int, *, appointment: bool, overtaken: int = 0
    ) -> Change:
        return self._line(booth).requeue(ticket, appointment=appointment, overtaken=overtaken)

    async def position(self, booth: int, ticket: int) -> Change | None:
        line = self._line(booth)
        i = line.index(ticket)
        if i is None:
            return None
        entry = line.entries[i]
        return Change("same", ticket, entry.rank, i + 1, len(line), line.version, line.generation)

    async def snapshot(self, booth: int) -> Line:
        return _copy(self._line(booth))

    async def lengths(self, booths: Sequence[int]) -> dict[int, int]:
        return {b: len(self._lines[b]) for b in booths if b in self._lines}

    async def rebuild(self, booth: int, line: Line) -> bool:
        if booth in self._lines:
            return False
        self._lines[booth] = _copy(line)
        return True

    async def forget(self, booth: int) -> None:
        self._lines.pop(booth, None)

    async def close(self) -> None:
        pass


# --- Redis ------------------------------------------------------------------------------------
# KEYS: line, meta, appt, over. Replies: {'rebuild'} (not loaded), {'none'}, {'full'}, or
# {kind, ticket, rank, position, length, version, generation, passed...}. Ranks travel as text:
# Redis would truncate a Lua number in a reply to an integer. '%.17g' keeps every bit of a double,
# so a midpoint here is the very double Python computes.
_PRELUDE = """
local gen = redis.call('HGET', KEYS[2], 'generation')
if not gen then return {'rebuild'} end
local function fmt(x) return string.format('%.17g', x) end
local function bump() return redis.call('HINCRBY', KEYS[2], 'version', 1) end
local function same(t)
  local score = redis.call('ZSCORE', KEYS[1], t)
  if not score then return nil end
  return {'same', t, score, redis.call('ZRANK', KEYS[1], t) + 1, redis.call('ZCARD', KEYS[1]),
          redis.call('HGET', KEYS[2], 'version'), gen}
end
local function gone(kind, t, score)
  redis.call('ZREM', KEYS[1], t)
  redis.call('HDEL', KEYS[3], t)
  redis.call('HDEL', KEYS[4], t)
  return {kind, t, score, 0, redis.call('ZCARD', KEYS[1]), bump(), gen}
end
local function place(kind, t, rank, appointment, overtaken)
  redis.call('ZADD', KEYS[1], fmt(rank), t)
  if appointment then redis.call('HSET', KEYS[3], t, 1) end
  if overtaken > 0 then redis.call('HSET', KEYS[4], t, overtaken) end
  return {kind, t, fmt(rank), redis.call('ZRANK', KEYS[1], t) + 1, redis.call('ZCARD', KEYS[1]),
          bump(), gen}
end
local function next_seq()
  local seq = tonumber(redis.call('HGET', KEYS[2], 'seq')) + 1.0
  redis.call('HSET', KEYS[2], 'seq', fmt(seq))
  return seq
end
"""

# ARGV: ticket, appointment (1/0), max_length, overtake_cap. As `Line.join`: from the end of the
# line back, an appointment passes walk-ins until an appointment or a walk-in passed `cap` times.
_JOIN = (
    _PRELUDE
    + """
local t, cap = ARGV[1], tonumber(ARGV[4])
local found = same(t)
if found then return found end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return {'full'} end
local passed, first, low = {}, nil, nil
if ARGV[2] == '1' then
  local start, stopped = 0, false
  while not stopped do
    local chunk = redis.call('ZREVRANGE', KEYS[1], start, start + 31, 'WITHSCORES')
    if #chunk == 0 then break end
    for i = 1, #chunk, 2 do
      local m = chunk[i]
      if redis.call('HEXISTS', KEYS[3], m) == 1
          or tonumber(redis.call('HGET', KEYS[4], m) or '0') >= cap then
        low, stopped = tonumber(chunk[i + 1]), true
        break
      end
      passed[#passed + 1] = m
      first = tonumber(chunk[i + 1])
    end
    start = start + 32
  end
end
local rank
if #passed > 0 then
  rank = ((low or (first - 1.0)) + first) / 2
  for _, m in ipairs(passed) do redis.call('HINCRBY', KEYS[4], m, 1) end
else
  rank = next_seq()
end
local reply = place('joined', t, rank, ARGV[2] == '1', 0)
for _, m in ipairs(passed) do reply[#reply + 1] = m end
return reply
"""
)

_CALL = (
    _PRELUDE
    + """
-- ARGV: the tickets this caller may not call; the first of the first #ARGV + 1 that is not.
local skip = {}
for _, t in ipairs(ARGV) do skip[t] = true end
local head = redis.call('ZRANGE', KEYS[1], 0, #ARGV, 'WITHSCORES')
for i = 1, #head, 2 do
  if not skip[head[i]] then return gone('called', head[i], head[i + 1]) end
end
return {'none'}
"""
)

# ARGV: ticket.
_REMOVE = (
    _PRELUDE
    + """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return {'none'} end
return gone('left', ARGV[1], score)
"""
)

# ARGV: ticket, appointment (1/0), overtaken. Behind the next person, as `Line.requeue`.
_REQUEUE = (
    _PRELUDE
    + """
local t = ARGV[1]
local found = same(t)
if found then return found end
local n, rank = redis.call('ZCARD', KEYS[1]), nil
if n == 0 then
  rank = next_seq()
elseif n == 1 then
  local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  rank = (tonumber(head[2]) + next_seq()) / 2
else
  local two = redis.call('ZRANGE', KEYS[1], 0, 1, 'WITHSCORES')
  rank = (tonumber(two[2]) + tonumber(two[4])) / 2
end
return place('requeued', t, rank, ARGV[2] == '1', tonumber(ARGV[3]))
"""
)

# ARGV: ticket.
_POSITION = (
    _PRELUDE
    + """
return same(ARGV[1]) or {'none'}
"""
)

# {generation, seq, version, then ticket, rank, appointment (1/0), overtaken per entry}.
_SNAPSHOT = (
    _PRELUDE
    + """
local meta = redis.call('HMGET', KEYS[2], 'seq', 'version')
local reply = {gen, meta[1], meta[2]}
local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #all, 2 do
  local m = all[i]
  reply[#reply + 1] = m
  reply[#reply + 1] = all[i + 1]
  reply[#reply + 1] = redis.call('HEXISTS', KEYS[3], m)
  reply[#reply + 1] = redis.call('HGET', KEYS[4], m) or '0'
end
return reply
"""
)

# The length, or -1 when the line is not loaded.
_LENGTH = """
if not redis.call('HGET', KEYS[2], 'generation') then return -1 end
return redis.call('ZCARD', KEYS[1])
"""

# ARGV: generation, seq, version, then ticket, rank, appointment (1/0), overtaken per entry.
# Leftovers of a line whose meta was lost (evicted) go first: the database is the truth.
_REBUILD = """
if redis.call('HGET', KEYS[2], 'generation') then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[2], 'generation', ARGV[1], 'seq', ARGV[2], 'version', ARGV[3])
for i = 4, #ARGV, 4 do
  redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
  if ARGV[i + 2] == '1' then redis.call('HSET', KEYS[3], ARGV[i], 1) end
  if ARGV[i + 3] ~= '0' then redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 3]) end
end
return 1
"""


def _keys(booth: int) -> list[str]:
    return [f"expo:q:{{{booth}}}:{part}" for part in ("line", "meta", "appt", "over")]


class RedisQueueIndex:
    """Lines shared by every process through Redis (see the module's docstring)."""

    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        pool = {"max_connections": pool_size} if pool_size else {}
        self._redis = pooled_client(url, socket_connect_timeout=5, **pool)
        script = self._redis.register_script
        self._join, self._call, self._remove = script(_JOIN), script(_CALL), script(_REMOVE)
        self._requeue, self._position = script(_REQUEUE), script(_POSITION)
        self._snapshot = script(_SNAPSHOT)
        self._rebuild = script(_REBUILD)

    async def _run(self, script: AsyncScript, booth: int, *args: str | int) -> Any:
        with reachable():
            reply = await script(keys=_keys(booth), args=args)
        if isinstance(reply, list) and reply and text(reply[0]) == "rebuild":
            raise NeedsRebuild(f"booth {booth}: line not loaded")
        return reply

    async def _change(self, script: AsyncScript, booth: int, *args: str | int) -> Change | None:
        reply = await self._run(script, booth, *args)
        kind = text(reply[0])
        if kind == "none":
            return None
        if kind == "full":
            raise LineFull
        ticket, rank, position, length, version, generation, *passed = reply[1:]
        return Change(
            kind, int(ticket), float(rank), int(position), int(length), int(version),
            int(generation), tuple(int(t) for t in passed),
        )  # fmt: skip

    async def join(
        self, booth: int, ticket: int, *, appointment: bool, max_length: int, overtake_cap: int
    ) -> Change:
        args = (ticket, int(appointment), max_length, overtake_cap)
        change = await self._change(self._join, booth, *args)
        assert change is not None
        return change

    async def call(self, booth: int, skip: Collection[int] = ()) -> Change | None:
        return await self._change(self._call, booth, *(str(t) for t in sorted(set(skip))))

    async def remove(self, booth: int, ticket: int) -> Change | None:
        return await self._change(self._remove, booth, ticket)

    async def requeue(
        self, booth: int, ticket: int, *, appointment: bool, overtaken: int = 0
    ) -> Change:
        change = await self._change(self._requeue, booth, ticket, int(appointment), overtaken)
        assert change is not None
        return change

    async def position(self, booth: int, ticket: int) -> Change | None:
        return await self._change(self._position, booth, ticket)

    async def snapshot(self, booth: int) -> Line:
        generation, seq, version, *flat = await self._run(self._snapshot, booth)
        entries = [
            Entry(int(t), float(rank), int(appointment) == 1, int(overtaken))
            for t, rank, appointment, overtaken in zip(*[iter(flat)] * 4, strict=True)
        ]
        return Line(int(generation), float(seq), int(version), entries)

    async def lengths(self, booths: Sequence[int]) -> dict[int, int]:
        if not booths:
            return {}
        with reachable():
            # One round trip (one per master on a cluster); each booth's length is read whole
            # by its script. EVAL, not EVALSHA: a cluster's pipeline does not load scripts a
            # master lacks (NOSCRIPT), and this one is a few dozen bytes.
            async with self._redis.pipeline(transaction=False) as pipe:
                for booth in booths:
                    line, meta, *_ = _keys(booth)
                    pipe.eval(_LENGTH, 2, line, meta)
                replies = await pipe.execute()
        return {b: int(n) for b, n in zip(booths, replies, strict=True) if int(n) >= 0}

    async def rebuild(self, booth: int, line: Line) -> bool:
        # repr() of a float is its shortest exact text: Redis reads back the very same double.
        args: list[str | int] = [line.generation, repr(line.seq), line.version]
        for e in line.entries:
            args += [e.ticket, repr(e.rank), int(e.appointment), e.overtaken]
        with reachable():
            loaded = await self._rebuild(keys=_keys(booth), args=args)
        return int(loaded) == 1

    async def forget(self, booth: int) -> None:
        with reachable():
            await self._redis.delete(*_keys(booth))

    async def close(self) -> None:
        await self._redis.aclose()


def queue_index(redis_url: str | None, pool_size: int | None = None) -> QueueIndex:
    """Shared through Redis when there is one; in this process otherwise (the demo)."""
    if redis_url:
        return RedisQueueIndex(redis_url, pool_size=pool_size)
    return MemoryQueueIndex()
