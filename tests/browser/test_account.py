"""The account basics in the browser: changing the password (another browser's session ends),
a forgotten password by the emailed link, an email change confirmed from the new address, the
exhibitor badge in the chat and on the profile, and a speaker's own sessions."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import expect

from tests.browser.web import NEW_PASSWORD, Pages, register, screenshot, unique_email
from tests.live import LiveServer, live_server, make_settings
from tests.mail import Mailbox, link_in, smtp_server
from tests.waiting import eventually

NEWER = "黔山秀水-big-data-2027"
STAFF = "exhibitor@demo.shubo.live"
SPEAKER = "speaker@demo.shubo.live"


@pytest.fixture(scope="module")
async def mailbox() -> AsyncIterator[Mailbox]:
    async with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
async def server(demo_sqlite: str, mailbox: Mailbox) -> AsyncIterator[LiveServer]:
    """This module's server sends its mail to the local SMTP server."""
    async with live_server(make_settings(demo_sqlite, smtp_url=mailbox.url)) as live:
        yield live


async def test_changing_the_password_signs_the_other_browser_out(pages: Pages, server: LiveServer):
    email, cookie = await register(server, "赵磊 Zhao Lei")
    other = await server.sign_in(email, NEW_PASSWORD)
    elsewhere = await pages.open("/#/", locale="zh-CN", cookie=other)
    await expect(elsewhere.locator(".account-name-text")).to_have_text("赵磊 Zhao Lei")

    page = await pages.open("/#/profile", locale="en-US", cookie=cookie)
    await expect(page.locator(".account-email-current")).to_have_text(email)
    form = page.locator(".account-password")
    await form.get_by_label("Current password").fill("not my password")
    await form.get_by_label("New password").fill(NEWER)
    await form.get_by_role("button", name="Change password").click()
    await expect(page.locator(".account-password [role=alert]")).to_have_text(
        "The current password is wrong."
    )
    await form.get_by_label("Current password").fill(NEW_PASSWORD)
    await form.get_by_label("New password").fill(NEWER)
    await form.get_by_role("button", name="Change password").click()
    await expect(page.locator(".account-password [role=status]")).to_have_text(
        "Password changed. 1 other session was signed out."
    )
    # The other browser's socket closed (4001): it shows itself signed out, without a reload.
    await expect(elsewhere.locator(".account-name-text")).to_have_count(0)
    await expect(elsewhere.locator("#header").get_by_role("link", name="登录")).to_be_visible()
    await page.reload()
    await expect(page.locator(".account-name-text")).to_have_text("赵磊 Zhao Lei")  # this one stays


