"""Stored, then announced: the one policy for a write whose announcement the broker fails.

Every feature that stores something and then tells a topic about it (a chat message, a
question and its moves, a poll, a sanction, a programme change, an agenda star) keeps it:

1. Before storing, the write asks `Announcer.ready()`. A broker that cannot be reached then
   refuses the write: `unavailable`, nothing is stored, and retrying later is safe.
2. Once stored, the write stands and is answered as made, whatever the broker does next.
   Answering `unavailable` for a write that is in the database invites a retry that either
   repeats it (a second chat message) or can only fail (`qa.bad_move`: the move was made).
3. Events the broker did not take are not dropped: this process keeps them, per topic in the
   order they were stored, and publishes them again in the background with backoff until the
   broker takes them (or the process stops). Later announcements to a topic that still has
   events waiting queue behind them, so a topic never hears a newer event before an older one
   from the same process. Across processes, state events carry the row's version and pages
   drop older ones, so an event that comes late changes nothing it should not.
4. A timeout may have put the event out already; it is retried all the same: an event may
   come twice but never not at all (pages drop repeats by id or by version).
5. Control messages that carry out a stored change on every process (an eviction after a ban,
   a recheck after a programme change) follow the same rules through `control()`: never an
   error once the change is stored, kept and retried in order when the broker fails them.

The reply of such a write carries `seq: null` for an event still waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from expo.errors import Unavailable
from expo.realtime.broker import Event

log = logging.getLogger("expo.announce")

# One event to announce: (topic, event type, data).
Announcement = tuple[str, str, Any]
Publish = Callable[[str, str, Any], Awaitable[Event]]
Ping = Callable[[], Awaitable[None]]
# Tells every process a control message (kind, data); raises `Unavailable` when not taken.
Control = Callable[[str, dict[str, Any]], Awaitable[None]]
# Where waiting things queue: a topic's events by topic, control messages all under CONTROL.
Key = str | None
CONTROL: Key = None
# One thing waiting: (its place in the order all were kept, kind, data).
Waiting = tuple[int, str, Any]

# Seconds between attempts; the last one repeats until the broker takes the event.
RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0, 5.0)
# Events kept waiting in one process at most; past that the oldest of all are dropped (and
# logged): a broker down for long must not grow the process without bound.
MAX_WAITING = 10_000


class Announcer:
    """The policy above, for one process (the hub owns one)."""

    def __init__(
        self,
        publish: Publish,
        ping: Ping,
        *,
        control: Control | None = None,
        delays: Sequence[float] = RETRY_DELAYS,
        limit: int = MAX_WAITING,
    ) -> None:
        self._publish = publish
        self._ping = ping
        self._control = control
        self._delays = delays
        self._limit = limit
        self._waiting: dict[Key, deque[Waiting]] = {}
        # Every kept thing's (place, key) in the order kept, so the oldest of all is found at
        # once when the cap is reached. Things sent since stay here until skipped or compacted.
        self._order: deque[tuple[int, Key]] = deque()
        self._count = 0  # things waiting, over all keys
        self._kept = 0  # places handed out
        self._tasks: set[asyncio.Task[None]] = set()

    async def ready(self) -> None:
        """Raise `unavailable` when the broker cannot be reached: call before storing."""
        try:
            await self._ping()
        except (OSError, ConnectionError) as error:
            raise Unavailable(message="The event broker cannot be reached.") from error

    async def stored(self, events: Iterable[Announcement]) -> list[Event | None]:
        """Announce what is stored, in order; each event's result, None where it waits for
        a retry. Never raises `unavailable`: the write stands."""
        sent: list[Event | None] = []
        for topic, kind, data in events:
            result = await self._now_or_later(topic, kind, data)
            sent.append(result if isinstance(result, Event) else None)
        return sent

    async def control(self, kind: str, data: dict[str, Any]) -> bool:
        """Tell every process to carry out a change that is stored (an eviction, a recheck);
        True when the broker took it now, False when it waits for a retry. Never raises
        `unavailable`: the change stands."""
        return await self._now_or_later(CONTROL, kind, data) is not False

    def waiting(self) -> int:
        """Events and control messages kept for a retry in this process."""
        return self._count

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._count:
            log.error("events never announced", extra={"count": self._count})
        self._waiting.clear()
        self._order.clear()
        self._count = 0

    async def _now_or_later(self, key: Key, kind: str, data: Any) -> Event | bool:
        """What the broker took now (the event, or True for a control message); False when
        it was kept for a retry."""
        if key in self._waiting:
            self._keep(key, kind, data)  # behind what waits already: order kept
            return False
        try:
            return await self._send(key, kind, data)
        except Unavailable as error:
            log.warning(
                "stored but not announced yet; retrying",
                extra={"topic": key, "type": kind, "code": error.code},
            )
            self._keep(key, kind, data)
            return False

    async def _send(self, key: Key, kind: str, data: Any) -> Event | bool:
        if key is None:  # CONTROL
            assert self._control is not None, "an Announcer for control messages needs `control`"
            await self._control(kind, data)
            return True
        return await self._publish(key, kind, data)

    def _keep(self, key: Key, kind: str, data: Any) -> None:
        queue = self._waiting.get(key)
        if queue is None:
            queue = self._waiting[key] = deque()
            task = asyncio.create_task(self._retry(key, queue), name=f"announce {key}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._kept += 1
        queue.append((self._kept, kind, data))
        self._order.append((self._kept, key))
        self._count += 1
        if self._count > self._limit:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        # Queues only lose their head (sent or dropped), so the oldest thing still waiting is
        # the head of its queue; entries of things gone before it are skipped on the way.
        while self._order:
            place, key = self._order.popleft()
            queue = self._waiting.get(key)
            if queue and queue[0][0] == place:
                _, kind, _ = queue.popleft()
                self._count -= 1
                log.error("event dropped: too many waiting", extra={"topic": key, "type": kind})
                return

    def _sent(self, queue: deque[Waiting], place: int) -> None:
        # The cap may have dropped it while it was out: then the head is another, still unsent.
        if queue and queue[0][0] == place:
            queue.popleft()
            self._count -= 1
        if len(self._order) > 2 * self._count + 64:
            # Mostly sent things: rebuild from what waits (amortised, the order stays bounded).
            self._order = deque(
                sorted((place, key) for key, q in self._waiting.items() for place, _, _ in q)
            )

    async def _retry(self, key: Key, queue: deque[Waiting]) -> None:
        attempt = 0
        try:
            while queue:
                await asyncio.sleep(self._delays[min(attempt, len(self._delays) - 1)])
                while queue:
                    place, kind, data = queue[0]
                    try:
                        await self._send(key, kind, data)
                    except Unavailable:
                        attempt += 1
                        break
                    self._sent(queue, place)
                    attempt = 0
        finally:
            if self._waiting.get(key) is queue:
                del self._waiting[key]
