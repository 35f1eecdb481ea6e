"""Moderation in the browser: a moderator deletes a message, mutes an attendee in another browser
context, sets the slow mode and pins an announcement; an organiser's announcement reaches every
page; the chat pages back."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

from tests.browser.web import Pages, assert_side_panel_in_view, boxes, register, screenshot
from tests.live import LiveServer, Peer

MODERATOR = "moderator@demo.shubo.live"
ORGANIZER = "organizer@demo.shubo.live"
SPEAKER = "speaker@demo.shubo.live"
SPAM = "限时低价出售算力，加微信 cheap-gpu 👉 http://spam.example"


def in_chat(page: Page) -> Locator:
    """The room's chat panel (other panels, such as Q&A, reuse some of its classes)."""
    return page.locator("#tabpanel-chat")


async def open_tab(page: Page, name: str) -> None:
    await page.get_by_role("tab", name=name).click()
    await expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")


async def post(server: LiveServer, cookie: str, forum: int, *texts: str) -> list[dict]:
    async with server.connect(cookie) as ws:
        peer = Peer(ws)
        replies = [await peer.command("chat.send", {"forum": forum, "text": t}) for t in texts]
    assert all(r["type"] == "ok" for r in replies), replies
    return [r["data"]["message"] for r in replies]


