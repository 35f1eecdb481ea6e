"""The header: one row on a 1366-pixel screen in both languages for every role, and every one of
its links within reach on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.web import ATTENDEE, TWO_FRAMES, Pages, boxes, screenshot
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"
LAPTOP = {"width": 1366, "height": 768}

# Every role's links, in order: an organiser's are the most there are.
LINKS = {
    None: ["Lobby", "Expo hall", "Releases", "Matchmaking"],
    ATTENDEE: ["Lobby", "Expo hall", "Releases", "Matchmaking", "My agenda"],
    ORGANIZER: [
        "Lobby",
        "Expo hall",
        "Releases",
        "Matchmaking",
        "My agenda",
        "Programme",
        "Console",
    ],
}


async def open_as(pages: Pages, server: LiveServer, who: str | None, **options: Any) -> Page:
    cookie = await server.sign_in(who) if who else None
    page = await pages.open("/#/", cookie=cookie, **options)
    await expect(page.locator("#header .account:not(.account-unknown)")).to_be_visible()
    return page


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    """Two boxes share some height: they sit on the same row."""
    return a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize(
    "who", [None, ATTENDEE, ORGANIZER], ids=["visitor", "attendee", "organiser"]
)
async def test_the_header_is_one_row_at_1366_pixels_in_both_languages(
    pages: Pages, server: LiveServer, who: str | None
):
    page = await open_as(pages, server, who, locale="en-US")
    await page.set_viewport_size(LAPTOP)
    await page.evaluate(TWO_FRAMES)
    for language in ("English", "中文"):
        await page.locator("#header").get_by_role("button", name=language, exact=True).click()
        await expect(page.locator("#header .nav-link")).to_have_count(len(LINKS[who]))
        at = await boxes(
            page,
            header="#header",
            brand="#header .brand",
            nav="#header .site-nav",
            tools="#header .header-tools",
            last="#header .nav-link:last-child",
            account="#header .account",
        )
        header, brand, nav, tools, last, account = (
            at[k] for k in ("header", "brand", "nav", "tools", "last", "account")
        )
        assert header and brand and nav and tools and last and account, at
        assert overlaps(brand, nav) and overlaps(nav, tools), (language, "two rows", repr(at))
        assert header["height"] <= 72, (language, "taller than one row", at)
        assert last["right"] <= min(nav["right"], tools["left"]) + 0.5, (language, "clipped", at)
        assert account["right"] <= at["window"]["right"], (language, at)
        # The video starts within the first screen: the header takes a tenth of it at most.
        assert header["bottom"] <= at["window"]["height"] / 10 + 0.5, (language, at)
    if who == ORGANIZER:
        await page.locator("#header").get_by_role("button", name="English", exact=True).click()
        await screenshot(page, "header-organiser-en")


async def reach(page: Page, name: str) -> dict[str, float]:
    """Bring the header link `name` into view as a person would (open the menu when there is
    one); returns its box, asserting that it is whole on the screen and not covered."""
    link = page.locator("#header .nav-link", has_text=name)
    menu = page.locator("#header").get_by_role("button", name="Menu", exact=True)
    if await menu.count() and await menu.is_visible() and not await link.is_visible():
        await menu.click()
    await expect(link).to_be_visible()
    at = await boxes(page, link=f"#header .nav-link[href='{await link.get_attribute('href')}']")
    box, window = at["link"], at["window"]
    assert box, at
    assert box["left"] >= -0.5 and box["right"] <= window["right"] + 0.5, (name, "off-screen", at)
    assert box["top"] >= -0.5 and box["bottom"] <= window["bottom"] + 0.5, (name, "off-screen", at)
    on_top = await link.evaluate(
        """(link) => {
          const box = link.getBoundingClientRect();
          const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
          return link.contains(hit) || `${hit?.tagName}.${hit?.className}`;
        }"""
    )
    assert on_top is True, (name, "covered by", on_top, at)
    return box


@pytest.mark.parametrize("who", [ATTENDEE, ORGANIZER], ids=["attendee", "organiser"])
async def test_on_a_phone_every_link_of_the_header_is_within_reach(
    pages: Pages, server: LiveServer, who: str
):
    page = await open_as(pages, server, who, locale="en-US", phone=True)
    for name in LINKS[who]:
        await reach(page, name)
    if who == ORGANIZER:
        await screenshot(page, "header-phone-en")
    # A link taken from the menu leads to its page, and the menu gets out of the way.
    await reach(page, "My agenda")
    await page.locator("#header .nav-link", has_text="My agenda").click()
    await expect(page).to_have_url(re.compile(r"#/agenda$"))
    at = await boxes(page, header="#header", main="#main h1")
    assert at["header"] and at["main"], at
    assert at["main"]["top"] >= at["header"]["bottom"] - 0.5, ("the menu stayed open", at)
    # The releases feed (数博发布) is a link of everyone's header, taken from the menu too.
    await reach(page, "Releases")
    await page.locator("#header .nav-link", has_text="Releases").click()
    await expect(page).to_have_url(re.compile(r"#/releases$"))
    await expect(page.locator("#header .nav-link[aria-current=page]")).to_have_text("Releases")


async def test_the_account_menu_leads_to_the_profile_and_signs_out(
    pages: Pages, server: LiveServer
):
    page = await open_as(pages, server, ATTENDEE, locale="en-US")
    await page.set_viewport_size(LAPTOP)
    header = page.locator("#header")
    account = header.locator(".account")
    await account.get_by_role("button").first.click()
    await account.get_by_role("link", name="Profile").click()
    await expect(page).to_have_url(re.compile(r"#/profile$"))
    await account.get_by_role("button").first.click()
    await account.get_by_role("button", name="Sign out").click()
    await expect(header.get_by_role("link", name="Sign in")).to_be_visible()


@pytest.mark.parametrize("width", [1024, 800, 700, 601])
async def test_between_phone_and_laptop_the_header_fits_the_window(
    pages: Pages, server: LiveServer, width: int
):
    page = await open_as(pages, server, ORGANIZER, locale="en-US")
    await page.set_viewport_size({"width": width, "height": 800})
    await page.evaluate("document.fonts.ready.then(() => true)")
    await page.evaluate(TWO_FRAMES)  # the page's resize handler has run
    wide = await page.evaluate(
        "() => [...document.querySelectorAll('#header .header-inner > *')]"
        ".filter((el) => el.getClientRects().length"
        " && el.getBoundingClientRect().right > innerWidth + 0.5).map((el) => el.className)"
    )
    assert wide == [], (width, wide)
    for name in LINKS[ORGANIZER]:
        await reach(page, name)
