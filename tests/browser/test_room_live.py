"""A room's live extras in the browser: its state from the programme, the speakers and
moderators present, and reactions flowing from one viewer to another."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.web import ATTENDEE, Pages, screenshot
from tests.live import LiveServer, Peer

SPEAKER = "speaker@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"


async def test_viewers_see_who_is_on_stage_and_each_others_applause(
    pages: Pages, server: LiveServer
):
    viewer = await pages.open("/#/forum/2", locale="zh-CN", cookie=await server.sign_in(ATTENDEE))
    # The demo day opened an hour before it was seeded: the keynote is on now.
    await expect(viewer.locator(".room-status")).to_have_text("直播中")
    await expect(viewer.locator(".room-roster")).to_be_hidden()

    speaker = await pages.open("/#/forum/2", locale="en-GB", cookie=await server.sign_in(SPEAKER))
    moderator = await pages.open(
        "/#/forum/2", locale="en-GB", cookie=await server.sign_in(MODERATOR)
    )
    chips = viewer.locator(".room-roster .person-chip")
    await expect(chips).to_have_count(2)
    await expect(chips.filter(has_text="王晓 Wang Xiao")).to_contain_text("演讲嘉宾")
    await expect(chips.filter(has_text="陈静 Chen Jing")).to_contain_text("主持人")

    # Applause from the speaker's tab reaches the viewer's, summed.
    for _ in range(3):
        await speaker.get_by_role("button", name="Applause").click()
    await speaker.get_by_role("button", name="Love it").click()
    await expect(viewer.locator(".reaction-note")).to_have_text("本场互动 4")
    await expect(speaker.locator(".reaction-note")).to_have_text("4 reactions")
    await viewer.get_by_role("button", name="鼓掌").click()
    await expect(speaker.locator(".reaction-note")).to_have_text("5 reactions")
    await screenshot(viewer, "room-live-zh")
    await speaker.get_by_role("button", name="Applause").click()
    await screenshot(speaker, "room-live-en")

    await moderator.close()
    await expect(chips).to_have_count(1)


async def test_signed_out_viewers_see_reactions_but_cannot_send_them(
    pages: Pages, server: LiveServer
):
    page = await pages.open("/#/forum/2", locale="en-GB")
    buttons = page.locator(".reaction-button")
    await expect(buttons).to_have_count(6)
    for index in range(6):
        await expect(buttons.nth(index)).to_be_disabled()
    await expect(buttons.first).to_have_attribute("title", "Sign in to react")


async def test_links_in_chat_are_links_and_markup_stays_text(pages: Pages, server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    text = "议程见 https://www.bigdata-expo.cn/agenda?day=2。<a href=javascript:alert(1)>点我</a>"
    async with server.connect(cookie) as ws:
        assert (await Peer(ws).command("chat.send", {"forum": 7, "text": text}))["type"] == "ok"
    page = await pages.open("/#/forum/7", locale="zh-CN")
    message = page.locator(".chat-text").last
    await expect(message).to_have_text(text)  # every character shown as written
    link = message.locator("a")
    await expect(link).to_have_count(1)  # the address, not the markup
    await expect(link).to_have_attribute("href", "https://www.bigdata-expo.cn/agenda?day=2")
    await expect(link).to_have_attribute("rel", "noopener noreferrer nofollow ugc")
    await expect(link).to_have_attribute("target", "_blank")
