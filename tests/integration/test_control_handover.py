"""The control room's aggregation changes hands: of two processes on Redis and PostgreSQL, the
one aggregating stops, and the other takes over; the figures keep coming, their sequence still
growing, and the one that stopped is reported as silent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.cluster import sign_in, start, stop
from tests.live import Peer

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ORGANISER = "organizer@demo.shubo.live"
WAIT = 30.0


async def figures_until(
    peer: Peer, wanted: Callable[[dict[str, Any]], bool], timeout: float = WAIT
) -> dict[str, Any]:
    last: dict[str, Any] | None = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                last = (await peer.event("control.figures", timeout=timeout))["data"]
                if wanted(last):
                    return last
    except TimeoutError:
        raise AssertionError(f"not heard within {timeout} s; the last figures: {last}") from None


def leader(data: dict[str, Any]) -> str | None:
    return next((p["id"] for p in data["processes"] if p["leader"]), None)


async def test_the_survivor_takes_over_the_figures_when_the_aggregator_stops(shared_env, tmp_path):
    processes = [
        await start(shared_env, log=tmp_path / "one.log"),
        await start(shared_env, log=tmp_path / "two.log"),
    ]
    try:
        cookie = await sign_in(processes[0], ORGANISER)
        watchers = []
        for process in processes:
            ws = await process.connect(cookie).__aenter__()
            peer = Peer(ws)
            assert (await peer.command("subscribe", {"topic": "control:all"}))["type"] == "ok"
            watchers.append((ws, peer))
        # Both processes report; one of them aggregates (the figures name it).
        # (Under load the lease may change hands once while both start: the figures each
        # process's watcher hears then name the same aggregator.)
        # Process ids are host:pid:random: the pid says which child aggregates. (A process of
        # the module before may still hold the lease a moment: figures it sends are not ours.)
        pids = {str(p.child.pid): n for n, p in enumerate(processes)}

        def ours(d: dict[str, Any]) -> bool:
            found = leader(d)
            return len(d["processes"]) >= 2 and found is not None and found.split(":")[1] in pids

        both = await figures_until(watchers[0][1], ours)
        first = leader(both)
        assert first is not None
        other = await figures_until(watchers[1][1], lambda d: leader(d) == first)
        assert leader(other) == first  # the same figures, heard on both
        index = pids[first.split(":")[1]]
        survivor = 1 - index
        await watchers[index][0].close()
        await stop(processes[index])
        peer = watchers[survivor][1]
        taken = await figures_until(
            peer, lambda d: leader(d) not in (None, first) and d["seq"] > both["seq"]
        )
        assert leader(taken) != first
        silent = await figures_until(
            peer, lambda d: any(a["id"] == f"process.silent:{first}" for a in d["alerts"])
        )
        # In the new leader's first figures already, or later: its lease came after the dead
        # process's heartbeat went stale (a loaded machine), or before. Both are right.
        assert silent["seq"] >= taken["seq"]
        await watchers[survivor][0].close()
    finally:
        for process in processes:
            await stop(process)