async def test_a_moderator_deletes_a_message_and_mutes_the_attendee_who_sees_both(
    pages: Pages, server: LiveServer
):
    _, attendee_cookie = await register(server, "赵磊 Zhao Lei")
    await post(server, await server.sign_in(SPEAKER), 3, "欢迎大家，圆桌对话十分钟后开始。")
    await post(server, attendee_cookie, 3, SPAM, "东西部算力调度的时延怎么解决？")
    attendee = await pages.open("/#/forum/3", locale="zh-CN", cookie=attendee_cookie)
    moderator = await pages.open(
        "/#/forum/3", locale="zh-CN", cookie=await server.sign_in(MODERATOR)
    )
    texts = in_chat(attendee).locator(".chat-text")
    await expect(texts).to_have_count(3)
    await expect(in_chat(moderator).locator(".chat-text")).to_have_count(3)
    # Attendees delete only their own messages; they have no mute or ban.
    own = in_chat(attendee).locator(".chat-msg", has_text="时延")
    await expect(own.get_by_role("button", name="删除")).to_have_count(1)
    await expect(
        in_chat(attendee).locator(".chat-msg", has_text="欢迎大家").locator(".chat-action")
    ).to_have_count(0)
    await expect(attendee.get_by_role("button", name="禁言")).to_have_count(0)
    await expect(attendee.locator(".mod-tools")).to_be_hidden()

    spam = in_chat(moderator).locator(".chat-msg", has_text="cheap-gpu")
    await spam.hover()
    await spam.get_by_role("button", name="删除").click()
    await spam.get_by_role("button", name="为所有人删除").click()  # it asks first
    await expect(texts).to_have_count(2)
    await expect(in_chat(attendee).locator(".chat-list")).not_to_contain_text("cheap-gpu")
    await expect(moderator.locator(".mod-room-flash")).to_have_text("消息已删除。")

    question = in_chat(moderator).locator(".chat-msg", has_text="时延")
    await question.hover()
    await question.get_by_role("button", name="禁言").click()
    await question.get_by_role("button", name="5 分钟").click()
    await expect(moderator.locator(".mod-room-flash")).to_have_text(
        re.compile(r"^已禁言 赵磊 Zhao Lei，至 \d\d:\d\d。$")
    )
    notice = attendee.locator(".sanction-notice")
    await expect(notice).to_have_text(
        re.compile(r"^你已被主持人禁言，至 \d\d:\d\d。你仍可观看和阅读聊天。$")
    )
    await expect(in_chat(attendee).locator(".chat-input")).to_be_disabled()
    await expect(in_chat(attendee).locator(".chat-send")).to_be_disabled()
    await attendee.reload()  # still muted after a reload, before trying to chat
    await expect(notice).to_have_text(re.compile(r"^你已被主持人禁言，至 \d\d:\d\d。"))
    await expect(in_chat(attendee).locator(".chat-input")).to_be_disabled()

    # The room tools: slow mode and a pinned announcement reach the attendee too. Opened, they
    # leave the chat its height (they are under the player, not in the chat panel).
    log = "#tabpanel-chat .chat-log"
    closed = (await boxes(moderator, log=log))["log"]
    await moderator.get_by_text("主持工具").click()
    await expect(moderator.get_by_label("慢速模式")).to_be_in_viewport()
    opened = (await boxes(moderator, log=log))["log"]
    assert closed and opened and opened["height"] >= closed["height"] - 0.5, (closed, opened)
    await moderator.get_by_label("慢速模式").select_option("30")
    await expect(attendee.locator(".slow-mode-line")).to_have_text("慢速模式：每 30 秒可发一条消息")
    await moderator.get_by_label("置顶公告").fill("圆桌对话 14:00 开始，欢迎在 Q&A 提问。")
    await moderator.get_by_role("button", name="置顶", exact=True).click()
    await expect(attendee.locator(".pinned-announcement")).to_contain_text(
        "圆桌对话 14:00 开始，欢迎在 Q&A 提问。"
    )
    sanctions = moderator.locator(".mod-sanction")
    await expect(sanctions).to_have_count(1)
    await expect(sanctions).to_contain_text("赵磊 Zhao Lei")
    await in_chat(moderator).locator(".chat-msg").first.hover()  # shows a message's tools
    await screenshot(moderator, "room-moderation-zh")
    # With the announcement pinned above it and the tools open, the chat still shows a good
    # dozen lines, its send box in view.
    at = await boxes(moderator, log=log)
    assert at["log"] and at["log"]["height"] >= 300, at
    await assert_side_panel_in_view(moderator)

    await moderator.get_by_role("button", name="English").click()
    await expect(moderator.locator(".mod-summary")).to_have_text("Room tools")
    await expect(moderator.locator(".slow-mode-line")).to_have_text(
        "Slow mode: one message every 30 s"
    )
    await expect(sanctions).to_contain_text("Muted")
    await in_chat(moderator).locator(".chat-msg").first.hover()
    await screenshot(moderator, "room-moderation-en")

    # Lifted early: the attendee may chat again, once per 30 s.
    await sanctions.get_by_role("button", name="Lift").click()
    await expect(notice).to_be_hidden()
    await expect(sanctions).to_have_count(0)
    await expect(moderator.locator(".mod-sanctions")).to_have_text("No one is muted or banned.")
    await expect(in_chat(attendee).locator(".chat-input")).to_be_enabled()
    await in_chat(attendee).locator(".chat-input").fill("谢谢主持人")
    await in_chat(attendee).locator(".chat-input").press("Enter")
    await expect(in_chat(moderator).locator(".chat-text").last).to_have_text("谢谢主持人")
    await in_chat(attendee).locator(".chat-input").fill("再补充一句")
    await in_chat(attendee).locator(".chat-input").press("Enter")
    await expect(in_chat(attendee).locator(".chat-error")).to_have_text(
        re.compile(r"^慢速模式：请 \d+ 秒后再发$")
    )
    await moderator.get_by_label("Slow mode").select_option("0")
    await expect(attendee.locator(".slow-mode-line")).to_be_hidden()
    await moderator.get_by_role("button", name="Unpin").click()
    await expect(attendee.locator(".pinned-announcement")).to_be_hidden()

    # Muted again while the slow mode's refusal is still on show: the notice replaces it.
    await expect(in_chat(attendee).locator(".chat-error")).to_be_visible()
    thanks = in_chat(moderator).locator(".chat-msg", has_text="谢谢主持人")
    await thanks.hover()
    await thanks.get_by_role("button", name="Mute").click()
    await thanks.get_by_role("button", name="5 min").click()
    await expect(notice).to_be_visible()
    await expect(in_chat(attendee).locator(".chat-error")).to_be_hidden()


