"""Counts that change with every vote (a question's upvotes, a poll's tally) are announced at
most once per interval per key in each process, each time read afresh from the database.

A vote touches its key. The first touch reads and publishes at once (a quiet room sees a vote
straight away); touches during the next interval are folded into one more read at its end. So a
room where thousands vote gets one event per interval per process, not one per vote.

Several processes publish the same key independently, and a read on one process can be
published after a newer read on another. So every publish is followed, one interval later, by
a confirming read: a process that finds the database moved on from what it last published
publishes again. The last event on the topic therefore always carries the stored numbers, and
every process converges on them.

A value with a `version` (a poll's tally carries the poll's) is never published over one of a
newer version this process already published: that read is stale, and the next one is newer.
Pages apply the same rule to what other processes publish.

Publishes go through the hub's one policy for stored changes (expo/realtime/announce.py): a
count the broker fails is retried from there, so it is never lost to a broker outage longer
than the coalescer's own retries.

The state is per process on purpose (what this process has published lately); what the numbers
are is always the database's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expo.services import Services

log = logging.getLogger("forums.coalescer")

CACHE_KEY = "forums.coalescer"
MAX_FAILURES = 5  # consecutive failed reads or publishes before a key is given up

Read = Callable[[], Awaitable[Any]]
# Publishes the value just read; gets the one this process published before (None: nothing).
Publish = Callable[[Any, Any], Awaitable[None]]


@dataclass(slots=True)
class _Key:
    read: Read
    publish: Publish
    dirty: bool = True
    sent: Any = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class Coalescer:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._keys: dict[Hashable, _Key] = {}

    def touch(self, key: Hashable, read: Read, publish: Publish) -> None:
        """Something behind `key` changed (and is committed): publish it soon."""
        entry = self._keys.get(key)
        if entry is not None:
            entry.dirty = True
            return
        entry = self._keys[key] = _Key(read, publish)
        entry.task = asyncio.create_task(self._run(key, entry), name=f"coalesce {key}")

    async def _run(self, key: Hashable, entry: _Key) -> None:
        failures = 0
        try:
            while True:
                entry.dirty = False
                try:
                    value = await entry.read()
                    changed = value != entry.sent and not _older(value, entry.sent)
                    if changed:
                        await entry.publish(value, entry.sent)
                        entry.sent = value
                    failures = 0
                except Exception:
                    failures += 1
                    log.warning("could not announce %s", key, exc_info=True)
                    if failures >= MAX_FAILURES:
                        return
                    changed = True  # try again after the interval
                await asyncio.sleep(self.interval)
                # Stop once a read found nothing new and nothing was touched since.
                if not entry.dirty and not changed:
                    return
        finally:
            if self._keys.get(key) is entry:
                del self._keys[key]

    def close(self) -> None:
        for entry in self._keys.values():
            if entry.task is not None:
                entry.task.cancel()
        self._keys.clear()


def _older(value: Any, sent: Any) -> bool:
    """Whether `value` describes an older version of its object than `sent` did."""
    version, before = getattr(value, "version", None), getattr(sent, "version", None)
    return isinstance(version, int) and isinstance(before, int) and version < before


def coalescer(services: Services) -> Coalescer:
    """This process's coalescer (made by `run_coalescer`; or here, the first time it is used)."""
    found = services.cache.get(CACHE_KEY)
    if found is None:
        found = services.cache[CACHE_KEY] = Coalescer(services.settings.presence_interval)
    return found


async def run_coalescer(services: Services) -> None:
    """A feature task: owns the coalescer for the app's life and stops its work at shutdown."""
    found = coalescer(services)
    try:
        await asyncio.Event().wait()
    finally:
        found.close()
