"""The console's tab row on a 390 px phone: it scrolls sideways inside itself (the page does
not widen), and the current tab, far along the row, is scrolled into view when the page opens."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.web import Pages
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"


async def test_the_tab_row_scrolls_and_shows_the_current_tab_on_a_phone(
    pages: Pages, server: LiveServer
):
    cookie = await server.sign_in(ORGANIZER)
    page = await pages.open("/#/console/matchmaking", locale="zh-CN", cookie=cookie, phone=True)
    nav = page.locator(".console-tabs")
    current = nav.locator('[aria-current="page"]')
    await expect(current).to_have_text("商务撮合")
    await expect(page.locator(".mmc")).to_be_visible()
    sizes = await nav.evaluate("n => [n.scrollWidth, n.clientWidth, n.scrollLeft]")
    assert sizes[0] > sizes[1], sizes  # more tabs than fit: the row scrolls
    assert sizes[2] > 0, sizes  # ... and was scrolled to the current tab
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    box = await current.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    # Switching language rebuilds the row: the current tab stays in view.
    await page.evaluate("async () => (await import('/js/i18n.js')).setLang('en')")
    await expect(current).to_have_text("Matchmaking")
    box = await current.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
