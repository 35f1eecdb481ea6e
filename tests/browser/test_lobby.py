"""The lobby (#/): the main stage and the eight 数谷论坛 forums, in Chinese and in English."""

from __future__ import annotations

from playwright.async_api import expect

from forums.models import RoomKind
from forums.seed import ROOMS
from tests.browser.web import Pages, screenshot

STAGE_ZH, STAGE_EN = "开幕式 · 主会场", "Opening Ceremony · Main Stage"
FORUMS_ZH = [zh for _, kind, zh, _ in ROOMS if kind == RoomKind.FORUM]
FORUMS_EN = [en for _, kind, _, en in ROOMS if kind == RoomKind.FORUM]


async def test_the_lobby_shows_the_main_stage_and_eight_forums_in_chinese_then_english(
    pages: Pages,
):
    page = await pages.open("/#/", locale="zh-CN")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(page.locator(".lobby h1")).to_have_text("数谷论坛 · 直播间")
    await expect(page.locator(".stage-title")).to_have_text([STAGE_ZH])
    await expect(page.locator(".forum-title")).to_have_text(FORUMS_ZH)
    assert len(FORUMS_ZH) == 8 and FORUMS_ZH[2] == "“数据安全”论坛"
    await expect(page.locator(".forum-card .chip")).to_have_text([f"论坛 {n}" for n in range(1, 9)])
    await screenshot(page, "lobby-zh")

    await page.get_by_role("button", name="English").click()

    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator(".lobby h1")).to_have_text("Data Valley Forums · Live rooms")
    await expect(page.locator(".stage-title")).to_have_text([STAGE_EN])
    await expect(page.locator(".forum-title")).to_have_text(FORUMS_EN)
    assert FORUMS_EN[2] == "Data Security"
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


async def test_a_forum_card_leads_into_its_room(pages: Pages):
    page = await pages.open("/#/", locale="zh-CN")
    await page.locator(".forum-card", has_text="“数据安全”论坛").click()
    await expect(page).to_have_url(f"{page.url.split('#')[0]}#/forum/4")
    await expect(page.locator(".room-title")).to_have_text("“数据安全”论坛")
