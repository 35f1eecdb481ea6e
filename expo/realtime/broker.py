"""The broker: numbers, stores and fans out events, and sums presence, for all server processes.

Two implementations keep one contract (tests/realtime/test_broker_contract.py): `MemoryBroker`
for one process, `RedisBroker` for many. The backend is chosen by URL, as encode/broadcaster
does: no `EXPO_REDIS_URL` means in-process.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

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


@dataclass(frozen=True, slots=True)
class History:
    """What a topic holds for a client resuming after `since`."""

    epoch: str
    seq: int
    # None when `since` is older than the replay window or from another epoch: reload a snapshot.
    events: list[Event] | None


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

    async def history(self, topic: str, since: int | None) -> History: ...

    async def report_presence(self, counts: dict[str, int]) -> None:
        """This process's count of subscribers per topic (zero to withdraw)."""

    async def presence(self, topics: Iterable[str]) -> dict[str, int]:
        """Subscribers per topic over all live processes."""

    async def report_roster(self, rosters: dict[str, list[dict[str, Any]]]) -> None:
        """Who of a roster's roles follows each topic on this process (empty to withdraw)."""

    async def roster(self, topics: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Each topic's roster over all live processes: one entry per account, by account id."""

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
    redis_url: str | None, *, replay_window: int, redis_pool_size: int | None = None
) -> Broker:
    if redis_url:
        from expo.realtime.redis_broker import RedisBroker

        return RedisBroker(redis_url, replay_window=replay_window, pool_size=redis_pool_size)
    from expo.realtime.memory_broker import MemoryBroker

    return MemoryBroker(replay_window=replay_window)
