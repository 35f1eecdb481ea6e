"""Visitors now and staff online agree across two `expo serve` processes on Redis and
PostgreSQL: people on one process are counted on the other, on the hall's cards, the booth
page and the `hall-live` summary."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.cluster import Process, sign_in
from tests.live import Peer

STAFF = "exhibitor@demo.shubo.live"  # staff of exhibitor 1
ORGANIZER = "organizer@demo.shubo.live"


async def figures(process: Process, exhibitor_id: int) -> tuple[int, int, int, int]:
    async with httpx.AsyncClient(base_url=process.base, timeout=5) as http:
        booth = (await http.get(f"/api/exhibitors/{exhibitor_id}")).json()
        hall = (await http.get("/api/exhibitors", params={"sort": "busy", "per_page": 1})).json()
    card: dict[str, Any] = hall["exhibitors"][0]
    assert card["id"] == exhibitor_id  # the busiest booth
    return booth["visitors_now"], booth["staff_online"], card["visitors_now"], card["staff_online"]


async def test_visitors_now_and_staff_online_agree_across_processes(two_processes):
    a, b = two_processes
    staff = await sign_in(a, STAFF)
    organiser = await sign_in(b, ORGANIZER)
    async with (
        a.connect(staff) as staff_on_a,
        b.connect(staff) as staff_on_b,  # the same person on the other process too
        b.connect(organiser) as organiser_on_b,
        a.connect() as visitor_on_a,
        b.connect() as visitor_on_b,
        b.connect() as second_on_b,
        a.connect() as hall_on_a,
    ):
        for ws, topic in [
            (staff_on_a, "booth-staff:1"),
            (staff_on_b, "booth-staff:1"),
            (organiser_on_b, "booth-staff:1"),
            (visitor_on_a, "booth:1"),
            (visitor_on_b, "booth:1"),
            (second_on_b, "booth:1"),
        ]:
            assert (await Peer(ws).command("subscribe", {"topic": topic}))["type"] == "ok"
        watcher = Peer(hall_on_a)
        assert (await watcher.command("subscribe", {"topic": "hall-live:0"}))["type"] == "ok"
        # Staff online counts accounts: one per process at most (the same person on two
        # processes shows twice: the processes do not share who is behind a socket).
        wanted = (3, 2, 3, 2)
        seen_a = seen_b = (0, 0, 0, 0)
        for _ in range(100):
            seen_a, seen_b = await figures(a, 1), await figures(b, 1)
            if seen_a == seen_b == wanted:
                break
            await asyncio.sleep(0.1)
        assert seen_a == seen_b == wanted
        counts: dict[str, int] = {}
        async with asyncio.timeout(10):
            while (counts.get("booth:1"), counts.get("booth-staff:1")) != (3, 2):
                counts = (await watcher.event("presence.summary"))["data"]["counts"]
        await staff_on_b.close()
        await second_on_b.close()
        for _ in range(100):
            seen_a, seen_b = await figures(a, 1), await figures(b, 1)
            if seen_a == seen_b == (2, 1, 2, 1):
                break
            await asyncio.sleep(0.1)
        assert seen_a == seen_b == (2, 1, 2, 1)
        async with asyncio.timeout(10):
            while (counts.get("booth:1"), counts.get("booth-staff:1")) != (2, 1):
                counts = (await watcher.event("presence.summary"))["data"]["counts"]
