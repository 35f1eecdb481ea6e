"""The booth dashboard over two `expo serve` processes on Redis and PostgreSQL: a visit and a card
left on process A show on the dashboard of staff on process B, the dashboards of both processes
agree, each follower gets each update once (no process publishes for another), and a withdrawal
on B is gone from A's figures and leads at once."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import httpx

from tests.cluster import Process, sign_in
from tests.live import Peer

EXHIBITOR = "exhibitor@demo.shubo.live"
ORGANIZER = "organizer@demo.shubo.live"
BOOTH = 1
PASSWORD = "云上贵州-数据之都-2026"


async def register(process: Process) -> str:
    body = {
        "email": f"cluster-lead-{secrets.token_hex(5)}@example.com",
        "password": PASSWORD,
        "display_name": "双进程访客 Two-process visitor",
        "organisation": "贵州数据宝 GZ Databao",
    }
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return f"expo_session={response.cookies['expo_session']}"


async def get(process: Process, path: str, cookie: str) -> Any:
    async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
        response = await http.get(path, headers={"Cookie": cookie})
    assert response.status_code == 200, response.text
    return response.json()


class Watcher:
    """A staff page following the booth's staff topic: every `booth.dashboard` it got."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.seen: list[dict[str, Any]] = []

    async def until(self, test: Any, timeout: float = 15) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                if self.seen and test(self.seen[-1]):
                    return self.seen[-1]
                frame = json.loads(await self.peer.ws.recv())
                if frame["type"] == "booth.dashboard":
                    self.seen.append(frame["data"])


async def test_visits_and_leads_on_a_show_on_bs_dashboard_and_both_agree(two_processes):
    a, b = two_processes
    staff_cookie = await sign_in(b, EXHIBITOR)
    organiser_cookie = await sign_in(a, ORGANIZER)
    before = await get(b, f"/api/exhibitors/{BOOTH}/dashboard", staff_cookie)
    visitor_cookie = await register(a)
    async with (
        b.connect(staff_cookie) as staff_ws,
        a.connect(organiser_cookie) as organiser_ws,
        a.connect(visitor_cookie) as visitor_ws,
    ):
        on_b, on_a = Watcher(Peer(staff_ws)), Watcher(Peer(organiser_ws))
        for watcher in (on_b, on_a):
            reply = await watcher.peer.command("subscribe", {"topic": f"booth-staff:{BOOTH}"})
            assert reply["type"] == "ok", reply
        page = Peer(visitor_ws)
        assert (await page.command("subscribe", {"topic": f"booth:{BOOTH}"}))["type"] == "ok"
        visit = await page.command("booth.visit", {"exhibitor": BOOTH})
        assert visit["type"] == "ok", visit
        async with httpx.AsyncClient(base_url=a.base) as http:
            left = await http.post(
                f"/api/exhibitors/{BOOTH}/card",
                json={"consent": True},
                headers={"Cookie": visitor_cookie},
            )
        assert left.status_code == 201, left.text

        def shows_it(figures: dict[str, Any]) -> bool:
            return (
                figures["visits_today"] == before["visits_today"] + 1
                and figures["leads_total"] == before["leads_total"] + 1
                and figures["unique_total"] == before["unique_total"] + 1
                and figures["visitors_now"] == before["visitors_now"] + 1
            )

        seen_on_b = await on_b.until(shows_it)
        seen_on_a = await on_a.until(shows_it)
        assert seen_on_a == seen_on_b  # the same figures on both processes
        # Once a second at most, and an update once per follower: nothing changes for a while,
        # so nobody gets anything more (no other process publishing the same figures again).
        count_b, count_a = len(on_b.seen), len(on_a.seen)
        await asyncio.sleep(2.5)
        for watcher in (on_a, on_b):
            try:
                async with asyncio.timeout(0.2):
                    while True:
                        frame = json.loads(await watcher.peer.ws.recv())
                        if frame["type"] == "booth.dashboard":
                            watcher.seen.append(frame["data"])
            except TimeoutError:
                pass
        assert (len(on_b.seen), len(on_a.seen)) == (count_b, count_a)

        # The visitor leaves the booth page (on A) and withdraws the card on B.
        await page.command("unsubscribe", {"topic": f"booth:{BOOTH}"})
        async with httpx.AsyncClient(base_url=b.base) as http:
            gone = await http.delete(
                f"/api/exhibitors/{BOOTH}/card", headers={"Cookie": visitor_cookie}
            )
        assert gone.json() == {"withdrawn": True}

        def withdrawn(figures: dict[str, Any]) -> bool:
            return (
                figures["leads_total"] == before["leads_total"]
                and figures["visitors_now"] == before["visitors_now"]
            )

        after_a = await on_a.until(withdrawn)
        after_b = await on_b.until(withdrawn)
        assert after_a == after_b
    leads = await get(a, f"/api/exhibitors/{BOOTH}/leads?per_page=200", organiser_cookie)
    assert all("Two-process" not in lead["name"] for lead in leads["leads"])
