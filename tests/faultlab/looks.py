"""What the scenarios read of the platform itself, besides their clients: the booth's line as
its staff see it, the rooms' audience, the chat messages stored."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlmodel import col, select

from forums.models import ChatMessage
from tests.faultlab.client import Client
from tests.faultlab.stage import Stage

Line = list[tuple[int, int, Any]]


async def read_line(stage: Stage, staff: str, booth: int) -> Line:
    """The booth's line as its staff see it: (ticket, position, away since)."""
    status, body = await stage.http[stage.ws_urls[0]].send(
        "GET", f"/api/match/queues/{booth}/line", staff
    )
    assert status == 200, (status, body)
    return [(t["id"], t["position"], t["away_since"]) for t in body["waiting"]]


def ordered(line: Line) -> Line:
    return [(ticket, i + 1, None) for i, (ticket, _, _) in enumerate(line)]


async def line_settles(stage: Stage, staff: str, booth: int, before: Line, timeout: float) -> Line:
    """The line once it is what it was (or as it is after `timeout`): a ticket marked away
    while its owner reconnected is back by the sweeper's next look."""
    deadline = time.monotonic() + timeout
    while True:
        found = await read_line(stage, staff, booth)
        if found == ordered(before) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


async def audience_settles(
    stage: Stage, clients: list[Client], rooms: list[int], timeout: float
) -> float | None:
    """Seconds until every room's audience is the clients following it, or None."""
    began = time.monotonic()
    expected = {room: 0 for room in rooms}
    for client in clients:
        for name in client.topics:
            if name.startswith("forum:"):
                expected[int(name.split(":")[1])] += 1
    while time.monotonic() - began < timeout:
        status, body = await stage.http[stage.ws_urls[0]].send("GET", "/api/forums", "")
        if status == 200:
            found = {f["id"]: f["audience"] for f in body["forums"] if f["id"] in expected}
            if found == expected:
                return time.monotonic() - began
        await asyncio.sleep(0.5)
    return None


async def stored_texts(stage: Stage, rooms: list[int]) -> set[str]:
    async with stage.db() as db:
        found = await db.execute(
            select(ChatMessage.text).where(col(ChatMessage.forum_id).in_(rooms))
        )
        return {str(t) for t in found.scalars()}
