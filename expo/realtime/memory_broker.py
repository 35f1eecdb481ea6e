"""The in-process broker: the embedded default for a demo or a one-process event."""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Collection, Iterable
from itertools import islice
from typing import Any

from expo.realtime.broker import PILE_WINDOWS, Clock, Event, History, Presence, Sink
from expo.realtime.envelope import event_parts


class MemoryBroker:
    def __init__(
        self,
        *,
        replay_window: int = 10_000,
        replay_seconds: float = 300.0,
        clock: Clock = time.time,
    ) -> None:
        self._window = replay_window
        self._seconds = replay_seconds
        self._clock = clock
        # A new epoch per process start: a client resuming across a restart reloads.
        self._epoch = secrets.token_hex(8)
        self._seq: dict[str, int] = {}
        # Per topic: (published at, event), oldest first; trimmed by time and count on publish.
        self._log: dict[str, deque[tuple[float, Event]]] = {}
        self._listening: set[str] = set()
        self._presence: dict[str, int] = {}
        self._sockets: dict[int, int] = {}
        self._rosters: dict[str, list[dict[str, Any]]] = {}
        self._piles: dict[str, dict[str, int]] = {}
        self._taken_at: dict[str, float] = {}
        self._added_at: dict[str, float] = {}
        self._sink: Sink | None = None

    async def start(self, sink: Sink) -> None:
        self._sink = sink

    async def close(self) -> None:
        self._sink = None

    async def ping(self) -> None:
        return None

    async def publish(self, topic: str, event_type: str, data: Any) -> Event:
        head, tail = event_parts(event_type, topic, data)
        seq = self._seq.get(topic, 0) + 1
        self._seq[topic] = seq
        event = Event(topic, seq, head + str(seq).encode() + tail, self._epoch)
        log = self._log.get(topic)
        if log is None:
            log = self._log[topic] = deque(maxlen=self._window)
        now = self._clock()
        log.append((now, event))
        while log[0][0] < now - self._seconds:
            log.popleft()
        if topic in self._listening and self._sink is not None:
            self._sink.deliver(event)
        return event

    async def announce(self, message: bytes) -> None:
        if self._sink is not None:
            self._sink.control(message)

    async def listen(self, topic: str) -> None:
        self._listening.add(topic)

    async def unlisten(self, topic: str) -> None:
        self._listening.discard(topic)

    async def history(self, topic: str, since: int | None) -> History:
        current = self._seq.get(topic, 0)
        if since is None or since == current:
            return History(self._epoch, current, [])
        log = self._log.get(topic, ())
        oldest = log[0][1].seq if log else current + 1
        if since > current or since + 1 < oldest:
            return History(self._epoch, current, None)
        # The log is gap-free: what was missed is its newest `current - since` entries (read
        # from the new end, so a resume costs what it replays, not the whole window).
        missed = [event for _, event in islice(reversed(log), current - since)]
        missed.reverse()
        return History(self._epoch, current, missed)

    async def new_epoch(self, topic: str, old: str) -> str:
        # One process's memory does not fail over: its seqs never go back.
        return self._epoch

    async def exchange_presence(
        self, here: Presence, counts_of: Collection[str], rosters_of: Collection[str]
    ) -> Presence:
        # One process: its report is the whole truth, replaced each time.
        self._presence = {topic: n for topic, n in here.counts.items() if n}
        self._rosters = {}
        for topic, people in here.rosters.items():
            by_id = {person["account_id"]: person for person in people}
            if by_id:
                self._rosters[topic] = [by_id[k] for k in sorted(by_id)]
        return Presence(
            await self.presence(counts_of),
            {topic: self._rosters.get(topic, []) for topic in rosters_of},
        )

    async def presence(self, topics: Iterable[str]) -> dict[str, int]:
        return {topic: self._presence.get(topic, 0) for topic in topics}

    async def gather(
        self, key: str, counts: dict[str, int], window_ms: int
    ) -> dict[str, int] | None:
        now = time.monotonic()
        if now - self._added_at.get(key, now) > PILE_WINDOWS * window_ms / 1000:
            self._piles.pop(key, None)  # left untaken too long: stale
        pile = self._piles.setdefault(key, {})
        for name, n in counts.items():
            pile[name] = pile.get(name, 0) + n
        if counts:
            self._added_at[key] = now
        if now - self._taken_at.get(key, -1e9) < window_ms / 1000:
            return None
        self._taken_at[key] = now
        return self._piles.pop(key)

    async def acquire_socket(self, account_id: int, limit: int) -> bool:
        if self._sockets.get(account_id, 0) >= limit:
            return False
        self._sockets[account_id] = self._sockets.get(account_id, 0) + 1
        return True

    async def release_socket(self, account_id: int) -> None:
        left = self._sockets.get(account_id, 0) - 1
        if left > 0:
            self._sockets[account_id] = left
        else:
            self._sockets.pop(account_id, None)
