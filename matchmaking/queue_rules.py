"""The booth queues' small rules apart from the line's order (matchmaking/queue_line.py): what
wait a position means, and when a call or an absence has run out. Pure, no I/O."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# With fewer served tickets than this in the recent past, a booth's service time is a guess.
MIN_HISTORY = 5
# The guess: most conversations at a booth take two to four minutes.
DEFAULT_SERVICE = (120.0, 240.0)


@dataclass(frozen=True, slots=True)
class ServiceTimes:
    """How long a conversation at this booth takes (seconds): the quick and the slow end of the
    recent ones (quartiles), and how many staff are serving (on duty; 0: nobody, so no wait
    can be promised)."""

    low: float
    high: float
    servers: int


def service_times(durations: Sequence[float], servers: int) -> ServiceTimes:
    """From the durations (seconds) of the booth's recent conversations."""
    if len(durations) < MIN_HISTORY:
        low, high = DEFAULT_SERVICE
    else:
        ordered = sorted(durations)
        low = ordered[len(ordered) // 4]
        high = ordered[(3 * len(ordered)) // 4]
    return ServiceTimes(max(low, 30.0), max(high, low, 30.0), max(servers, 0))


def staffed(times: ServiceTimes) -> bool:
    """Someone is on duty to serve the line."""
    return times.servers > 0


def eta_minutes(position: int, times: ServiceTimes) -> tuple[int, int] | None:
    """The wait of the person at `position`, as a range of whole minutes: the people ahead of
    them shared among the staff serving, each taking the quick or the slow time. Position 1 is
    next: up to one conversation's time. None with no staff on duty: nobody serves, so the
    wait is unknown (a range would be a promise nobody keeps)."""
    if not staffed(times):
        return None
    ahead = max(position - 1, 0)
    rounds_low = ahead // times.servers
    rounds_high = math.ceil(position / times.servers)
    low = math.floor(rounds_low * times.low / 60)
    high = max(math.ceil(rounds_high * times.high / 60), low + 1)
    return low, high


def call_deadline(called_at: datetime, window_seconds: int) -> datetime:
    return called_at + timedelta(seconds=window_seconds)


def call_expired(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and now >= deadline


def away_too_long(away_since: datetime | None, now: datetime, grace_seconds: int) -> bool:
    return away_since is not None and now - away_since >= timedelta(seconds=grace_seconds)
