"""Did a client lose events without being told? The check of the tests that restart Redis.

A publisher numbers what it sends (its `n`, read back from an event's data by `label`). After
the restart, the new Redis's log says which events belong to the new epoch and at which seq;
every other event belongs to the epoch before. A client's frames are then replayed by the
protocol's rules (docs/protocol.md): each event must follow on from the last, in the same
epoch, unless a `subscription.reset` moved the client to a new position first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import redis.asyncio as aioredis

Label = Callable[[dict[str, Any]], int]
Position = tuple[str, int]  # (epoch, seq)


async def read_new_epoch(
    url: str, topics: Iterable[str], label: Label
) -> tuple[dict[int, Position], dict[str, Position]]:
    """Each new-epoch event's position by its label, and each topic's last position."""
    admin = aioredis.from_url(url)
    new: dict[int, Position] = {}
    ends: dict[str, Position] = {}
    try:
        for topic in topics:
            epoch = (await admin.get(f"expo:{{{topic}}}:epoch")).decode()
            last = int(await admin.get(f"expo:{{{topic}}}:seq"))
            for _, fields in await admin.xrange(f"expo:{{{topic}}}:log"):
                envelope = json.loads(fields[b"p"])
                new[label(envelope["data"])] = (epoch, envelope["seq"])
            ends[topic] = (epoch, last)
    finally:
        await admin.aclose()
    return new, ends


def silent_gaps(
    frames: list[dict[str, Any]], start: Position, new: dict[int, Position], label: Label
) -> tuple[list[dict[str, Position]], Position]:
    """The places where a client following the rules skipped events unawares, and where it
    ended. `start` is the subscribe reply's (epoch, seq)."""
    epoch, seq = start
    gaps = []
    for frame in frames:
        if frame["type"] == "subscription.reset":
            epoch, seq = frame["data"]["epoch"], frame["data"]["seq"]
        elif "seq" in frame:
            event_epoch, event_seq = new.get(label(frame["data"]), (start[0], frame["seq"]))
            assert event_seq == frame["seq"]
            if event_epoch == epoch and event_seq <= seq:
                continue  # a duplicate: the client ignores it
            if (event_epoch, event_seq) != (epoch, seq + 1):
                gaps.append({"had": (epoch, seq), "got": (event_epoch, event_seq)})
            epoch, seq = event_epoch, event_seq
    return gaps, (epoch, seq)


def missed_silently(
    frames: list[dict[str, Any]], end: Position, new: dict[int, Position], label: Label
) -> int:
    """Events of the new epoch that never reached the client and that no reset covered."""
    epoch, last = end
    covered = max(
        (
            f["data"]["seq"]
            for f in frames
            if f["type"] == "subscription.reset" and f["data"]["epoch"] == epoch
        ),
        default=0,
    )
    got = {new[label(f["data"])][1] for f in frames if "seq" in f and label(f["data"]) in new}
    return sum(1 for seq in range(covered + 1, last + 1) if seq not in got)


def report(
    followers: Iterable[tuple[str, str, list[dict[str, Any]], Position]],
    new: dict[int, Position],
    ends: dict[str, Position],
    label: Label,
) -> dict[str, dict[str, Any]]:
    """For each (name, topic, frames, start) that did not end where its topic ended, or skipped
    events unawares: what went wrong. Empty when every client is whole or was told."""
    found = {}
    for name, topic, frames, start in followers:
        gaps, at = silent_gaps(frames, start, new, label)
        if gaps or at != ends[topic]:
            found[name] = {
                "silent gaps": gaps[:3],
                "new-epoch events missed silently": missed_silently(
                    frames, ends[topic], new, label
                ),
                "resets": sum(f["type"] == "subscription.reset" for f in frames),
                "ended at": at,
                "should end at": ends[topic],
            }
    return found
