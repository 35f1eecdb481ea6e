"""The console's matchmaking page keeps the newest slot list (an older one, read late, is
dropped by its version) and links each of the busiest people to their meetings calendar."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.async_api import Browser, Route, expect

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


async def test_the_dashboard_headline_counts_who_asked_and_lists_people_apart(
    pages: Pages, server: LiveServer
):
    cookie = await server.sign_in(ORGANIZER)
    async with server.http(headers={"Cookie": cookie}) as client:
        d = (await client.get("/api/match/dashboard")).json()["dashboard"]
    asked = d["asked_without_meeting"]
    page = await pages.open("/#/console/matchmaking", locale="en-GB", cookie=cookie)
    headline = page.locator('[data-figure="asked_without_meeting"]')
    await expect(headline).to_contain_text("People who asked (sent or accepted a request)")
    await expect(headline.locator("strong")).to_have_text(str(asked["count"]))
    await expect(page.locator('[data-figure="without_request"] strong')).to_have_text(
        str(d["without_request"]["count"])
    )
    await expect(page.get_by_role("heading", name=f"({asked['count']} in all)")).to_be_visible()
    items = page.locator(".mmc-waiting li[data-account]")
    await expect(items).to_have_count(len(asked["people"]))
    for i, person in enumerate(asked["people"]):
        tag = person["organisation"] or f"#{person['account']}"
        await expect(items.nth(i)).to_contain_text(tag)
    rest = asked["count"] - len(asked["people"])
    if rest:
        await expect(page.locator(".mmc-more")).to_have_text(f"… and {rest} more")
    # The chart: 0, 1, 2, 3+ with each bar's count and the axes named.
    chart = page.locator("svg.mmc-chart")
    await expect(chart.locator(".mmc-chart-tick")).to_have_text(["0", "1", "2", "3+"])
    folded = [0, 0, 0, 0]
    for b in d["per_participant"]:
        folded[min(b["meetings"], 3)] += b["people"]
    await expect(chart.locator(".mmc-chart-count")).to_have_text([str(n) for n in folded])
    await expect(chart.locator(".mmc-chart-axis")).to_have_text(["Meetings", "People"])
    await page.get_by_role("button", name="中文").click()
    await expect(headline).to_contain_text("已提出请求")
    await expect(page.locator('[data-figure="without_request"]')).to_contain_text("没有任何请求")


async def test_slots_are_entered_and_listed_in_the_expos_time_zone_from_a_berlin_browser(
    browser: Browser, server: LiveServer
):
    """An organiser whose browser is in Berlin adds a day 09:30–12:00: the slots are Guiyang's
    (China Standard Time, UTC+8), stored as 01:30Z–04:00Z, and listed as 09:30… again."""
    cookie = await server.sign_in(ORGANIZER)
    old = await slots_now(server, cookie)
    context = await browser.new_context(
        base_url=server.base, locale="en-GB", timezone_id="Europe/Berlin"
    )
    try:
        name, _, value = cookie.partition("=")
        await context.add_cookies([{"name": name, "value": value, "url": server.base}])
        page = await context.new_page()
        await page.goto("/#/console/matchmaking")
        await expect(page.locator(".mmc-zone")).to_contain_text(
            "北京时间 / China Standard Time (UTC+8)"
        )
        await expect(page.locator(".mmc-slot")).to_have_count(len(old["slots"]))
        await page.locator("#mmc-day").fill("2031-06-02")  # a summer day: Berlin is UTC+2
        await page.locator("#mmc-from").fill("09:30")
        await page.locator("#mmc-to").fill("12:00")
        await page.locator("#mmc-length").fill("30")
        await page.get_by_role("button", name="Add this day's slots").click()
        await expect(page.locator(".mmc-slot")).to_have_count(len(old["slots"]) + 5)
        new = [s for s in (await slots_now(server, cookie))["slots"] if s["starts_at"] >= "2031"]
        starts = sorted(datetime.fromisoformat(s["starts_at"]) for s in new)
        ends = sorted(datetime.fromisoformat(s["ends_at"]) for s in new)
        assert starts[0] == datetime(2031, 6, 2, 1, 30, tzinfo=UTC)
        assert ends[-1] == datetime(2031, 6, 2, 4, 0, tzinfo=UTC)
        shown = page.locator(".mmc-slot").filter(has_text="09:30–10:00")
        await expect(shown.last).to_be_visible()
        await expect(page.locator(".mmc-slot").filter(has_text="11:30–12:00")).not_to_have_count(0)
    finally:
        await context.close()
        async with server.http(headers={"Cookie": cookie}) as client:
            current = (await client.get("/api/match/slots")).json()
            kept = [s for s in current["slots"] if s["starts_at"] < "2031"]
            response = await client.put("/api/match/slots", json={"slots": kept})
        assert response.status_code == 200, response.text
