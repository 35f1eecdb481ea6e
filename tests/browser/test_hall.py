"""The expo hall (#/hall): the demo exhibitors in Chinese and English, filtered as one types;
and the matchmaking page, which says it is not open yet."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.web import Pages, screenshot

EXHIBITORS_ZH = [
    "黔算云",
    "贵安数据中心",
    "筑城液冷",
    "贵阳大数据交易所",
    "磐石安全",
    "黔工互联",
    "云上影渲",
    "数智政务",
    "黔医健康大数据",
    "货运通",
    "元境科技",
    "个人数据空间",
]
EXHIBITORS_EN = [
    "Qiansuan Cloud",
    "Gui'an Data Center",
    "Zhucheng Liquid Cooling",
    "Guiyang Big Data Exchange",
    "Panshi Security",
    "Qiangong Industrial Internet",
    "CloudFrame Rendering",
    "Smart Gov Data",
    "Qianyi Health Data",
    "FreightLink",
    "Yuanjing Metaverse",
    "MyData Space",
]


async def test_the_hall_lists_the_exhibitors_in_both_languages_and_filters_as_one_types(
    pages: Pages,
):
    page = await pages.open("/#/", locale="zh-CN")
    await page.locator("#header").get_by_role("link", name="展馆").click()
    await expect(page).to_have_url(re.compile(r"#/hall$"))
    await expect(page.locator("#header .nav-link[aria-current=page]")).to_have_text("展馆")
    await expect(page.get_by_role("heading", level=1)).to_have_text("展馆")
    await expect(page.locator(".exhibitor-name")).to_have_text(EXHIBITORS_ZH)
    await expect(page.locator(".hall-count")).to_have_text("共 12 家展商")
    panshi = page.locator(".exhibitor-card").nth(4)
    await expect(panshi.locator(".exhibitor-industry")).to_have_text("数据安全")
    await expect(panshi.locator(".exhibitor-summary")).to_have_text("数据安全靶场与攻防演练平台。")
    await screenshot(page, "hall-zh")

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Expo hall")
    await expect(page.locator(".exhibitor-name")).to_have_text(EXHIBITORS_EN)
    await expect(panshi.locator(".exhibitor-summary")).to_have_text(
        "Data-security ranges and red-team exercises."
    )
    await expect(panshi.locator(".exhibitor-industry")).to_have_text("Data security")
    await expect(page.locator(".hall-count")).to_have_text("12 exhibitors")

    search = page.get_by_label("Filter exhibitors")
    await search.press_sequentially("secu")  # narrows with every key, no button to press
    await expect(page.locator(".exhibitor-name")).to_have_text(["Panshi Security"])
    await expect(page.locator(".hall-count")).to_have_text("Showing 1 of 12 exhibitors")
    await search.fill("安全")  # the other language's names count too
    await expect(page.locator(".exhibitor-name")).to_have_text(["Panshi Security"])
    await search.fill("cloud")  # a name (Qiansuan Cloud) or an industry (cloud rendering)
    await expect(page.locator(".exhibitor-name")).to_have_text(
        ["Qiansuan Cloud", "CloudFrame Rendering"]
    )

    await page.get_by_role("button", name="中文").click()
    await expect(page.get_by_label("筛选展商")).to_have_value("cloud")
    await expect(page.locator(".exhibitor-name")).to_have_text(["黔算云", "云上影渲"])
    await page.get_by_label("筛选展商").fill("区块链")
    await expect(page.locator(".hall-no-match")).to_contain_text(
        "没有名称或行业包含“区块链”的展商。"
    )
    await expect(page.locator(".exhibitor-card")).to_have_count(0)
    await page.get_by_role("button", name="清除筛选").click()
    await expect(page.locator(".exhibitor-name")).to_have_text(EXHIBITORS_ZH)
    await expect(page.get_by_label("筛选展商")).to_be_focused()


async def test_the_lobby_leads_to_the_hall(pages: Pages):
    page = await pages.open("/#/", locale="en-US")
    await page.locator(".hall-card").click()
    await expect(page).to_have_url(re.compile(r"#/hall$"))
    await expect(page.locator(".exhibitor-card")).to_have_count(12)


async def test_matchmaking_says_it_opens_soon_and_shows_no_sample_data(pages: Pages):
    page = await pages.open("/#/", locale="zh-CN")
    await page.locator("#header").get_by_role("link", name="商务撮合").click()
    await expect(page).to_have_url(re.compile(r"#/matchmaking$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("商务撮合")
    await expect(page.locator(".matchmaking")).to_contain_text("即将开放")
    await expect(page.locator(".matchmaking")).to_contain_text("这里也不展示任何示例数据")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Business matchmaking")
    await expect(page.locator(".matchmaking .chip")).to_have_text("Opening soon")
    await expect(page.locator(".matchmaking .card, .matchmaking li")).to_have_count(0)
    await page.get_by_role("link", name="Browse the expo hall").click()
    await expect(page).to_have_url(re.compile(r"#/hall$"))
