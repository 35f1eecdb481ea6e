"""The control room's rules: plain functions, no I/O, no clock of their own (docs/control.md).

- `lateness`: where a room stands against its programme (on time, started late, late, overrunning).
- `bitrate_alert`: a live stream whose bitrate fell well below its recent level, or that sends
  nothing.
- `alerts`: every condition organisers are told about, from the figures gathered once a second.
- `per_minute`: the rates shown, from the counts of every process.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

__all__ = [
    "Alert",
    "Level",
    "Lateness",
    "Limits",
    "ProcessSeen",
    "QueueFacts",
    "Sample",
    "Scheduled",
    "StageAir",
    "StageFacts",
    "Status",
    "alerts",
    "bitrate_alert",
    "lateness",
    "per_minute",
    "silent_processes",
]


class Status(StrEnum):
    ON_TIME = "on_time"  # live through its session, started no later than the tolerance
    STARTED_LATE = "started_late"  # live, but went on air `by` after the session's start
    LATE = "late"  # a session is on per the programme and the room is offline: `by` = now - start
    INTERRUPTED = "interrupted"  # the publisher went away: `by` = now - interrupted_since
    OVERRUNNING = "overrunning"  # still live `by` after its session ended, the next not begun
    UNSCHEDULED = "unscheduled"  # live with no session on, nor one it ran over from
    IDLE = "idle"  # offline with nothing on: as it should be
    EXTERNAL = "external"  # plays an external URL: the platform cannot tell whether it is on air


class Level(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A session of a room's programme."""

    id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class StageAir:
    """What the streams feature says of a room."""

    state: str  # live | interrupted | offline
    since: datetime | None = None
    interrupted_since: datetime | None = None
    external: bool = False


@dataclass(frozen=True, slots=True)
class Lateness:
    status: Status
    by: timedelta | None = None  # how late, how long interrupted or overrunning
    session: Scheduled | None = None  # the session on now (or the one it runs over from)
    next: Scheduled | None = None  # the next to start


def lateness(
    sessions: Sequence[Scheduled],
    air: StageAir,
    now: datetime,
    *,
    tolerance: timedelta = timedelta(minutes=1),
) -> Lateness:
    """A room's standing against its programme at `now` (the rule, docs/control.md):
    a session whose start passed while the room is not live is late by now - start; a stream
    that went live after its session's start (by more than `tolerance`) started late by that
    much; a stream still live after its session ended, before the next began, is overrunning by
    now - end."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    on_now = [s for s in ordered if s.starts_at <= now < s.ends_at]
    current = on_now[-1] if on_now else None  # the latest-starting when two overlap
    ended = [s for s in ordered if s.ends_at <= now]
    previous = max(ended, key=lambda s: (s.ends_at, s.id)) if ended else None
    upcoming = next((s for s in ordered if s.starts_at > now), None)
    if air.external:
        return Lateness(Status.EXTERNAL, None, current, upcoming)
    if air.state == "live":
        since = air.since or now
        if current is not None:
            late = since - current.starts_at
            if late > tolerance:
                return Lateness(Status.STARTED_LATE, late, current, upcoming)
            return Lateness(Status.ON_TIME, None, current, upcoming)
        if previous is not None and since < previous.ends_at:
            return Lateness(Status.OVERRUNNING, now - previous.ends_at, previous, upcoming)
        return Lateness(Status.UNSCHEDULED, None, None, upcoming)
    if air.state == "interrupted":
        gone = air.interrupted_since or now
        return Lateness(Status.INTERRUPTED, now - gone, current, upcoming)
    if current is not None:
        return Lateness(Status.LATE, now - current.starts_at, current, upcoming)
    return Lateness(Status.IDLE, None, None, upcoming)


@dataclass(frozen=True, slots=True)
class Sample:
    """The bitrate nginx reported for a room's stream at `at` (seconds, any monotonic clock);
    None when the stream was not in nginx's statistics."""

    at: float
    kbps: float | None


def bitrate_alert(
    samples: Sequence[Sample],
    now: float,
    *,
    ratio: float = 0.5,
    baseline_span: float = 60.0,
    recent_span: float = 5.0,
    min_baseline_kbps: float = 100.0,
    min_baseline_samples: int = 5,
) -> tuple[str, float | None, float | None] | None:
    """For a live stream: ("drop", recent, baseline) when the mean of the last `recent_span`
    seconds is below `ratio` x the median of the `baseline_span` before them; ("no_data", None,
    baseline) when every sample of the last `recent_span` seconds is missing or zero (and there
    is one at least that old, so a stream just started is given time); None otherwise. A
    baseline needs `min_baseline_samples` readings of at least `min_baseline_kbps`."""
    recent = [s for s in samples if now - recent_span < s.at <= now]
    before = [
        s.kbps
        for s in samples
        if now - recent_span - baseline_span < s.at <= now - recent_span and s.kbps
    ]
    baseline = statistics.median(before) if len(before) >= min_baseline_samples else None
    if baseline is not None and baseline < min_baseline_kbps:
        baseline = None
    sending = [s.kbps for s in recent if s.kbps]
    old_enough = any(s.at <= now - recent_span for s in samples)
    if recent and not sending and old_enough:
        return ("no_data", None, baseline)
    if baseline is None or not sending:
        return None
    level = statistics.fmean(sending)
    if level < ratio * baseline:
        return ("drop", level, baseline)
    return None


