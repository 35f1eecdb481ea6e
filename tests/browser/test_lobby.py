"""The lobby (#/): the main stage and the eight 数谷论坛 forums, in Chinese and in English."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

from playwright.async_api import expect

from tests.browser.web import Pages, screenshot
from tests.live import LiveServer, Peer

STAGE_ZH, STAGE_EN = "开幕式 · 主会场", "Opening Ceremony · Main Stage"
FORUMS_ZH = [
    "“东数西算：构建国家算力网络体系”论坛",
    "“数据流通交易与市场培育”论坛",
    "“数据安全”论坛",
    "“工业互联网赋能数字化转型”论坛",
    "“算力时代抢新机——影视产业数字化云计算”高端论坛",
    "“场景大数据”论坛",
    "“首届个人数据中心发展”论坛",
    "“元宇宙”论坛",
]
FORUMS_EN = [
    "East Data, West Computing: Building the National Computing Power Network",
    "Data Circulation, Trading and Market Cultivation",
    "Data Security",
    "Industrial Internet Empowering Digital Transformation",
    "Seizing the Computing Era: Cloud Computing for the Digital Film and TV Industry",
    "Scenario Big Data",
    "The First Personal Data Center Development Forum",
    "Metaverse",
]


async def test_the_lobby_shows_the_main_stage_and_eight_forums_in_chinese_then_english(
    pages: Pages,
):
    page = await pages.open("/#/", locale="zh-CN")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(page.locator(".lobby h1")).to_have_text("数谷论坛 · 直播间")
    await expect(page.locator(".stage-title")).to_have_text([STAGE_ZH])
    await expect(page.locator(".forum-title")).to_have_text(FORUMS_ZH)
    await expect(page.locator(".forum-card .chip")).to_have_text([f"论坛 {n}" for n in range(1, 9)])
    await screenshot(page, "lobby-zh")

    await page.get_by_role("button", name="English").click()

    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator(".lobby h1")).to_have_text("Data Valley Forums · Live rooms")
    await expect(page.locator(".stage-title")).to_have_text([STAGE_EN])
    await expect(page.locator(".forum-title")).to_have_text(FORUMS_EN)
    await expect(page.locator(".forum-card .chip")).to_have_text(
        [f"Forum {n}" for n in range(1, 9)]
    )
    await screenshot(page, "lobby-en")


async def test_the_language_choice_survives_a_reload(pages: Pages):
    page = await pages.open("/#/", locale="zh-CN")
    await expect(page.locator(".forum-title").nth(2)).to_have_text("“数据安全”论坛")
    await page.get_by_role("button", name="English").click()
    await expect(page.locator(".forum-title").nth(2)).to_have_text("Data Security")

    await page.reload()

    await expect(page.locator(".forum-title")).to_have_text(FORUMS_EN)
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("button", name="English")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(page.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "false")


async def test_a_forum_card_leads_into_its_room_by_its_slug(pages: Pages):
    page = await pages.open("/#/", locale="zh-CN")
    # "论坛 1" is the room whose address is its slug, never a row id that is one off.
    first = page.locator(".forum-card", has_text="论坛 1")
    await expect(first).to_have_attribute("href", "#/forum/east-data-west-computing")
    await expect(page.locator(".stage-card")).to_have_attribute("href", "#/forum/main-stage")
    await page.locator(".forum-card", has_text="“数据安全”论坛").click()
    await expect(page).to_have_url(re.compile(r"#/forum/data-security$"))
    await expect(page.locator(".room-title")).to_have_text("“数据安全”论坛")


async def test_an_old_numeric_room_link_still_opens_the_room_at_its_slug(pages: Pages):
    page = await pages.open("/#/forum/4?session=x", locale="en-US")
    await expect(page).to_have_url(re.compile(r"#/forum/data-security\?session=x$"))
    await expect(page.locator(".room-title")).to_have_text("Data Security")
    await expect(page.locator(".chat-panel, .room-side")).not_to_have_count(0)
    await page.go_back()  # the numeric link was replaced, not kept in the history
    await expect(page).not_to_have_url(re.compile(r"#/forum/4"))
    missing = await pages.open("/#/forum/no-such-room", locale="en-US")
    await expect(missing.locator("h1")).to_have_text("There is no such room.")


async def test_a_room_link_typed_in_capitals_opens_the_room_at_its_slug(pages: Pages):
    """A slug read off a slide or a poster and typed as "Data-Security" is the same room, not a
    missing page."""
    page = await pages.open("/#/forum/Data-Security?tab=qa", locale="en-US")
    await expect(page).to_have_url(re.compile(r"#/forum/data-security\?tab=qa$"))
    await expect(page.locator(".room-title")).to_have_text("Data Security")


async def test_a_rooms_count_changes_live_when_someone_joins_it(pages: Pages, server: LiveServer):
    page = await pages.new(locale="en-US")
    lists: list[str] = []
    page.on("request", lambda r: lists.append(r.url) if r.url.endswith("/api/forums") else None)
    await page.goto("/#/")
    stage = page.locator(".stage-card .audience")
    data_trading = page.locator('.forum-card[href="#/forum/data-circulation"] .audience')
    metaverse = page.locator('.forum-card[href="#/forum/metaverse"] .audience')
    await expect(page.locator(".forum-title")).to_have_text(FORUMS_EN)
    await expect(data_trading).to_have_text("0 watching")

    async with AsyncExitStack() as room:
        # Someone opens forum 3 (数据流通交易): the lobby hears of it over its own socket.
        ws = await room.enter_async_context(server.connect())
        assert (await Peer(ws).command("subscribe", {"topic": "forum:3"}))["type"] == "ok"
        await expect(data_trading).to_have_text("1 watching")
        await expect(stage).to_have_text("0 watching")

        # A busier lobby for the screenshot: three on the main stage, two in the metaverse.
        for topic in ["forum:1"] * 3 + ["forum:9"] * 2:
            ws = await room.enter_async_context(server.connect())
            assert (await Peer(ws).command("subscribe", {"topic": topic}))["type"] == "ok"
        await expect(stage).to_have_text("3 watching")
        await expect(metaverse).to_have_text("2 watching")
        await expect(data_trading).to_have_text("1 watching")
        await screenshot(page, "lobby-live-en")

    # They all leave.
    await expect(data_trading).to_have_text("0 watching")
    await expect(stage).to_have_text("0 watching")
    await expect(metaverse).to_have_text("0 watching")
    assert len(lists) == 1  # no reload, nor a refresh of the list: live over the socket
