"""What sits over every page: the offline banner beside the organisers' announcement (both in
view, stacked), and the agenda's reminder toast (opaque, readable)."""

from __future__ import annotations

from datetime import datetime, timedelta

from playwright.async_api import Page, expect

from expo.realtime import closecodes
from forums.agenda import remind_due
from forums.models import ForumSession
from tests.browser.web import ATTENDEE, Line, Pages, boxes, screenshot
from tests.live import LiveServer, Peer
from tests.waiting import eventually

ORGANIZER = "organizer@demo.shubo.live"


async def announce(server: LiveServer, text: str) -> None:
    async with server.http(headers={"Cookie": await server.sign_in(ORGANIZER)}) as http:
        response = await http.post("/api/announcements", json={"text_zh": text, "text_en": text})
        assert response.status_code == 201, response.text


async def go_offline(server: LiveServer, page: Page, line: Line, forum: int) -> None:
    """The network goes: the server cuts the page's socket and the page's retries hang. The
    page's subscription must have reached the server first: the watching badge can show before
    it does, and a line cut while it is on its way leaves no socket following the room."""
    [socket] = await eventually(
        lambda: [c for c in server.services.gateway.clients if f"forum:{forum}" in c.topics]
    )
    line.down()
    socket.close(closecodes.INTERNAL, "No answer to the keepalive ping.")
    await expect(page.locator("#offline")).to_be_visible()


async def test_the_offline_banner_and_the_announcement_are_both_in_view(
    pages: Pages, server: LiveServer
):
    await announce(server, "Lunch 12:00–13:30; the afternoon starts at 13:30.")
    for phone, forum in ((False, 6), (True, 7)):
        page = await pages.new(locale="en-US", phone=phone)
        line = Line()
        await line.carry(page.context)
        await page.goto(f"/#/forum/{forum}")
        await expect(page.locator(".announcement-banner")).to_contain_text("Lunch 12:00")
        await expect(page.locator(".watching-badge")).to_contain_text("watching")
        await go_offline(server, page, line, forum)
        await page.evaluate("document.fonts.ready.then(() => true)")
        at = await boxes(
            page,
            offline="#offline",
            announcement=".announcement-banner",
            side=".room-side",
            header="#header",
        )
        offline, announcement = at["offline"], at["announcement"]
        assert offline and announcement, at
        assert offline["bottom"] <= announcement["top"] + 0.5, ("covered", phone, at)
        assert announcement["bottom"] <= at["window"]["bottom"], (phone, at)
        side = at["side"]
        if not phone:  # the side panel sticks below the header and the offline banner both
            assert side and side["top"] >= offline["bottom"] - 0.5, at
            await screenshot(page, "room-offline-en")
        line.up()
        await expect(page.locator("#offline")).to_be_hidden()


async def test_the_reminder_toast_is_opaque_and_announced(pages: Pages, server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    async with server.http() as http:
        starred = (await http.get("/api/forums/3")).json()["sessions"][1]
    async with server.connect(cookie) as ws:
        reply = await Peer(ws).command("agenda.star", {"session": starred["id"]})
        assert reply["type"] == "ok", reply
    page = await pages.open("/#/", locale="en-US", cookie=cookie)
    await expect(page.locator(".forum-card").first).to_be_visible()
    async with server.services.db() as db:  # sent already if it started minutes ago: again
        row = await db.get(ForumSession, starred["id"])
        assert row is not None
        row.reminded_at = None
        await db.commit()
    await remind_due(
        server.services, datetime.fromisoformat(starred["starts_at"]) + timedelta(seconds=30)
    )
    toast = page.locator(".toast")
    await expect(toast).to_contain_text(starred["title"]["en"])
    # Opaque: nothing of the page behind shows through the toast's text.
    background = await toast.evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert background.startswith("rgb("), background
    # A named landmark whose additions are read out (once: the toast is no live region itself).
    toasts = page.get_by_role("region", name="Reminders")
    await expect(toasts).to_have_attribute("aria-live", "polite")
    await expect(toasts.locator(".toast")).to_have_count(1)
    await expect(toasts.locator("[aria-live], [role=status]")).to_have_count(0)
    await toast.get_by_role("button", name="Dismiss").click()
    await expect(toast).to_have_count(0)
