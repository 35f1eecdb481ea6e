"""What tripped people trying the expo hall in Chromium (a walk through the demo as an attendee,
the demo exhibitor's staff and an organiser), each pinned so it stays fixed."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.web import Pages
from tests.live import LiveServer

EXHIBITOR = "exhibitor@demo.shubo.live"  # staff of exhibitor 1 (黔算云 Qiansuan Cloud)
ATTENDEE = "attendee@demo.shubo.live"
BOOTH = 1


async def test_staff_on_their_own_booth_page_count_as_staff_online(
    pages: Pages, server: LiveServer
):
    """The booth's staff member, on duty and on the booth page itself (answering its public
    chat), was shown to visitors as "No staff online" next to "Staff on duty: 刘洋": only the
    inbox and the dashboard counted them."""
    staff = await pages.open(
        f"/#/booth/{BOOTH}", locale="en-GB", cookie=await server.sign_in(EXHIBITOR)
    )
    await expect(staff.locator("[data-tool=inbox]")).to_be_visible()
    visitor = await pages.open(
        f"/#/booth/{BOOTH}", locale="en-GB", cookie=await server.sign_in(ATTENDEE)
    )
    await expect(visitor.locator(".booth-staff")).to_have_text("1 staff online")
    await expect(staff.locator(".booth-staff")).to_have_text("1 staff online")
