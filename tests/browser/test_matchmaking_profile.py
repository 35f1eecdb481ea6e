"""The matchmaking home (#/matchmaking): a demo attendee edits their profile in the Chinese
and the English page, saves, reloads and finds it as saved; on a phone too; signed out, the
page says why and links to signing in; a block is lifted from the blocked tab."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.web import Pages, register, screenshot
from tests.live import LiveServer

ATTENDEE = "attendee@demo.shubo.live"


async def slot_ids(server: LiveServer, cookie: str) -> list[int]:
    async with server.http(headers={"Cookie": cookie}) as client:
        return [s["id"] for s in (await client.get("/api/match/slots")).json()["slots"]]


async def stored_profile(server: LiveServer, cookie: str) -> dict:
    async with server.http(headers={"Cookie": cookie}) as client:
        return (await client.get("/api/match/profile")).json()["profile"]  # type: ignore[no-any-return]


def chip(page: Page, group: str, name: str):
    return page.locator(f"#{group}").get_by_role("button", name=name, exact=True)


async def press(page: Page, group: str, name: str, pressed: bool) -> None:
    """Set a toggle chip to `pressed` (clicking only when it is not so already)."""
    button = chip(page, group, name)
    if (await button.get_attribute("aria-pressed")) != ("true" if pressed else "false"):
        await button.click()
    await expect(button).to_have_attribute("aria-pressed", "true" if pressed else "false")


async def test_an_attendee_edits_the_profile_in_chinese_and_english(
    pages: Pages, server: LiveServer
):
    cookie = await server.sign_in(ATTENDEE)
    slots = await slot_ids(server, cookie)
    page = await pages.open("/#/matchmaking/profile", locale="zh-CN", cookie=cookie)
    await expect(page.get_by_role("heading", level=1)).to_have_text("商务撮合")
    await expect(page.get_by_role("link", name="我的洽谈资料")).to_have_attribute(
        "aria-current", "page"
    )
    await expect(page.get_by_role("link", name="我的洽谈", exact=True)).to_have_attribute(
        "href", "#/meetings"
    )
    await expect(page.locator("#header").get_by_role("link", name="商务撮合")).to_have_attribute(
        "aria-current", "page"
    )

    await press(page, "mm-intents", "采购", True)
    await press(page, "mm-intents", "投资", True)
    await press(page, "mm-intents", "合作", False)
    await press(page, "mm-industries", "影视云渲染", True)
    await press(page, "mm-industries", "数据安全", True)
    await page.get_by_label("我能提供").fill("  贵州大学数据科学团队：隐私计算与数据治理  ")
    await page.get_by_label("我在寻找").fill("寻找影视云渲染算力合作")
    await expect(page.locator("#mm-need-count")).to_have_text("11/300 字")
    for slot in slots[:3]:
        button = page.locator(f'.mm-slot[data-value="{slot}"]')
        if await button.get_attribute("aria-pressed") != "true":
            await button.click()
    await page.locator(".mm-day").first.get_by_role("button", name="清空当天").click()
    await page.locator(f'.mm-slot[data-value="{slots[0]}"]').click()
    await page.locator(f'.mm-slot[data-value="{slots[13]}"]').click()
    await page.get_by_label("让其他参会者看到我的资料并向我推荐").check()
    await screenshot(page, "matchmaking-profile-zh")
    await page.get_by_role("button", name="保存").click()
    await expect(page.locator(".form-saved")).to_have_text("已保存")

    saved = await stored_profile(server, cookie)
    assert saved["offer"] == "贵州大学数据科学团队：隐私计算与数据治理"
    assert saved["intents"] == ["buy", "invest"]
    assert "film-tv-rendering" in saved["industries"] and "data-security" in saved["industries"]
    assert set(saved["available"]) >= {slots[0], slots[13]} and slots[1] not in saved["available"]

    await page.reload()
    await expect(page.get_by_label("我能提供")).to_have_value(saved["offer"])
    await expect(chip(page, "mm-intents", "投资")).to_have_attribute("aria-pressed", "true")
    await expect(chip(page, "mm-intents", "合作")).to_have_attribute("aria-pressed", "false")
    await expect(page.locator(f'.mm-slot[data-value="{slots[0]}"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(page.locator(f'.mm-slot[data-value="{slots[1]}"]')).to_have_attribute(
        "aria-pressed", "false"
    )

    # The English page: the same profile, edited and saved again. An edit not yet saved
    # survives the switch (the header saves the language to the account, which is no reason
    # to load the profile again over what is being typed).
    await page.get_by_label("我在寻找").fill("未保存的草稿 unsaved draft")
    loads: list[str] = []
    page.on(
        "request",
        lambda r: loads.append(r.method) if r.url.endswith("/api/match/profile") else None,
    )
    async with page.expect_response(
        lambda r: r.url.endswith("/api/me") and r.request.method == "PATCH"
    ):
        await page.locator("#header").get_by_role("button", name="English").click()
    await expect(page.get_by_label("I am looking for")).to_have_value("未保存的草稿 unsaved draft")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Business matchmaking")
    await expect(page.get_by_label("I offer")).to_have_value(saved["offer"])
    await expect(chip(page, "mm-industries", "Film and TV cloud rendering")).to_have_attribute(
        "aria-pressed", "true"
    )
    await press(page, "mm-intents", "Hire", True)
    await press(page, "mm-languages", "English", True)
    await page.get_by_label("I am looking for").fill("Render capacity for an animation studio")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".form-saved")).to_have_text("Saved")
    assert loads == ["PUT"]  # the save; no reload of the profile since the switch
    await page.reload()
    await expect(page.get_by_label("I am looking for")).to_have_value(
        "Render capacity for an animation studio"
    )
    await expect(chip(page, "mm-intents", "Hire")).to_have_attribute("aria-pressed", "true")
    await screenshot(page, "matchmaking-profile-en")
    again = await stored_profile(server, cookie)
    assert again["version"] == saved["version"] + 1
    assert again["intents"] == ["buy", "invest", "hire"] and "en" in again["languages"]


async def test_a_save_from_a_stale_tab_is_refused_and_offers_the_latest(
    pages: Pages, server: LiveServer
):
    _, cookie = await register(server, "陈晨 Chen Chen")
    page = await pages.open("/#/matchmaking/profile", locale="en-GB", cookie=cookie)
    other = await pages.tab(page, "/#/matchmaking/profile")
    await other.get_by_label("I offer").fill("Saved first in the other tab")
    await other.get_by_role("button", name="Save").click()
    await expect(other.locator(".form-saved")).to_have_text("Saved")
    await page.get_by_label("I offer").fill("Saved second, from a stale page")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".mm-status")).to_contain_text("Your profile was changed elsewhere.")
    await page.get_by_role("button", name="Load the latest").click()
    await expect(page.get_by_label("I offer")).to_have_value("Saved first in the other tab")


async def test_the_profile_on_a_phone(pages: Pages, server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    page = await pages.open("/#/matchmaking/profile", locale="zh-CN", phone=True, cookie=cookie)
    await expect(page.locator(".mm-editor")).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
    await screenshot(page, "matchmaking-profile-phone-zh")


async def test_signed_out_visitors_are_told_why_and_where_to_sign_in(pages: Pages):
    page = await pages.open("/#/", locale="zh-CN")
    await page.locator("#header").get_by_role("link", name="商务撮合").click()
    await expect(page).to_have_url(re.compile(r"#/matchmaking$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("商务撮合")
    await expect(page.locator(".mm-signed-out")).to_contain_text("商务撮合需要登录")
    await page.locator("#header").get_by_role("button", name="English").click()
    await expect(page.locator(".mm-signed-out")).to_contain_text("Matchmaking needs an account")
    await screenshot(page, "matchmaking-signed-out-en")
    await page.get_by_role("link", name="Sign in").last.click()
    await expect(page).to_have_url(re.compile(r"#/signin\?next=%2Fmatchmaking$"))


async def test_a_block_is_lifted_from_the_blocked_tab(pages: Pages, server: LiveServer):
    _, cookie = await register(server, "周末 Zhou Mo")
    async with server.http(headers={"Cookie": cookie}) as client:
        target = (await client.get("/api/match/profile")).json()["profile"]["account"]
    _, mine = await register(server, "吴桐 Wu Tong")
    async with server.http(headers={"Cookie": mine}) as client:
        assert (await client.post(f"/api/match/blocks/{target}")).status_code == 200
    page = await pages.open("/#/matchmaking/blocked", locale="en-GB", cookie=mine)
    item = page.locator(f'.mm-blocked-item[data-account="{target}"]')
    await expect(item).to_contain_text("周末 Zhou Mo")
    await item.get_by_role("button", name="Unblock").click()
    await expect(page.locator(".mm-blocked-none")).to_have_text("You have blocked nobody.")
    async with server.http(headers={"Cookie": mine}) as client:
        assert (await client.get("/api/match/blocks")).json()["blocked"] == []


async def test_organisers_set_slots_and_settings_and_see_the_figures(
    pages: Pages, server: LiveServer
):
    cookie = await server.sign_in("organizer@demo.shubo.live")
    before = len(await slot_ids(server, cookie))
    page = await pages.open("/#/console/matchmaking", locale="en-GB", cookie=cookie)
    await expect(page.get_by_label("Open requests per person")).to_have_value("10")
    await page.get_by_label("Default seats per exhibitor").fill("3")
    await expect(page.get_by_label("Booth queues: seconds to answer a call")).to_have_value("60")
    await page.get_by_label("Booth queues: seconds to answer a call").fill("90")
    await page.locator(".mmc-form").first.get_by_role("button", name="Save").click()
    await expect(page.locator(".form-saved")).to_have_text("Saved")
    await page.get_by_label("Day", exact=True).fill("2026-05-28")
    await page.get_by_label("From", exact=True).fill("09:00")
    await page.get_by_label("To", exact=True).fill("10:00")
    await page.get_by_label("Minutes each").fill("30")
    await page.get_by_role("button", name="Add this day's slots").click()
    await expect(page.locator(".mmc-slot")).to_have_count(before + 2)
    await page.locator(".mmc-slot").last.get_by_role("button", name="Delete").click()
    await expect(page.locator(".mmc-slot")).to_have_count(before + 1)
    await expect(page.locator(".mmc-figure").filter(has_text="Participants")).to_contain_text(
        re.compile(r"\d{3}")
    )
    await expect(page.locator(".mmc-chart rect").first).to_be_attached()
    await expect(page.get_by_role("link", name="Export meetings (CSV)")).to_have_attribute(
        "href", "/api/match/meetings.csv"
    )
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, "console-matchmaking-en")
    async with server.http(headers={"Cookie": cookie}) as client:
        settings = (await client.get("/api/match/settings")).json()["settings"]
    assert settings["default_seats"] == 3 and settings["queue_call_window"] == 90
    assert len(await slot_ids(server, cookie)) == before + 1
