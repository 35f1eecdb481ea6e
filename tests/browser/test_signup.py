"""Signing up through the sign-up page (#/signup), and the errors it explains."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.web import ATTENDEE, NEW_PASSWORD, Pages, screenshot, unique_email
from tests.live import LiveServer


async def test_signing_up_lands_signed_in_with_the_name_in_the_header(
    pages: Pages, server: LiveServer
):
    page = await pages.open("/#/forum/east-data-west-computing", locale="zh-CN")
    await page.locator("#header").get_by_role("link", name="注册", exact=True).click()
    await expect(page).to_have_url(re.compile(r"#/signup\?next=%2Fforum%2Feast-data-west-\w+$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("注册参会账号")
    await expect(page.locator(".password-rules li")).to_have_text(
        ["至少 10 个字符", "不能是常见密码", "不能包含您的名字或邮箱"]
    )

    email = unique_email("zhao")
    await page.get_by_label("邮箱").fill(email)
    await page.get_by_label("密码").fill(NEW_PASSWORD)
    await page.get_by_label("显示名称").fill("赵敏 Zhao Min")
    await page.get_by_label("单位").fill("贵阳大数据交易所")
    await page.get_by_label("职务").fill("数据分析师")
    await expect(page.get_by_label("界面语言")).to_have_value("zh-CN")
    await screenshot(page, "signup-zh")
    await page.get_by_role("button", name="注册", exact=True).click()

    await expect(page).to_have_url(re.compile(r"#/forum/east-data-west-computing$"))
    await expect(page.locator(".account-name-text")).to_have_text("赵敏 Zhao Min")
    # The websocket was reopened as the new account: its message is its own, under its name.
    await page.locator(".chat-input").fill("第一次来数博会，大家好！")
    await page.locator(".chat-input").press("Enter")
    await expect(page.locator(".chat-msg.is-own .chat-author")).to_have_text(["赵敏 Zhao Min"])

    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with server.http(cookies={"expo_session": cookies["expo_session"]}) as client:
        me = (await client.get("/api/me")).json()["account"]
    assert me["display_name"] == "赵敏 Zhao Min"
    assert (me["organisation"], me["title"], me["language"]) == (
        "贵阳大数据交易所",
        "数据分析师",
        "zh-CN",
    )
    assert me["role"] == "attendee"


async def test_a_taken_email_and_a_weak_password_show_the_error_in_the_pages_language(
    pages: Pages,
):
    page = await pages.open("/#/signup", locale="en-US")
    alert = page.get_by_role("alert")
    await page.get_by_label("Email").fill(ATTENDEE)
    await page.get_by_label("Password").fill(NEW_PASSWORD)
    await page.get_by_label("Display name").fill("Li Hua")
    await page.get_by_role("button", name="Create account").click()

    await expect(alert).to_have_text("An account with this email already exists. Sign in")
    await expect(alert.get_by_role("link", name="Sign in")).to_have_attribute("href", "#/signin")
    await expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    await page.get_by_role("button", name="中文").click()
    await expect(alert).to_have_text("这个邮箱已经注册过了。 直接登录")

    email = unique_email("lihua")
    await page.get_by_label("邮箱").fill(email)
    for password, why in [
        ("short-pw", "密码太短了：至少需要 10 个字符。"),
        ("password123", "这个密码太常见，很容易被猜到，请换一个。"),
        (f"{email.split('@')[0]}!", "密码中不要包含您的名字或邮箱。"),
        ("li hua 2026 go", "密码中不要包含您的名字或邮箱。"),
    ]:
        await page.get_by_label("密码").fill(password)
        await page.get_by_role("button", name="注册", exact=True).click()
        await expect(alert).to_have_text(why)
        await expect(page.get_by_label("密码")).to_have_attribute("aria-invalid", "true")
        await expect(page.get_by_label("邮箱")).not_to_have_attribute("aria-invalid", "true")

    await page.get_by_role("button", name="English").click()
    await expect(alert).to_have_text("Do not use your name or email address in the password.")
    await expect(page).to_have_url(re.compile(r"#/signup$"))
    await expect(page.locator(".account-name-text")).to_have_count(0)