async def test_a_banned_attendee_leaves_the_room_at_once(pages: Pages, server: LiveServer):
    _, cookie = await register(server, "孙强 Sun Qiang")
    await post(server, cookie, 4, "刷屏刷屏刷屏")
    attendee = await pages.open("/#/forum/4", locale="en-GB", cookie=cookie)
    moderator = await pages.open(
        "/#/forum/4", locale="en-GB", cookie=await server.sign_in(MODERATOR)
    )
    message = in_chat(moderator).locator(".chat-msg", has_text="刷屏")
    await message.hover()
    await message.get_by_role("button", name="Ban").click()
    await message.get_by_role("button", name="Rest of day").click()
    await expect(attendee.locator(".sanction-notice")).to_have_text(
        re.compile(r"^A moderator removed you from this room until .+\.$")
    )
    await expect(in_chat(attendee).locator(".chat-input")).to_be_disabled()
    await expect(attendee.locator(".qa-status")).to_have_text("You were removed from this room.")
    # Off the room: what is said there no longer reaches the page.
    await post(server, await server.sign_in(SPEAKER), 4, "继续讨论")
    await expect(in_chat(moderator).locator(".chat-text").last).to_have_text("继续讨论")
    await expect(in_chat(attendee).locator(".chat-list")).not_to_contain_text("继续讨论")

    # Lifted early: the page follows the room again and catches up on what it missed.
    await moderator.get_by_text("Room tools").click()
    await (
        moderator.locator(".mod-sanction", has_text="孙强 Sun Qiang")
        .get_by_role("button", name="Lift")
        .click()
    )
    await expect(attendee.locator(".sanction-notice")).to_be_hidden()
    await expect(in_chat(attendee).locator(".chat-list")).to_contain_text("继续讨论")
    await expect(in_chat(attendee).locator(".chat-input")).to_be_enabled()
    # Resumed with nothing missed there: the Q&A tab says so too, not "removed" for good.
    await expect(attendee.locator(".qa-status")).not_to_have_text(
        "You were removed from this room."
    )


async def test_a_page_opened_during_a_ban_follows_the_room_once_the_ban_is_lifted(
    pages: Pages, server: LiveServer
):
    """Issue 9: a page refused the room (opened, or reconnected, while banned) never got back in
    when the ban was lifted: it could post but saw nothing and did not count as watching."""
    _, cookie = await register(server, "钱多 Qian Duo")
    (banned_message,) = await post(server, cookie, 7, "广告广告")
    account = banned_message["author"]["id"]
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        mod = Peer(ws)
        ban = {"forum": 7, "account": account, "duration": "day"}
        assert (await mod.command("forum.ban", ban))["type"] == "ok"
    attendee = await pages.open("/#/forum/7", locale="en-GB", cookie=cookie)
    moderator = await pages.open(
        "/#/forum/7", locale="en-GB", cookie=await server.sign_in(MODERATOR)
    )
    await expect(attendee.locator(".sanction-notice")).to_have_text(
        re.compile(r"^A moderator removed you from this room until .+\.$")
    )
    await expect(in_chat(attendee).locator(".chat-status")).to_have_text(
        "You were removed from this room."
    )
    await expect(moderator.locator(".watching-badge")).to_have_text("1 watching")
    await open_tab(attendee, "Q&A")
    await expect(attendee.locator(".qa-status")).to_have_text("You were removed from this room.")

    await moderator.get_by_text("Room tools").click()
    await (
        moderator.locator(".mod-sanction", has_text="钱多 Qian Duo")
        .get_by_role("button", name="Lift")
        .click()
    )
    await expect(attendee.locator(".sanction-notice")).to_be_hidden()
    await expect(attendee.locator(".qa-status")).not_to_have_text(
        "You were removed from this room."
    )
    await open_tab(attendee, "Chat")
    await expect(in_chat(attendee).locator(".chat-input")).to_be_enabled()
    # Back in the room: counted as watching, and what is said after the lift reaches the page.
    await expect(moderator.locator(".watching-badge")).to_have_text("2 watching")
    await expect(in_chat(attendee).locator(".chat-status")).to_be_hidden()
    await post(server, await server.sign_in(SPEAKER), 7, "欢迎回来")
    await expect(in_chat(attendee).locator(".chat-text").last).to_have_text("欢迎回来")


