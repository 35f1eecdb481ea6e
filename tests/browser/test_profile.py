"""One's own profile (#/profile): display name, organisation, title and language."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.web import NEW_PASSWORD, Pages, register
from tests.live import LiveServer


async def test_a_profile_change_of_language_persists(pages: Pages, server: LiveServer):
    email, cookie = await register(server, "林芳", organisation="贵州大学", language="zh-CN")
    page = await pages.open("/#/", locale="zh-CN", cookie=cookie)
    await page.locator("#header").get_by_role("button", name="林芳").click()  # the account's menu
    await page.locator("#header").get_by_role("link", name="个人资料").click()
    await expect(page).to_have_url(re.compile(r"#/profile$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("个人资料")
    await expect(page.get_by_label("显示名称")).to_have_value("林芳")
    await expect(page.get_by_label("单位")).to_have_value("贵州大学")
    await expect(page.get_by_label("职务")).to_have_value("")
    await expect(page.get_by_label("界面语言")).to_have_value("zh-CN")
    await expect(page.locator(".profile .chip")).to_have_text("参会者")

    await page.get_by_label("显示名称").fill("  林芳   Lin Fang ")
    await page.get_by_label("职务").fill("副教授")
    await page.get_by_label("界面语言").select_option("en")
    await page.get_by_role("button", name="保存").click()

    await expect(page.locator(".form-saved")).to_have_text("Saved.")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_label("Display name")).to_have_value("林芳 Lin Fang")
    await expect(page.locator(".account-name-text")).to_have_text("林芳 Lin Fang")

    await page.reload()

    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    await expect(page.get_by_label("Display name")).to_have_value("林芳 Lin Fang")
    await expect(page.get_by_label("Job title")).to_have_value("副教授")
    await expect(page.get_by_label("Site language")).to_have_value("en")
    await expect(page.locator(".profile .chip")).to_have_text("Attendee")
    async with server.http(headers={"Cookie": cookie}) as client:
        me = (await client.get("/api/me")).json()["account"]
    assert (me["display_name"], me["title"], me["language"]) == ("林芳 Lin Fang", "副教授", "en")

    # The account's language follows it: signing in on a Chinese browser switches to English.
    other = await pages.open("/#/signin", locale="zh-CN")
    await other.get_by_label("邮箱").fill(email)
    await other.get_by_label("密码").fill(NEW_PASSWORD)
    await other.get_by_role("button", name="登录", exact=True).click()
    await expect(other.locator(".account-name-text")).to_have_text("林芳 Lin Fang")
    await expect(other.locator("html")).to_have_attribute("lang", "en")
    await expect(other.locator(".lobby h1")).to_have_text("Data Valley Forums · Live rooms")


async def test_the_profile_page_asks_to_sign_in_when_signed_out(pages: Pages):
    page = await pages.open("/#/profile", locale="en-US")
    await expect(page.locator(".profile")).to_contain_text("Sign in to see and edit your profile.")
    await page.locator(".profile").get_by_role("link", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"#/signin\?next=%2Fprofile$"))