async def test_a_forgotten_password_is_reset_by_the_emailed_link(
    pages: Pages, server: LiveServer, mailbox: Mailbox
):
    email, cookie = await register(server, "Mia Chen")
    before = await pages.open("/#/", locale="en-US", cookie=cookie)
    await expect(before.locator(".account-name-text")).to_have_text("Mia Chen")

    page = await pages.open("/#/signin", locale="en-US")
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_text("Forgot your password?").click()
    await expect(page.get_by_label("Your account's address")).to_have_value(email)
    await page.get_by_role("button", name="Send reset link").click()
    await expect(page.locator(".forgot-answer")).to_have_text(
        f"If {email} has an account, a reset link is on its way to it. "
        "The link works once and soon expires."
    )
    await screenshot(page, "account-forgot-en")
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    await page.set_viewport_size({"width": 1280, "height": 800})
    [message] = await eventually(lambda: mailbox.to(email))
    link = link_in(message, "reset")
    assert link.startswith(server.base)

    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    await page.get_by_label("New password").fill("short")
    await page.get_by_role("button", name="Set password and sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("at least 10 characters")
    await page.get_by_label("New password").fill(NEWER)
    await page.get_by_role("button", name="Set password and sign in").click()
    await expect(page).to_have_url(re.compile(r"/#/$"))
    await expect(page.locator(".account-name-text")).to_have_text("Mia Chen")
    # Every earlier session ended: the first browser shows itself signed out.
    await expect(before.locator(".account-name-text")).to_have_count(0)

    used = await pages.open(link, locale="en-US")  # says so at once, before any typing
    await expect(used.get_by_role("alert")).to_have_text("This link has been used already.")
    again = await pages.open("/#/signin", locale="en-US")
    await again.get_by_label("Email", exact=True).fill(email)
    await again.get_by_label("Password", exact=True).fill(NEWER)
    await again.get_by_role("button", name="Sign in", exact=True).click()
    await expect(again.locator(".account-name-text")).to_have_text("Mia Chen")


async def test_an_email_change_is_confirmed_from_the_new_address(
    pages: Pages, server: LiveServer, mailbox: Mailbox
):
    email, cookie = await register(server, "孙悦")
    new = unique_email("moved")
    page = await pages.open("/#/profile", locale="zh-CN", cookie=cookie)
    form = page.locator(".account-email")
    await form.get_by_label("新邮箱").fill(new)
    await form.get_by_label("当前密码").fill(NEW_PASSWORD)
    await form.get_by_role("button", name="发送确认邮件").click()
    await expect(page.locator(".account-email [role=status]")).to_contain_text(new)
    await expect(page.locator(".account-email-current")).to_have_text(email)  # not yet
    [message] = await eventually(lambda: mailbox.to(new))
    link = link_in(message, "confirm-email")

    confirm = await pages.open(link, locale="zh-CN")
    await expect(confirm.locator(".confirm-done")).to_have_text(
        f"邮箱已改为 {new}。以后请用新邮箱登录。"
    )
    assert "confirm-email" not in confirm.url
    await eventually(lambda: mailbox.to(email))  # the old address is told
    await page.reload()
    await expect(page.locator(".account-email-current")).to_have_text(new)


async def test_staff_see_their_exhibitor_and_their_messages_carry_its_badge(
    pages: Pages, server: LiveServer
):
    cookie = await server.sign_in(STAFF)
    async with server.http(headers={"Cookie": cookie}) as http:
        exhibitor = (await http.get("/api/me")).json()["exhibitor"]
    profile = await pages.open("/#/profile", locale="zh-CN", cookie=cookie)
    await expect(profile.locator(".account-exhibitor .staff-badge")).to_have_text(
        exhibitor["name_zh"]
    )
    await screenshot(profile, "account-profile-zh")
    english = await pages.open("/#/profile", locale="en-US", cookie=cookie)
    await expect(english.locator(".account-exhibitor .staff-badge")).to_have_text(
        exhibitor["name_en"]
    )
    await screenshot(english, "account-profile-en")
    phone = await pages.open("/#/profile", locale="zh-CN", cookie=cookie, phone=True)
    await expect(phone.locator(".account-exhibitor .staff-badge")).to_be_visible()
    fits = await phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert fits, "the profile scrolls sideways on a phone"
    await screenshot(phone, "account-profile-phone-zh")

    room = await pages.open("/#/forum/5", locale="en-US", cookie=cookie)
    watcher = await pages.open("/#/forum/5", locale="zh-CN")
    await room.locator("#tabpanel-chat .chat-input").fill("Welcome to our booth")
    await room.locator("#tabpanel-chat .chat-send").click()
    mine = watcher.locator(".chat-msg", has_text="Welcome to our booth")
    await expect(mine.locator(".chat-badge")).to_have_text(exhibitor["name_zh"])
    await watcher.get_by_role("button", name="English").click()  # the badge follows the page
    await expect(mine.locator(".chat-badge")).to_have_text(exhibitor["name_en"])
    await watcher.get_by_role("button", name="中文").click()
    await watcher.reload()  # the history carries it too
    await expect(
        watcher.locator(".chat-msg", has_text="Welcome to our booth").locator(".chat-badge").last
    ).to_have_text(exhibitor["name_zh"])


async def test_a_speaker_sees_their_sessions_and_follows_programme_edits(
    pages: Pages, server: LiveServer
):
    cookie = await server.sign_in(SPEAKER)
    async with server.http(headers={"Cookie": cookie}) as http:
        mine = (await http.get("/api/me/sessions")).json()["sessions"]
    assert mine
    page = await pages.open("/#/", locale="zh-CN", cookie=cookie)
    await page.locator("#header").get_by_role("link", name="我的日程").click()
    await expect(page).to_have_url(re.compile(r"#/my-sessions$"))
    await expect(page.locator(".my-session")).to_have_count(len(mine))
    first = page.locator(".my-session").first
    await expect(first.locator(".my-session-title")).to_have_text(mine[0]["session"]["title"]["zh"])
    await screenshot(page, "account-my-sessions-zh")
    for width, height in ((390, 844), (1366, 768), (1920, 1080)):  # phone and desktops
        await page.set_viewport_size({"width": width, "height": height})
        fits = await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        assert fits, f"my sessions scroll sideways at {width} px"
        await expect(first.get_by_role("link", name="问答")).to_be_visible()
    await page.set_viewport_size({"width": 1280, "height": 800})

    # An organiser renames the session: the page follows.
    organiser = await server.sign_in("organizer@demo.shubo.live")
    async with server.http(headers={"Cookie": organiser}) as http:
        edited = await http.patch(
            f"/api/sessions/{mine[0]['session']['id']}",
            json={"title": {"zh": "改过的题目", "en": "A new title"}},
        )
    assert edited.status_code == 200, edited.text
    await expect(first.locator(".my-session-title")).to_have_text("改过的题目")

    await first.get_by_role("link", name="问答").click()
    await expect(page).to_have_url(re.compile(rf"#/forum/{mine[0]['room']['slug']}\?tab=qa$"))
    await expect(page.locator("#tabpanel-qa")).to_be_visible()

    attendee = await pages.open(
        "/#/", locale="zh-CN", cookie=await server.sign_in("attendee@demo.shubo.live")
    )
    await expect(attendee.locator(".account-name-text")).to_be_visible()
    await expect(attendee.locator("#header").get_by_role("link", name="我的日程")).to_have_count(0)