async def test_an_organisers_announcement_reaches_every_page_and_can_be_dismissed(
    pages: Pages, server: LiveServer
):
    lobby = await pages.open("/#/", locale="en-GB")
    hall = await pages.open("/#/hall", locale="zh-CN")
    organiser = await pages.open(
        "/#/forum/5", locale="zh-CN", cookie=await server.sign_in(ORGANIZER)
    )
    await organiser.get_by_text("主持工具").click()
    await organiser.get_by_label("中文").fill("午餐时间：12:00–13:30，下午场 13:30 开始。")
    await organiser.get_by_label("English").fill(
        "Lunch 12:00–13:30; the afternoon starts at 13:30."
    )
    await organiser.get_by_role("button", name="发布公告").click()
    await expect(organiser.locator(".announce-form .mod-flash")).to_have_text("公告已发布。")
    # The banner above the room takes room from its side panel, whose send box stays in view.
    await expect(organiser.locator(".announcement-banner")).to_contain_text("午餐时间")
    await assert_side_panel_in_view(organiser, scrolled=True)
    banner = lobby.locator(".announcement-banner")
    await expect(banner).to_contain_text("Lunch 12:00–13:30; the afternoon starts at 13:30.")
    await expect(banner).to_contain_text("From the organisers")
    await expect(hall.locator(".announcement-banner")).to_contain_text("午餐时间")

    await banner.get_by_role("button", name="Dismiss the announcement").click()
    await expect(banner).to_be_hidden()
    await lobby.reload()
    await expect(lobby.locator(".forum-card, .stage-card").first).to_be_visible()
    await expect(lobby.locator(".announcement-banner")).to_be_hidden()
    # A new page in another context has not dismissed it: the latest one shows on arrival.
    fresh = await pages.open("/#/", locale="zh-CN")
    await expect(fresh.locator(".announcement-banner")).to_contain_text("组委会公告")


async def test_the_chat_pages_back_to_earlier_messages(pages: Pages, server: LiveServer):
    cookie = await server.sign_in(SPEAKER)
    await post(server, cookie, 6, *[f"第 {i} 条" for i in range(1, 61)])
    page = await pages.open("/#/forum/6", locale="zh-CN")
    texts = in_chat(page).locator(".chat-text")
    await expect(texts).to_have_count(50)
    await expect(texts.first).to_have_text("第 11 条")
    await page.get_by_role("button", name="加载更早的消息").click()
    await expect(texts).to_have_count(60)
    await expect(texts.first).to_have_text("第 1 条")
    await expect(page.get_by_role("button", name="加载更早的消息")).to_be_hidden()


async def test_a_pinned_announcement_does_not_hide_the_newest_messages(
    pages: Pages, server: LiveServer
):
    await post(server, await server.sign_in(SPEAKER), 8, *[f"消息 {i}" for i in range(1, 21)])
    attendee = await pages.open("/#/forum/8", locale="zh-CN")
    newest = in_chat(attendee).locator(".chat-msg").last
    await expect(newest).to_have_text(re.compile("消息 20"))
    await expect(newest).to_be_in_viewport(ratio=1)
    # The announcement appears above the log and shrinks it: the log stays at its newest.
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        reply = await Peer(ws).command("forum.pin", {"forum": 8, "text": "茶歇 15 分钟。"})
    assert reply["type"] == "ok", reply
    await expect(attendee.locator(".pinned-announcement")).to_contain_text("茶歇 15 分钟。")
    await expect(newest).to_be_in_viewport(ratio=1)


async def test_the_room_tools_leave_the_chat_its_height_on_a_phone_and_a_narrow_window(
    pages: Pages, server: LiveServer
):
    await post(server, await server.sign_in(SPEAKER), 7, *[f"Message {i}" for i in range(1, 13)])
    cookie = await server.sign_in(MODERATOR)
    async with server.connect(cookie) as ws:
        reply = await Peer(ws).command(
            "forum.pin", {"forum": 7, "text": "Questions for the panel go to Q&A, please."}
        )
    assert reply["type"] == "ok", reply
    log = "#tabpanel-chat .chat-log"
    for options, summary, label in (
        ({"locale": "en-GB", "phone": True}, "Room tools", "Slow mode"),
        ({"locale": "zh-CN"}, "主持工具", "慢速模式"),
    ):
        page = await pages.open("/#/forum/7", cookie=cookie, **options)
        if not options.get("phone"):
            await page.set_viewport_size({"width": 1000, "height": 800})
        await expect(page.locator(".pinned-announcement")).to_contain_text("Q&A")
        await expect(in_chat(page).locator(".chat-text").last).to_have_text("Message 12")
        closed = (await boxes(page, log=log))["log"]
        await page.get_by_text(summary).click()
        await expect(page.get_by_label(label)).to_be_in_viewport()
        opened = (await boxes(page, log=log))["log"]
        assert closed and opened and opened["height"] >= closed["height"] - 0.5, (closed, opened)
        assert opened["height"] >= 250, opened
        if not options.get("phone"):
            await assert_side_panel_in_view(page)
