"""A random coffee in Chromium: two fresh attendees, one reading Chinese and one English, opt in
on the matchmaking page's coffee tab, each is shown the other's card, both accept and land in
the pair's room (the meeting room's page on `coffee:<pair>`), where a chat line from one reaches
the other and is still there after a reload. A declined pairing tells each side why; whoever
had accepted is back waiting. Paired while on another page, a person is told in a toast that
leads to the coffee tab, where the pairing waits for their answer."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect
from sqlalchemy import update
from sqlmodel import col, select

from expo.models import Account
from tests.browser.web import NEW_PASSWORD, Pages, register, screenshot
from tests.live import LiveServer

COFFEE = "/#/matchmaking/coffee"
ENDS_EN = re.compile(r"Ends at \d\d:\d\d · \d:\d\d left")
ENDS_ZH = re.compile(r"\d\d:\d\d 结束 · 还剩 \d:\d\d")


async def person(server: LiveServer, name: str, organisation: str, title: str) -> str:
    """A fresh attendee with a title and a company; their session cookie."""
    email, _ = await register(server, name)
    async with server.services.db() as db:
        await db.execute(
            update(Account)
            .where(col(Account.email) == email)
            .values(organisation=organisation, title=title)
        )
        await db.commit()
        assert (await db.execute(select(Account.id).where(col(Account.email) == email))).first()
    return await server.sign_in(email, NEW_PASSWORD)


async def opted_in(page: Page, join: str) -> None:
    """Open the coffee tab and opt in (the button waits for the page to follow `account:`)."""
    await page.goto(COFFEE)
    button = page.locator(".coffee-join")
    await expect(button).to_have_text(join)
    await expect(button).to_be_enabled()
    await button.click()


async def test_both_accept_meet_in_the_room_and_chat(pages: Pages, server: LiveServer):
    zh_cookie = await person(server, "张伟 Zhang Wei", "贵州数据宝", "采购总监")
    en_cookie = await person(server, "Tom Baker", "Northwind Data", "Sales lead")
    zh = await pages.new(locale="zh-CN", cookie=zh_cookie)
    en = await pages.new(locale="en-GB", phone=True, cookie=en_cookie)

    await opted_in(zh, "认识新朋友")
    await expect(zh.locator(".coffee-waiting-text")).to_have_text("正在为您寻找一位新朋友…")
    await opted_in(en, "Meet someone new")

    await expect(zh.locator(".coffee-name")).to_have_text("Tom Baker")
    await expect(zh.locator(".coffee-about")).to_have_text("Sales lead · Northwind Data")
    await expect(zh.locator(".coffee-countdown")).to_have_text(re.compile(r"请在 \d+ 秒内回复"))
    await expect(en.locator(".coffee-name")).to_have_text("张伟 Zhang Wei")
    await expect(en.locator(".coffee-about")).to_have_text("采购总监 · 贵州数据宝")
    await expect(en.locator(".coffee-countdown")).to_have_text(re.compile(r"Answer within \d+ s"))
    await screenshot(zh, "coffee-proposal-zh")

    await zh.get_by_role("button", name="接受").click()
    await expect(zh.locator(".coffee-accepted")).to_have_text("您已接受，正在等待对方…")
    await en.get_by_role("button", name="Accept").click()

    await expect(zh).to_have_url(re.compile(r"#/coffee/\d+$"))
    await expect(en).to_have_url(re.compile(r"#/coffee/\d+$"))
    assert zh.url.split("#")[1] == en.url.split("#")[1]
    await expect(zh.get_by_role("heading", level=1)).to_have_text("与 Tom Baker 喝咖啡")
    await expect(en.get_by_role("heading", level=1)).to_have_text("Coffee with 张伟 Zhang Wei")
    await expect(en.locator(".coffee-ends")).to_have_text(ENDS_EN)
    await expect(zh.locator(".coffee-ends")).to_have_text(ENDS_ZH)

    await en.locator(".mroom-input").fill("Hello from the coffee room")
    await en.get_by_role("button", name="Send").click()
    await expect(zh.locator(".mroom-msg .mroom-text")).to_have_text(["Hello from the coffee room"])
    await expect(zh.locator(".mroom-msg .mroom-author")).to_have_text(["Tom Baker"])
    await expect(en.locator(".mroom-msg .mroom-author")).to_have_text(["You"])
    # A reload reads the room and its chat back from the server.
    await zh.reload()
    await expect(zh.get_by_role("heading", level=1)).to_have_text("与 Tom Baker 喝咖啡")
    await expect(zh.locator(".mroom-msg .mroom-text")).to_have_text(["Hello from the coffee room"])
    await expect(zh.locator(".coffee-ends")).to_have_text(ENDS_ZH)
    await en.evaluate("window.scrollTo(0, 0)")
    await screenshot(en, "coffee-room-en")


async def test_a_decline_puts_the_one_who_accepted_back_waiting(pages: Pages, server: LiveServer):
    zh_cookie = await person(server, "王芳 Wang Fang", "云上贵州", "产品经理")
    en_cookie = await person(server, "Ann Lee", "Contoso", "CTO")
    zh = await pages.new(locale="zh-CN", cookie=zh_cookie)
    en = await pages.new(locale="en-GB", cookie=en_cookie)

    await opted_in(zh, "认识新朋友")
    await opted_in(en, "Meet someone new")
    await expect(zh.locator(".coffee-name")).to_have_text("Ann Lee")
    await expect(en.locator(".coffee-name")).to_have_text("王芳 Wang Fang")

    await en.get_by_role("button", name="Accept").click()
    await expect(en.locator(".coffee-accepted")).to_be_visible()
    await zh.get_by_role("button", name="婉拒").click()

    await expect(en.locator(".coffee-outcome")).to_have_text(
        "The other person declined this pairing."
        "You are back at the front of the queue: still looking for you."
    )
    waiting = en.locator(".coffee-waiting-text")
    await expect(waiting).to_have_text("Looking for someone new for you…")
    await expect(zh.locator(".coffee-outcome")).to_have_text("您婉拒了这次配对。您已不在队列中。")
    await expect(zh.locator(".coffee-join")).to_be_enabled()

    await en.get_by_role("button", name="Leave").click()  # out of the pool again
    await expect(en.locator(".coffee-join")).to_be_enabled()


async def test_paired_while_on_another_page_a_toast_leads_to_the_answer(
    pages: Pages, server: LiveServer
):
    zh_cookie = await person(server, "刘洋 Liu Yang", "筑城数据", "架构师")
    en_cookie = await person(server, "Mia Chen", "Fabrikam", "Analyst")
    zh = await pages.new(locale="zh-CN", cookie=zh_cookie)
    en = await pages.new(locale="en-GB", cookie=en_cookie)

    await opted_in(zh, "认识新朋友")
    await expect(zh.locator(".coffee-waiting-text")).to_have_text("正在为您寻找一位新朋友…")
    await zh.goto("/#/hall")  # browsing on while waiting
    await opted_in(en, "Meet someone new")
    await expect(en.locator(".coffee-name")).to_have_text("刘洋 Liu Yang")

    toast = zh.locator(".coffee-toast")
    await expect(toast.locator(".toast-session")).to_have_text("与 Mia Chen 喝杯咖啡？")
    await expect(toast.locator(".toast-where")).to_have_text(re.compile(r"请在 \d+ 秒内回复"))
    await toast.get_by_role("link", name="去回复").click()
    await expect(zh).to_have_url(re.compile(r"#/matchmaking/coffee$"))
    await expect(zh.locator(".coffee-toast")).to_have_count(0)
    await expect(zh.locator(".coffee-name")).to_have_text("Mia Chen")
    await zh.get_by_role("button", name="接受").click()
    await en.get_by_role("button", name="Accept").click()
    await expect(zh).to_have_url(re.compile(r"#/coffee/\d+$"))
    await expect(en).to_have_url(re.compile(r"#/coffee/\d+$"))
