"""Signing in through the sign-in page (#/signin?next=…), as the demo attendee."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.web import ATTENDEE, PASSWORD, Pages


async def test_signing_in_from_a_room_leads_back_to_it_signed_in(pages: Pages):
    page = await pages.open("/#/forum/2", locale="zh-CN")
    await expect(page.locator(".chat-signin")).to_contain_text("登录后即可参与聊天")
    await page.locator(".chat-signin").get_by_role("link", name="去登录").click()
    await expect(page).to_have_url(re.compile(r"#/signin\?next=%2Fforum%2F2$"))

    await page.get_by_label("邮箱").fill(ATTENDEE)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()

    await expect(page).to_have_url(re.compile(r"#/forum/2$"))
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
