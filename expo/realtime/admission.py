"""How many websocket handshakes a process admits at once, and the line the others wait in.

Admitting a socket costs a `connect` rate-limit check in Redis, a session read in the database
and the account's socket quota: a few milliseconds each. When thousands come at once (a balancer
blinked, a process restarted) and all are taken, they progress together, each waiting behind all
the others, and finish together, late: past a client's patience, so the work is thrown away and
done again. Here `at_once` of them are admitted at a time and the rest wait in order of arrival,
so the first are back at once and each of the others as its turn comes. One that has waited
`max_wait` seconds (or finds `max_line` waiting) is refused, before any of that work, with when
to come back: once the line now waiting should have drained (at the pace this process has been
admitting), spread so that the refused do not all return in the same second.

Nobody is refused on a guess: an estimate of the wait made from the pace at the start of a storm
is far too long (the pace ramps up as the line forms), and each needless refusal costs a client
a reconnection and a step up its backoff. The wait is bounded by waiting, not by predicting.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

PACE_WINDOW = 2.0  # seconds of admissions the pace is measured over
MIN_RETRY = 1.0
MAX_RETRY = 60.0


class Overloaded(Exception):
    """Admitting this handshake would take longer than the line may: come back in
    `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"come back in {retry_after:.1f} s")
        self.retry_after = retry_after


class Pace:
    """Admissions finished per second over the last `window` seconds (None before any)."""

    def __init__(self, window: float = PACE_WINDOW, clock: Callable[[], float] = time.monotonic):
        self.window, self.clock = window, clock
        self._done: deque[float] = deque()

    def finished(self) -> None:
        self._done.append(self.clock())

    def per_second(self) -> float | None:
        now = self.clock()
        while self._done and self._done[0] < now - self.window:
            self._done.popleft()
        if len(self._done) < 2:
            return None
        span = max(now - self._done[0], self.window / 4)
        return len(self._done) / span


class Admission:
    def __init__(
        self,
        at_once: int,
        max_wait: float,
        max_line: int = 20_000,
        pace: Pace | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if at_once < 1:
            raise ValueError("at_once must be at least 1")
        self.at_once, self.max_wait, self.max_line = at_once, max_wait, max_line
        self.pace = pace or Pace()
        self._rng = rng or random.Random()
        self._busy = 0
        self._line: deque[asyncio.Future[None]] = deque()
        self.refused = 0  # since the process started, for its metrics and logs

    @property
    def waiting(self) -> int:
        return len(self._line)

    @property
    def busy(self) -> int:
        return self._busy

    def expected_wait(self, ahead: int) -> float | None:
        """Seconds until `ahead` waiting handshakes are admitted, at the measured pace."""
        pace = self.pace.per_second()
        return None if pace is None else ahead / pace

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the `at_once` admissions for the block, after waiting in line for it; or
        raise Overloaded (nothing held) when the wait would be too long."""
        await self._enter()
        try:
            yield
        finally:
            self.pace.finished()
            self._leave()

    async def _enter(self) -> None:
        if self._busy < self.at_once and not self._line:
            self._busy += 1
            return
        if len(self._line) >= self.max_line:
            raise self._overloaded()
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._line.append(turn)
        try:
            # The slot is handed over with the turn (_leave): _busy already counts us.
            await asyncio.wait_for(asyncio.shield(turn), self.max_wait)
        except TimeoutError:
            if turn.done() and not turn.cancelled():
                return  # handed a slot just as the wait ran out: take it
            self._forget(turn)
            raise self._overloaded() from None
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._leave()  # handed a slot just as we were cancelled: pass it on
            else:
                self._forget(turn)
            raise

    def _forget(self, turn: asyncio.Future[None]) -> None:
        turn.cancel()
        with contextlib.suppress(ValueError):  # _leave may have dropped it already
            self._line.remove(turn)

    def _overloaded(self) -> Overloaded:
        self.refused += 1
        drain = self.expected_wait(len(self._line)) or self.max_wait
        # Once the line now waiting has drained, and spread over half as long again: back
        # sooner, it would wait behind them all (and a browser's backoff grows with each
        # refusal); refused at the same moment, all back together, it would be a storm again.
        return Overloaded(min(MAX_RETRY, max(MIN_RETRY, drain * self._rng.uniform(1.0, 1.5))))

    def _leave(self) -> None:
        while self._line:
            turn = self._line.popleft()
            if not turn.done():
                turn.set_result(None)
                return  # the slot goes to it
        self._busy -= 1
