"""A booth's chats in Chromium: a visitor talks privately to the staff while a staff member's
inbox updates live (waiting, unread count, claim, answer), in both languages and on a phone;
and the booth's public chat, where the staff's messages wear the booth's badge."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.web import NEW_PASSWORD, Pages, register, screenshot
from tests.live import LiveServer

STAFF = "exhibitor@demo.shubo.live"  # staff of exhibitor 1
BOOTH = 1


async def test_a_visitor_chats_privately_while_the_staff_inbox_updates(
    pages: Pages, server: LiveServer
):
    visitor_email, _ = await register(server, "王访客 Wang")
    visitor_cookie = await server.sign_in(visitor_email, NEW_PASSWORD)
    staff_cookie = await server.sign_in(STAFF)
    inbox = await pages.open(f"/#/booth/{BOOTH}/inbox", locale="zh-CN", cookie=staff_cookie)
    await expect(inbox.get_by_role("heading", level=1)).to_have_text("私聊收件箱")
    await expect(inbox.locator(".inbox-count")).to_have_text("0 位访客在等待")

    visitor = await pages.open(
        f"/#/booth/{BOOTH}", locale="zh-CN", phone=True, cookie=visitor_cookie
    )
    await visitor.get_by_role("button", name="私下咨询工作人员").click()
    await expect(visitor.locator(".private-state")).to_have_text("已通知工作人员，请稍候…")
    box = visitor.locator(".private-input")
    await box.fill("请问液冷机柜的 PUE 是多少？<b>谢谢</b>")
    await box.press("Enter")
    await expect(visitor.locator(".private-msg")).to_have_count(1)
    await box.fill("可以现场演示吗")
    await box.press("Enter")
    await expect(visitor.locator(".private-msg")).to_have_count(2)

    # The staff's inbox: waiting, two unread, without a reload.
    item = inbox.locator(".inbox-item", has_text="王访客 Wang")
    await expect(item.locator(".inbox-unread")).to_have_text("2")
    await expect(inbox.locator(".inbox-count")).to_have_text("1 位访客在等待")
    await expect(item.locator(".inbox-last")).to_have_text("可以现场演示吗")
    await expect(item.locator(".inbox-status")).to_contain_text("等待自")
    await screenshot(inbox, "booth-inbox-zh")

    await item.get_by_role("button", name="认领").click()
    await expect(item.locator(".inbox-status")).to_have_text("由我解答")
    await expect(item.locator(".inbox-unread")).to_have_count(0)  # opened: read
    # The visitor's text is shown as text, never as markup.
    await expect(inbox.locator(".private-msg").first).to_contain_text("<b>谢谢</b>")
    answer = inbox.locator(".inbox-detail .private-input")
    await answer.fill("PUE 低至 1.1，欢迎来展台 A12 看演示。")
    await answer.press("Enter")

    await expect(visitor.locator(".private-msg.is-staff")).to_have_text(re.compile("PUE 低至 1.1"))
    await expect(visitor.locator(".private-state")).to_contain_text("正在为你解答")
    await screenshot(visitor, "booth-private-phone-zh")

    # In English, the same inbox.
    english = await pages.open(f"/#/booth/{BOOTH}/inbox", locale="en-GB", cookie=staff_cookie)
    await expect(english.get_by_role("heading", level=1)).to_have_text("Private chats")
    await expect(
        english.locator(".inbox-item", has_text="王访客 Wang").locator(".inbox-status")
    ).to_have_text("Yours to answer")
    await english.locator(".inbox-item", has_text="王访客 Wang").locator(".inbox-open").click()
    await expect(english.locator(".inbox-detail .private-msg")).to_have_count(3)
    await screenshot(english, "booth-inbox-en")


async def test_the_booth_public_chat_badges_its_staff(pages: Pages, server: LiveServer):
    staff_cookie = await server.sign_in(STAFF)
    visitor = await pages.open(f"/#/booth/{BOOTH}", locale="en-GB")
    staff = await pages.open(f"/#/booth/{BOOTH}", locale="en-GB", cookie=staff_cookie)
    await expect(staff.locator(".booth-chat .panel-title")).to_have_text(
        re.compile("Booth chat|展位聊天")
    )
    # Both pages have read the chat's history (and follow the booth) before anyone writes.
    for page in (visitor, staff):
        await expect(page.locator(".booth-chat .chat-status")).to_have_text(
            re.compile("No messages yet|还没有消息")
        )
    box = staff.locator(".booth-chat .chat-input")
    await box.fill("欢迎来到黔算云展位 Welcome")
    await box.press("Enter")
    await expect(staff.locator(".booth-chat .chat-msg.is-own", has_text="Welcome")).to_have_count(1)
    said = visitor.locator(".booth-chat .chat-msg", has_text="Welcome")
    await expect(said).to_have_count(1)
    await expect(said.locator(".chat-badge")).to_have_count(1)
