"""The broker: numbers, stores and fans out events, and sums presence, for all server processes.

Two implementations keep one contract (tests/realtime/test_broker_contract.py): `MemoryBroker`
for one process, `RedisBroker` for many. The backend is chosen by URL, as encode/broadcaster
does: no `EXPO_REDIS_URL` means in-process.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

# The in-process broker's clock, in seconds since the epoch (tests pass their own). The Redis
# broker has none: its scripts read Redis's TIME, one clock for every process.
Clock = Callable[[], float]

# `gather`: a pile left untaken this many windows after its last addition is dropped.
PILE_WINDOWS = 10


class BrokerUnavailable(ConnectionError):
    """The broker cannot be reached; what was asked did not happen."""


class BrokerTimeout(BrokerUnavailable):
    """The broker did not answer in time: what was asked may or may not have happened."""


@dataclass(frozen=True, slots=True)
class Event:
    topic: str
    seq: int
    # The whole envelope, encoded once: {"type", "topic", "seq", "data"}.
    payload: bytes
    # The history the seq belongs to: a seq means nothing without it (the hub compares it on
    # every event, so a topic never goes on with a seq from another epoch).
    epoch: str


@dataclass(frozen=True, slots=True)
class History:
    """What a topic holds for a client resuming after `since`."""

    epoch: str
    seq: int
    # None when `since` is older than the replay window or from another epoch: reload a snapshot.
    events: list[Event] | None


@dataclass(frozen=True, slots=True)
class Presence:
    """Who follows which topics: the audience per topic, and the people on each roster (one
    entry per account, by account id)."""

    counts: dict[str, int] = field(default_factory=dict)
    rosters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class Sink(Protocol):
    """What the broker feeds: the hub of this process."""

    def deliver(self, event: Event) -> None: ...

    def resync(self) -> None:
        """Live delivery was interrupted; check every topic for missed events."""

    def control(self, message: bytes) -> None:
        """A control message that every process receives (a session ended, say)."""


class Broker(Protocol):
    async def start(self, sink: Sink) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise when the broker cannot be reached."""

    async def publish(self, topic: str, event_type: str, data: Any) -> Event:
        """Number the event, keep it for replay and fan it out; returns it with its seq."""

    async def announce(self, message: bytes) -> None:
        """Send a control message to every process's sink (not numbered, not kept)."""

    async def listen(self, topic: str) -> None:
        """Deliver this topic's events to the sink from now on."""

    async def unlisten(self, topic: str) -> None: ...

    async def history(self, topic: str, since: int | None) -> History:
        """The topic's epoch and seq, and the events after `since` when the replay window
        still holds them all: every event of the last `replay_seconds`, up to `replay_window`
        events (what is older may be kept until the next publish trims it)."""

    async def new_epoch(self, topic: str, old: str) -> str:
        """Start a new epoch for `topic` if its epoch is still `old`, its seq going on from
        where it is (a failover lost the newest events: their seqs must not mean other events
        under the same epoch); the topic's epoch now, whoever started it."""

    async def exchange_presence(
        self, here: Presence, counts_of: Collection[str], rosters_of: Collection[str]
    ) -> Presence:
        """Replace this process's report with `here` (a topic left out is withdrawn) and read
        back, over all live processes, the audience of each of `counts_of` and the roster of
        each of `rosters_of`. One round trip, however many topics: a process calls it once per
        presence interval. A process that stops calling it drops out of the sums."""

    async def presence(self, topics: Iterable[str]) -> dict[str, int]:
        """Subscribers per topic over all live processes (reads only)."""

    async def gather(
        self, key: str, counts: dict[str, int], window_ms: int
    ) -> dict[str, int] | None:
        """Add `counts` to the pile under `key`. If nobody took the pile in the last `window_ms`,
        take it (all processes' counts, emptied) and return it; else None, and the pile waits.
        So a room's reactions go out at most once per window, whichever process sends them.
        A pile nobody added to for PILE_WINDOWS windows is dropped (its adder died before it
        took it): stale counts are never handed over long after the fact."""

    async def acquire_socket(self, account_id: int, limit: int) -> bool:
        """Count one more open socket of the account, unless it has `limit` over all processes."""

    async def release_socket(self, account_id: int) -> None: ...


def make_broker(
    redis_url: str | None,
    *,
    replay_window: int,
    replay_seconds: float,
    redis_pool_size: int | None = None,
) -> Broker:
    if redis_url:
        from expo.realtime.redis_broker import RedisBroker

        return RedisBroker(
            redis_url,
            replay_window=replay_window,
            replay_seconds=replay_seconds,
            pool_size=redis_pool_size,
        )
    from expo.realtime.memory_broker import MemoryBroker

    return MemoryBroker(replay_window=replay_window, replay_seconds=replay_seconds)
