"""The control room's thresholds and timings, from the environment (docs/control.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from control.rules import Limits


class ControlConfigError(ValueError):
    """A control-room setting is out of range; the message names it."""


@dataclass(frozen=True, slots=True)
class ControlConfig:
    limits: Limits = field(default_factory=Limits)
    # Each process reports this often (seconds); the figures go out at most this often too.
    interval: float = 1.0
    # A process not heard of for this long has stopped reporting (an alert) ...
    process_stale: float = 5.0
    # ... until this long, when it is forgotten (a process shut down for good).
    process_forget: float = 600.0
    # How long one process holds the aggregation before another may take it over (renewed
    # every interval while it lives).
    lease: float = 3.0
    # The longest queues shown.
    top_queues: int = 10
    # Where nginx's rtmp_stat is read (streams/stat.py): None derives it.
    stat_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ControlConfig:
        env = os.environ if environ is None else environ

        def number(key: str, default: float, low: float, high: float) -> float:
            given = (env.get(key) or "").strip()
            if not given:
                return default
            try:
                value = float(given)
            except ValueError:
                raise ControlConfigError(f"{key}={given!r} is not a number") from None
            if not low <= value <= high:
                raise ControlConfigError(f"{key}={given!r}: from {low:g} to {high:g}")
            return value

        limits = Limits(
            not_live_after=timedelta(seconds=number("EXPO_CONTROL_NOT_LIVE_AFTER", 120, 0, 86400)),
            queue_wait=timedelta(seconds=number("EXPO_CONTROL_QUEUE_WAIT", 600, 1, 86400)),
            deletion_flood=int(number("EXPO_CONTROL_DELETION_FLOOD", 10, 1, 100000)),
            bitrate_ratio=number("EXPO_CONTROL_BITRATE_RATIO", 0.5, 0.01, 0.99),
        )
        interval = number("EXPO_CONTROL_INTERVAL", 1.0, 0.1, 60)
        stale = number("EXPO_CONTROL_PROCESS_STALE", 5.0, 0.5, 3600)
        if stale <= interval:
            raise ControlConfigError(
                "EXPO_CONTROL_PROCESS_STALE must exceed EXPO_CONTROL_INTERVAL: every process "
                "would read as silent between two of its reports"
            )
        return cls(
            limits=limits,
            interval=interval,
            process_stale=stale,
            process_forget=max(stale, number("EXPO_CONTROL_PROCESS_FORGET", 600, 1, 86400)),
            lease=max(3 * interval, 3.0),
            top_queues=int(number("EXPO_CONTROL_TOP_QUEUES", 10, 1, 100)),
            stat_url=(env.get("EXPO_RTMP_STAT_URL") or "").strip() or None,
        )
