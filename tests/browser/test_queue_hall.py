"""The booth queues from the expo hall, in Chromium: each card shows its booth's line ("排队 1 人 ·
约 4–12 分钟", nobody on duty, paused; nothing when closed and empty) from one read for the
page; an attendee joins from a card, sees their place on the card and in the header's badge,
and the card follows the line as the staff serve the person ahead. Signed out, the button leads
to signing in. On a phone in English the cards fit the screen. Screenshots in both languages."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.async_api import Locator, Page, Request, expect

from tests.browser.test_queue_attendee import fits_the_phone, people, wait_text
from tests.browser.web import Pages, screenshot
from tests.live import LiveServer

# Demo booths (expo/seed.py), each with its own queue's state in this module.
STAFFED, PAUSED, CLOSED, UNSTAFFED = 5, 6, 7, 8


def card_queue(page: Page, booth: int) -> Locator:
    return page.locator(f'.exhibitor-queue[data-id="{booth}"]')


async def test_an_attendee_joins_from_the_hall_and_sees_their_place_there_and_in_the_badge(
    pages: Pages, server: LiveServer
):
    [staff] = await people(server, ["值班 Zhiban"], exhibitor=STAFFED)
    await staff.on_duty(STAFFED)
    [paused_staff] = await people(server, ["暂停 Zanting"], exhibitor=PAUSED)
    status, _ = await paused_staff.http("PATCH", f"/api/match/queues/{PAUSED}", {"state": "paused"})
    assert status == 200
    [closed_staff] = await people(server, ["关闭 Guanbi"], exhibitor=CLOSED)
    status, _ = await closed_staff.http("PATCH", f"/api/match/queues/{CLOSED}", {"state": "closed"})
    assert status == 200
    [before, me] = await people(server, ["排前面 Qian", "周敏 Zhou Min"])
    first = await before.join(STAFFED)

    page = await pages.new(locale="zh-CN", cookie=me.cookie)
    reads: list[str] = []

    def seen(request: Request) -> None:
        if "/api/match/hall-queues" in request.url:
            reads.append(request.url)

    page.on("request", seen)
    await page.goto("/#/hall")
    staffed = card_queue(page, STAFFED)
    joining_at_two = await wait_text(server, STAFFED, 2, zh=True)
    await expect(staffed.locator(".exhibitor-queue-figures")).to_have_text(
        f"排队 1 人 · {joining_at_two}"
    )
    await expect(card_queue(page, PAUSED).locator(".exhibitor-queue-figures")).to_have_text(
        "无人排队 · 已暂停"
    )
    await expect(card_queue(page, UNSTAFFED).locator(".exhibitor-queue-figures")).to_have_text(
        "无人排队 · 无人在岗"
    )
    await expect(card_queue(page, CLOSED)).to_be_hidden()  # closed, nobody in line
    # A read asks about the whole page of cards at once, never a card at a time (the hall may
    # draw its list twice as it loads, when who is signed in arrives after it: a read each).
    asked = [parse_qs(urlsplit(url).query)["exhibitors"][0].split(",") for url in reads]
    assert 1 <= len(asked) <= 2 and all(len(ids) == len(asked[0]) > 3 for ids in asked), asked
    read_before = len(reads)

    await staffed.get_by_role("button", name="排队").click()
    await expect(staffed.locator(".exhibitor-queue-mine")).to_have_text("第 2 位")
    await expect(staffed.locator(".exhibitor-queue-figures")).to_have_text("排队 2 人")
    await expect(staffed.get_by_role("button")).to_have_count(0)
    badge = page.locator("#header .queue-badge")
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第2位")
    [mine] = (await me.http("GET", "/api/match/queue-tickets"))[1]["tickets"]
    assert mine["exhibitor"] == STAFFED and mine["line"]["position"] == 2
    await staffed.scroll_into_view_if_needed()
    await screenshot(page, "queue-hall-zh")

    # The person ahead is called and served: the card follows the ticket, no read again.
    await staff.call(STAFFED)
    await expect(staffed.locator(".exhibitor-queue-mine")).to_have_text("第 1 位")
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第1位")
    await staff.serve(first["id"])
    assert len(reads) == read_before

    # The card's own link still opens the booth, and the booth's panel agrees.
    await page.locator(f'.exhibitor-card[data-id="{STAFFED}"] .exhibitor-link').click()
    await expect(page.locator(".qpanel-position")).to_have_text("下一位就是您")


async def test_on_a_phone_in_english_and_signed_out(pages: Pages, server: LiveServer):
    [staff] = await people(server, ["Duty Desk"], exhibitor=STAFFED)
    await staff.on_duty(STAFFED)
    [me] = await people(server, ["Ana Ruiz"])
    page = await pages.new(locale="en-GB", phone=True, cookie=me.cookie)
    await page.goto("/#/hall")
    staffed = card_queue(page, STAFFED)
    await expect(staffed.get_by_role("button", name="Join queue")).to_be_visible()
    await expect(card_queue(page, UNSTAFFED).locator(".exhibitor-queue-figures")).to_have_text(
        "Nobody in line · No staff on duty"
    )
    await staffed.scroll_into_view_if_needed()
    await staffed.get_by_role("button", name="Join queue").click()
    mine = staffed.locator(".exhibitor-queue-mine")
    await expect(mine).to_have_text(re.compile(r"^#\d+ in line$"))  # after the other test's
    [ticket] = (await me.http("GET", "/api/match/queue-tickets"))[1]["tickets"]
    await expect(mine).to_have_text(f"#{ticket['line']['position']} in line")
    await expect(page.locator("#header .queue-badge .queue-badge-state")).to_have_text(
        f"Queue #{ticket['line']['position']}"
    )
    await fits_the_phone(page)
    await screenshot(page, "queue-hall-phone-en")

    outsider = await pages.open("/#/hall", locale="en-GB", phone=True)
    join = card_queue(outsider, STAFFED).get_by_role("link", name="Join queue at")
    await expect(join).to_have_text("Join queue")
    assert (await join.get_attribute("aria-label") or "").endswith(": sign in first")
    await join.click()
    await expect(outsider).to_have_url(re.compile(r"#/signin\?next="))
