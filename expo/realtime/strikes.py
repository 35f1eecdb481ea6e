"""Addresses that keep breaking the websocket protocol are answered later.

A browser never sends a malformed handshake, a binary frame, broken UTF-8 or an oversized
frame: each is a strike against the address it came from (never a refused session nor a rate
limit: a stale cookie or a busy process is not the client's fault). Past the address's budget
of strikes (rate `strikes`), each of its new handshakes waits `delay` seconds before any work is
done on it, then is handled as usual, so even the refusals still come within a second. Costless
to a browser, it slows an attacker that reconnects as fast as it is answered: its loop turns at
the tarpit's pace instead of the process's, and the process's time goes to the rooms' events.

Per process, like the admission line and the command pace: it guards that process's CPU. The
book is bounded: past `max_addresses` the address struck longest ago is forgotten.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from expo.ratelimit import Rate, gcra
from expo.realtime import metrics

MAX_ADDRESSES = 50_000


class Strikes:
    def __init__(
        self,
        rate: Rate,
        delay: float,
        max_addresses: int = MAX_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.delay, self.max_addresses, self.clock = rate, delay, max_addresses, clock
        self._due: OrderedDict[str, float] = OrderedDict()  # address -> GCRA's arrival time (ms)

    def strike(self, address: str | None) -> None:
        """`address` broke the protocol once more (None: an address we cannot tell)."""
        if address is None or self.delay <= 0:
            return
        metrics.STRIKES.inc()
        now = self.clock() * 1000
        _, self._due[address] = gcra(self._due.get(address), now, self.rate)
        self._due.move_to_end(address)
        while len(self._due) > self.max_addresses:
            self._due.popitem(last=False)

    def wait_for(self, address: str | None) -> float:
        """Seconds a new handshake from `address` waits before it is handled (0: none)."""
        due = self._due.get(address) if address is not None else None
        if due is None:
            return 0.0
        now = self.clock() * 1000
        if due <= now:
            del self._due[address]  # type: ignore[arg-type]  # (not None: found above)
            return 0.0
        if due - now <= self.rate.tolerance_ms:  # the budget is not spent yet
            return 0.0
        return self.delay
