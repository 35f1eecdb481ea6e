"""The console's matchmaking page keeps the newest slot list (an older one, read late, is
dropped by its version) and links each of the busiest people to their meetings calendar."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from playwright.async_api import Route, expect

from tests.browser.web import Pages
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"


async def slots_now(server: LiveServer, cookie: str) -> dict[str, Any]:
    async with server.http(headers={"Cookie": cookie}) as client:
        return (await client.get("/api/match/slots")).json()  # type: ignore[no-any-return]


async def test_an_older_slot_list_read_late_does_not_replace_the_newer(
    pages: Pages, server: LiveServer
):
    cookie = await server.sign_in(ORGANIZER)
    old = await slots_now(server, cookie)
    page = await pages.open("/#/console/matchmaking", locale="en-GB", cookie=cookie)
    await expect(page.locator(".mmc-slot")).to_have_count(len(old["slots"]))
    served_old = asyncio.Event()

    async def late_old_list(route: Route) -> None:
        # A read that left before the change and answers after it: the older list.
        await route.fulfill(json=old)
        served_old.set()

    await page.route("**/api/match/slots", late_old_list)
    # Another organiser adds a slot: the page hears `match.slots_changed`, then reads again.
    ends = datetime.fromisoformat(old["slots"][-1]["ends_at"])
    new = {"starts_at": ends.isoformat(), "ends_at": (ends + timedelta(minutes=30)).isoformat()}
    async with server.http(headers={"Cookie": cookie}) as client:
        response = await client.put("/api/match/slots", json={"slots": [*old["slots"], new]})
    assert response.status_code == 200, response.text
    assert response.json()["version"] > old["version"]
    async with asyncio.timeout(10):
        await served_old.wait()
    await page.evaluate("new Promise((done) => setTimeout(done, 0))")  # the answer is handled
    await expect(page.locator(".mmc-slot")).to_have_count(len(old["slots"]) + 1)
    # Back to the stored list for the next test in this module.
    await page.unroute("**/api/match/slots")
    async with server.http(headers={"Cookie": cookie}) as client:
        response = await client.put("/api/match/slots", json={"slots": old["slots"]})
    assert response.status_code == 200, response.text


async def test_the_busiest_people_link_to_their_meetings_calendar(pages: Pages, server: LiveServer):
    cookie = await server.sign_in(ORGANIZER)
    async with server.http(headers={"Cookie": cookie}) as client:
        busiest = (await client.get("/api/match/dashboard")).json()["dashboard"]["busiest_people"]
    assert busiest, "the demo has meetings"
    page = await pages.open("/#/console/matchmaking", locale="en-GB", cookie=cookie)
    first = busiest[0]
    link = page.get_by_role("link", name=f"Download {first['name']}'s meetings calendar")
    href = f"/api/match/people/{first['account']}/meetings.ics"
    await expect(link).to_have_attribute("href", href)
    response = await page.request.get(href)
    assert response.status == 200 and response.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in await response.body()