@dataclass(frozen=True, slots=True)
class ProcessSeen:
    id: str
    age: float  # seconds since its last report, by the shared clock


def silent_processes(
    seen: Iterable[ProcessSeen], *, stale_after: float, forget_after: float
) -> list[ProcessSeen]:
    """Processes that stopped reporting: silent longer than `stale_after`, not yet forgotten."""
    return sorted(
        (p for p in seen if stale_after < p.age <= forget_after), key=lambda p: (p.age, p.id)
    )


def per_minute(counts: Iterable[Mapping[str, Any]], kind: str, key: str, span: int = 60) -> int:
    """Events of `kind` for `key` in the last `span` seconds, summed over every process's report
    ({kind: {key: {span: n}}}); with the default span, events per minute."""
    total = 0
    for report in counts:
        by_key = report.get(kind) or {}
        total += int((by_key.get(key) or {}).get(str(span), 0))
    return total


@dataclass(frozen=True, slots=True)
class Limits:
    """The thresholds (settings, docs/control.md)."""

    not_live_after: timedelta = timedelta(minutes=2)
    queue_wait: timedelta = timedelta(minutes=10)
    deletion_flood: int = 10  # chat deletions per minute in one room
    bitrate_ratio: float = 0.5


@dataclass(frozen=True, slots=True)
class Alert:
    id: str  # stable while the condition lasts: "stage.not_live:3"
    kind: str
    level: Level
    data: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "level": self.level.value, **self.data}


@dataclass(frozen=True, slots=True)
class StageFacts:
    forum: int
    lateness: Lateness
    bitrate: tuple[str, float | None, float | None] | None = None
    deletions_per_minute: int = 0
    sanctions_recent: int = 0


@dataclass(frozen=True, slots=True)
class QueueFacts:
    exhibitor: int
    wait: timedelta


def alerts(
    stages: Sequence[StageFacts],
    queues: Sequence[QueueFacts],
    silent: Sequence[ProcessSeen],
    *,
    limits: Limits,
    stat_unreachable: bool = False,
) -> list[Alert]:
    """Every alert the figures call for, most urgent first (critical, warning, info; then by
    kind and id, so the list is stable from one second to the next)."""
    found: list[Alert] = []
    for stage in stages:
        late = stage.lateness
        if (
            late.status in (Status.LATE, Status.INTERRUPTED)
            and late.session is not None
            and late.by is not None
            and late.by >= limits.not_live_after
        ):
            found.append(
                Alert(
                    f"stage.not_live:{stage.forum}",
                    "stage.not_live",
                    Level.CRITICAL,
                    {"forum": stage.forum, "seconds": int(late.by.total_seconds())},
                )
            )
        if stage.bitrate is not None:
            what, kbps, baseline = stage.bitrate
            found.append(
                Alert(
                    f"stream.{what}:{stage.forum}",
                    f"stream.{what}",
                    Level.CRITICAL if what == "no_data" else Level.WARNING,
                    {
                        "forum": stage.forum,
                        "kbps": None if kbps is None else round(kbps),
                        "baseline_kbps": None if baseline is None else round(baseline),
                    },
                )
            )
        if stage.deletions_per_minute >= limits.deletion_flood:
            found.append(
                Alert(
                    f"moderation.deletions:{stage.forum}",
                    "moderation.deletions",
                    Level.WARNING,
                    {"forum": stage.forum, "per_minute": stage.deletions_per_minute},
                )
            )
        if stage.sanctions_recent:
            found.append(
                Alert(
                    f"moderation.sanctions:{stage.forum}",
                    "moderation.sanctions",
                    Level.INFO,
                    {"forum": stage.forum, "count": stage.sanctions_recent},
                )
            )
    for queue in queues:
        if queue.wait >= limits.queue_wait:
            found.append(
                Alert(
                    f"queue.long_wait:{queue.exhibitor}",
                    "queue.long_wait",
                    Level.WARNING,
                    {"exhibitor": queue.exhibitor, "seconds": int(queue.wait.total_seconds())},
                )
            )
    for process in silent:
        found.append(
            Alert(
                f"process.silent:{process.id}",
                "process.silent",
                Level.CRITICAL,
                {"process": process.id, "seconds": int(process.age)},
            )
        )
    if stat_unreachable:
        found.append(Alert("stream.stat_unreachable", "stream.stat_unreachable", Level.WARNING))
    order = {Level.CRITICAL: 0, Level.WARNING: 1, Level.INFO: 2}
    return sorted(found, key=lambda a: (order[a.level], a.kind, a.id))
