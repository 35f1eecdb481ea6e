"""A forum room (#/forum/<id>): the programme, the live chat, who is watching, going offline."""

from __future__ import annotations

import re

from playwright.async_api import expect

from expo.realtime import closecodes
from tests.browser.web import ATTENDEE, Line, Pages, assert_side_panel_in_view, screenshot
from tests.live import LiveServer, Peer

# Messages from the other demo accounts, as if the room had been busy for a while.
CHATTER = [
    ("speaker@demo.shubo.live", "欢迎来到“东数西算”论坛！主旨演讲马上开始。"),
    ("moderator@demo.shubo.live", "圆桌对话环节的问题可以直接发在这里，我们会挑选提问。"),
    ("exhibitor@demo.shubo.live", "Looking forward to the panel on cross-region scheduling."),
]
PROGRAMME_ZH = ["开场致辞", "主旨演讲", "圆桌对话", "案例分享", "数博发布", "专家问答"]
PROGRAMME_EN = [
    "Opening remarks",
    "Keynote",
    "Panel discussion",
    "Case studies",
    "Expo releases",
    "Ask the experts",
]


async def post(server: LiveServer, email: str, forum: int, text: str) -> dict:
    """Post to a room's chat as `email`, over the websocket as any client would."""
    cookie = await server.sign_in(email)
    async with server.connect(cookie) as ws:
        reply = await Peer(ws).command("chat.send", {"forum": forum, "text": text})
    assert reply["type"] == "ok", reply
    return reply["data"]


async def test_a_room_shows_its_programme_and_chat_in_chinese_and_english(
    pages: Pages, server: LiveServer
):
    for email, text in CHATTER:
        await post(server, email, 2, text)
    page = await pages.open("/#/forum/2", locale="zh-CN", cookie=await server.sign_in(ATTENDEE))
    await expect(page.locator(".room-title")).to_have_text("“东数西算：构建国家算力网络体系”论坛")
    await expect(page.locator(".chat-text")).to_have_text([text for _, text in CHATTER])
    await page.locator(".chat-input").fill("东西部数据中心之间的时延怎么解决？")
    await page.locator(".chat-input").press("Enter")
    await expect(page.locator(".chat-msg.is-own .chat-text")).to_have_text(
        ["东西部数据中心之间的时延怎么解决？"]
    )
    await expect(page.locator(".chat-input")).to_have_value("")
    await expect(page.locator(".session-name")).to_contain_text(PROGRAMME_ZH)
    await expect(page.locator(".watching-badge")).to_have_text("1 人在看")
    await page.locator(".programme").evaluate("e => e.scrollIntoView({block: 'end'})")
    await screenshot(page, "forum-zh")
    await assert_side_panel_in_view(page, scrolled=True)

    await page.get_by_role("button", name="English").click()
    await expect(page.locator(".room-title")).to_have_text(
        "East Data, West Computing: Building the National Computing Power Network"
    )
    await expect(page.locator(".session-name")).to_contain_text(PROGRAMME_EN)
    await expect(page.locator(".panel-title")).to_have_text(["Live chat", "Programme"])
    await expect(page.locator(".watching-badge")).to_have_text("1 watching")
    await page.locator(".programme").evaluate("e => e.scrollIntoView({block: 'end'})")
    # The English header is one row too (test_header.py); the side panel sticks below it.
    header = await page.locator("#header").bounding_box()
    tabs = await page.locator(".side-tabs").bounding_box()
    assert header and tabs and header["height"] <= 72, header
    assert tabs["y"] >= header["y"] + header["height"], (header, tabs)
    await screenshot(page, "forum-en")
    await assert_side_panel_in_view(page, scrolled=True)
    await page.set_viewport_size({"width": 1000, "height": 800})
    await assert_side_panel_in_view(page, scrolled=True)

    phone = await pages.open("/#/forum/2", locale="zh-CN", phone=True)
    await expect(phone.locator(".chat-text")).to_have_count(len(CHATTER) + 1)
    await expect(phone.locator(".watching-badge")).to_have_text("2 人在看")
    await screenshot(phone, "forum-phone-zh")


