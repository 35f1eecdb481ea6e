"""What happens in this process, counted per second: the one line features add where something
happens (`services.counters.add("chat", forum_id)`), read by whoever sums every process's
figures (the control room, control/).

A counter is a kind ("chat", "question", "reaction", "chat_delete", "mute", "ban") and a key
(the room's id). Each keeps one bucket per second for the last `HORIZON` seconds, so what it
reports is "how many in the last N seconds" (N up to the horizon): sums of such reports from
every process are that many over the whole platform, with no history kept by the reader, and a
process that stops reporting simply drops out. The clock is passed in (monotonic seconds), so
the rules are tested without waiting.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

__all__ = ["HORIZON", "Counters", "Window"]

HORIZON = 600  # seconds of buckets kept per counter


class Window:
    """Events per whole second over the last `horizon` seconds."""

    __slots__ = ("_buckets", "_horizon")

    def __init__(self, horizon: int = HORIZON) -> None:
        self._horizon = horizon
        self._buckets: deque[list[int]] = deque()  # [second, count], oldest first

    def add(self, now: float, n: int = 1) -> None:
        second = int(now)
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += n
        else:
            self._buckets.append([second, n])
        self._trim(second)

    def total(self, now: float, seconds: int) -> int:
        """Events in the last `seconds` seconds, this one included (at most the horizon)."""
        second = int(now)
        self._trim(second)
        start = second - min(seconds, self._horizon) + 1
        return sum(count for at, count in self._buckets if start <= at <= second)

    def empty(self, now: float) -> bool:
        self._trim(int(now))
        return not self._buckets

    def _trim(self, second: int) -> None:
        oldest = second - self._horizon + 1
        while self._buckets and self._buckets[0][0] < oldest:
            self._buckets.popleft()


class Counters:
    """This process's counters, by (kind, key). Cheap to bump: a dict lookup and a deque."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[tuple[str, int], Window] = {}

    def add(self, kind: str, key: int, n: int = 1) -> None:
        window = self._windows.get((kind, key))
        if window is None:
            window = self._windows[(kind, key)] = Window()
        window.add(self._clock(), n)

    def totals(self, spans: Iterable[int]) -> dict[str, dict[str, dict[str, int]]]:
        """{kind: {key: {span: events in the last `span` seconds}}} for each span given; a
        counter with nothing in its horizon is forgotten."""
        now = self._clock()
        spans = list(spans)
        found: dict[str, dict[str, dict[str, int]]] = {}
        for (kind, key), window in list(self._windows.items()):
            if window.empty(now):
                del self._windows[(kind, key)]
                continue
            found.setdefault(kind, {})[str(key)] = {
                str(span): window.total(now, span) for span in spans
            }
        return found
