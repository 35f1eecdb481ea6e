"""Signing in through the sign-in page (#/signin?next=…), as the demo attendee."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.web import ATTENDEE, PASSWORD, Pages
from tests.live import LiveServer, Peer

SIGNED_OUT_WITHIN_MS = 3_000  # the server closes the session's sockets within a second


async def test_signing_in_from_a_room_leads_back_to_it_signed_in(pages: Pages):
    page = await pages.open("/#/forum/east-data-west-computing", locale="zh-CN")
    await expect(page.locator(".chat-signin")).to_contain_text("登录后即可参与聊天")
    await page.locator(".chat-signin").get_by_role("link", name="去登录").click()
    await expect(page).to_have_url(re.compile(r"#/signin\?next=%2Fforum%2Feast-data-west-\w+$"))

    await page.get_by_label("邮箱").fill(ATTENDEE)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()

    await expect(page).to_have_url(re.compile(r"#/forum/east-data-west-computing$"))
    await expect(page.locator(".account-name-text")).to_have_text("张伟 Zhang Wei")
    await expect(page.locator(".chat-input")).to_be_editable()
    await expect(page.locator(".chat-signin")).to_have_count(0)


async def test_a_wrong_password_shows_the_error_in_the_pages_language(pages: Pages):
    page = await pages.open("/#/signin?next=/forum/2", locale="zh-CN")
    await page.get_by_label("邮箱").fill(ATTENDEE)
    await page.get_by_label("密码").fill("not-the-password")
    await page.get_by_role("button", name="登录", exact=True).click()

    await expect(page.get_by_role("alert")).to_have_text("邮箱或密码不正确。")
    await expect(page.get_by_label("密码")).to_have_value("")
    await expect(page).to_have_url(re.compile(r"#/signin\?next=/forum/2$"))
    await expect(page.locator(".account-name-text")).to_have_count(0)

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")


async def test_signing_out_in_one_tab_signs_out_the_others_without_a_reload(
    pages: Pages, server: LiveServer
):
    cookie = await server.sign_in(ATTENDEE)
    lobby = await pages.open("/#/", locale="zh-CN", cookie=cookie)
    room = await pages.tab(lobby, "/#/forum/6")  # a second tab: the same cookies
    elsewhere = await pages.open("/#/forum/6", locale="en-US", cookie=cookie)  # another browser
    for page in (lobby, room, elsewhere):
        await expect(page.locator(".account-name-text")).to_have_text("张伟 Zhang Wei")
    for page in (room, elsewhere):
        await expect(page.locator(".chat-input")).to_be_editable()
    await expect(room.locator(".watching-badge")).to_have_text("2 人在看")

    await lobby.bring_to_front()  # the tab one clicks in (a background tab's frames wait)
    await lobby.locator("#header .account-button").click()  # the account's menu
    await lobby.locator("#header").get_by_role("button", name="退出").click()

    await expect(lobby.locator("#header").get_by_role("link", name="登录")).to_be_visible()
    for page, sign_in, prompt in [
        (room, "登录", "登录后即可参与聊天"),
        (elsewhere, "Sign in", "Sign in to chat"),
    ]:
        header = page.locator("#header")
        await expect(header.get_by_role("link", name=sign_in, exact=True)).to_be_visible(
            timeout=SIGNED_OUT_WITHIN_MS
        )
        await expect(page.locator(".account-name-text")).to_have_count(0)
        await expect(page.locator(".chat-signin")).to_contain_text(prompt)
        await expect(page.locator("#offline")).to_be_hidden()

    # Both came back anonymous, still in the room: they see what is said there.
    speaker = await server.sign_in("speaker@demo.shubo.live")
    async with server.connect(speaker) as ws:
        reply = await Peer(ws).command("chat.send", {"forum": 6, "text": "下一位嘉宾马上登场。"})
        assert reply["type"] == "ok", reply
    for page, watching in [(room, "2 人在看"), (elsewhere, "2 watching")]:
        await expect(page.locator(".chat-list .chat-text")).to_have_text(["下一位嘉宾马上登场。"])
        await expect(page.locator(".watching-badge")).to_have_text(watching)
    in_room = [c for c in server.services.gateway.clients if "forum:6" in c.topics]
    assert len(in_room) == 2
    assert [c.principal for c in in_room] == [None, None]