async def test_a_chat_message_reaches_every_page_in_the_room_as_plain_text(
    pages: Pages, server: LiveServer
):
    author = await pages.open("/#/forum/3", locale="zh-CN", cookie=await server.sign_in(ATTENDEE))
    reader = await pages.open("/#/forum/3", locale="en-US")
    await expect(author.locator(".watching-badge")).to_have_text("2 人在看")
    await expect(reader.locator(".watching-badge")).to_have_text("2 watching")

    await author.locator(".chat-input").fill("大家好 <b>x</b>")
    await author.locator(".chat-input").press("Enter")

    for page in (author, reader):
        await expect(page.locator(".chat-list .chat-text")).to_have_text(["大家好 <b>x</b>"])
        await expect(page.locator(".chat-list .chat-author")).to_have_text(["张伟 Zhang Wei"])
        await expect(page.locator(".chat-list b")).to_have_count(0)
    await expect(author.locator(".chat-msg.is-own")).to_have_count(1)
    await expect(reader.locator(".chat-msg.is-own")).to_have_count(0)


async def test_a_page_that_was_offline_shows_the_banner_then_resumes_with_what_it_missed(
    pages: Pages, server: LiveServer
):
    page = await pages.new(locale="zh-CN")
    line = Line()
    await line.carry(page.context)
    chat_fetches: list[str] = []
    page.on("request", lambda r: chat_fetches.append(r.url) if "/chat" in r.url else None)
    await page.goto("/#/forum/5")
    banner = page.locator("#offline")
    await expect(page.locator(".watching-badge")).to_have_text("1 人在看")
    await expect(page.locator(".chat-list .chat-text")).to_have_count(0)
    await expect(banner).to_be_hidden()
    # Every page also follows expo:announcements; this test is about the room's topic.
    [first] = [c for c in line.commands("subscribe") if c["data"]["topic"] == "forum:5"]
    epoch = line.reply_to(first)["data"]["epoch"]

    # The network goes: the server cuts the page's socket, as its keepalive does to a client
    # that stopped answering, and the page's attempts to reconnect get no answer.
    line.down()
    [socket] = [c for c in server.services.gateway.clients if "forum:5" in c.topics]
    socket.close(closecodes.INTERNAL, "No answer to the keepalive ping.")
    await expect(banner).to_contain_text("连接已断开，正在重连…")
    await expect(page.locator(".watching-badge")).to_have_class(re.compile(r"\bis-stale\b"))
    missed = await post(server, ATTENDEE, 5, "断线期间的消息")
    await expect(page.locator(".chat-list .chat-text")).to_have_count(0)
    fetched_before = list(chat_fetches)

    line.up()

    await expect(page.locator(".chat-list .chat-text")).to_have_text(["断线期间的消息"])
    await expect(banner).to_be_hidden()
    await expect(page.locator(".watching-badge")).not_to_have_class(re.compile(r"\bis-stale\b"))
    resumed = [c for c in line.commands("subscribe") if c["data"]["topic"] == "forum:5"][-1]
    assert resumed["data"] == {"topic": "forum:5", "since": missed["seq"] - 1, "epoch": epoch}
    assert line.reply_to(resumed)["data"]["replayed"] == 1
    assert chat_fetches == fetched_before  # replayed over the socket, not reloaded over HTTP


async def test_a_family_emoji_is_one_character_in_the_counter_and_arrives_whole(
    pages: Pages, server: LiveServer
):
    family = "👨\u200d👩\u200d👧"  # 5 code points, 8 UTF-16 units, one character as seen
    page = await pages.open("/#/forum/3", locale="en-US", cookie=await server.sign_in(ATTENDEE))
    chat = page.locator(".chat-input")
    await chat.fill(family * 200 + "a" * 260)  # 460 characters as seen
    await expect(page.locator(".chat-counter")).to_have_text("40 characters left")
    await chat.fill("a" * 501)  # maxlength bounds only what the column holds
    await expect(page.locator(".chat-send")).to_be_disabled()
    await chat.fill(f"{family} ok")
    await chat.press("Enter")
    # The room's chat holds earlier tests' messages too: this one is the newest.
    await expect(page.locator(".chat-list .chat-text").last).to_have_text(f"{family} ok")
