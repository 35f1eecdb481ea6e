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

# Seconds between attempts; the last one repeats until the broker takes the event.
RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0, 5.0)
# Events kept waiting in one process at most; past that the oldest are dropped (and logged):
# a broker down for long must not grow the process without bound.
MAX_WAITING = 10_000


class Announcer:
    """The policy above, for one process (the hub owns one)."""

    def __init__(
        self,
        publish: Publish,
        ping: Ping,
        *,
        delays: Sequence[float] = RETRY_DELAYS,
        limit: int = MAX_WAITING,
    ) -> None:
        self._publish = publish
        self._ping = ping
        self._delays = delays
        self._limit = limit
        self._waiting: dict[str, deque[Announcement]] = {}
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
            if topic in self._waiting:
                self._keep((topic, kind, data))
                sent.append(None)
                continue
            try:
                sent.append(await self._publish(topic, kind, data))
            except Unavailable as error:
                log.warning(
                    "stored but not announced yet; retrying",
                    extra={"topic": topic, "type": kind, "code": error.code},
                )
                self._keep((topic, kind, data))
                sent.append(None)
        return sent

    def waiting(self) -> int:
        """Events kept for a retry in this process."""
        return sum(len(queue) for queue in self._waiting.values())

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._waiting:
            log.error("events never announced", extra={"count": self.waiting()})
        self._waiting.clear()

    def _keep(self, event: Announcement) -> None:
        topic = event[0]
        queue = self._waiting.get(topic)
        if queue is None:
            queue = self._waiting[topic] = deque()
            task = asyncio.create_task(self._retry(topic, queue), name=f"announce {topic}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        queue.append(event)
        if self.waiting() > self._limit:
            lost = queue.popleft()
            log.error("event dropped: too many waiting", extra={"topic": topic, "type": lost[1]})

    async def _retry(self, topic: str, queue: deque[Announcement]) -> None:
        attempt = 0
        try:
            while queue:
                await asyncio.sleep(self._delays[min(attempt, len(self._delays) - 1)])
                while queue:
                    _, kind, data = queue[0]
                    try:
                        await self._publish(topic, kind, data)
                    except Unavailable:
                        attempt += 1
                        break
                    queue.popleft()
                    attempt = 0
        finally:
            if self._waiting.get(topic) is queue:
                del self._waiting[topic]
