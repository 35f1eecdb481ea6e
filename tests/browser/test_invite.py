"""Invitation links (#/invite/<token>): what they offer, accepting them with a new account or
the one the address has, and the links that cannot be used any more."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

from playwright.async_api import Page, Request, expect
from sqlmodel import select

from expo.models import Invitation, utcnow
from tests.browser.web import NEW_PASSWORD, TIMEOUT_MS, Pages, register, screenshot
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"


async def invite(server: LiveServer, role: str, **fields: object) -> tuple[str, str]:
    """As the demo organiser, over HTTP: invite an address (a fresh one unless `email`) to
    `role`; returns (the address, the link the organiser would send)."""
    email = fields.pop("email", None) or f"invitee-{uuid.uuid4().hex[:10]}@example.org"
    cookie = await server.sign_in(ORGANIZER)
    async with server.http(headers={"Cookie": cookie}) as client:
        response = await client.post(
            "/api/invitations", json={"email": email, "role": role, **fields}
        )
    assert response.status_code == 201, response.text
    link = response.json()["link"]
    assert link.startswith(f"{server.base}/#/invite/")
    return str(email), link


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def record_requests(page: Page) -> list[Request]:
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request))
    return sent


async def socket_names(server: LiveServer, name: str) -> None:
    """Wait (boundedly) until a websocket on the server is signed in as `name`."""
    async with asyncio.timeout(TIMEOUT_MS / 1000):
        while not any(
            c.principal is not None and c.principal.display_name == name
            for c in server.services.gateway.clients
        ):
            await asyncio.sleep(0.05)


async def test_a_new_speaker_accepts_a_link_and_lands_signed_in_without_the_token(
    pages: Pages, server: LiveServer
):
    email, link = await invite(server, "speaker")
    token = token_of(link)
    page = await pages.new(locale="en-US")
    sent = record_requests(page)
    await page.goto(link)

    await expect(page.get_by_role("heading", level=1)).to_have_text("You are invited")
    await expect(page.locator(".invite-role")).to_have_text("Speaker")
    await expect(page.locator(".invite-email")).to_have_text(email)
    await page.get_by_role("button", name="中文").click()
    await expect(page.locator(".invite-role")).to_have_text("演讲嘉宾")
    await expect(page.get_by_role("button", name="创建账号并接受邀请")).to_be_visible()
    await page.get_by_role("button", name="English").click()

    await page.get_by_label("Display name").fill("Ada Okafor")
    await page.get_by_label("Password").fill(NEW_PASSWORD)
    await screenshot(page, "invite-en")
    await page.get_by_role("button", name="Create account and accept").click()

    await expect(page).to_have_url(re.compile(r"/#/$"))
    assert token not in page.url
    await expect(page.locator(".lobby-welcome")).to_contain_text("Your role is now Speaker")
    await expect(page.locator(".account-name-text")).to_have_text("Ada Okafor")
    me = await page.evaluate("fetch('/api/me').then((r) => r.json())")
    assert (me["account"]["display_name"], me["account"]["role"]) == ("Ada Okafor", "speaker")
    await socket_names(server, "Ada Okafor")  # the websocket reopened as the new account

    await page.locator(".lobby-welcome").get_by_role("link", name="See your profile").click()
    await expect(page.locator(".profile .chip")).to_have_text("Speaker")
    await expect(page.get_by_label("Site language")).to_have_value("en")  # the page's language
    await page.go_back()  # the link's entry was replaced: Back leads to the lobby
    await expect(page).to_have_url(re.compile(r"/#/$"))
    await expect(page.locator(".lobby-welcome")).to_have_count(0)  # greeted once

    # The token went in request bodies only, never in a URL.
    assert all(token not in request.url for request in sent)
    bodies = [r.post_data or "" for r in sent if r.url.endswith("/api/invitations/accept")]
    assert len(bodies) == 1 and token in bodies[0]

    used = await pages.open(link, locale="zh-CN")
    await expect(used.get_by_role("alert")).to_have_text("这个邀请已经被接受过了。")
    await used.get_by_role("button", name="English").click()
    await expect(used.get_by_role("alert")).to_have_text(
        "This invitation has been accepted already."
    )
    await expect(used.locator(".account-name-text")).to_have_count(0)


async def test_an_address_with_an_account_signs_in_as_it_to_accept(
    pages: Pages, server: LiveServer
):
    email, _ = await register(server, "周琳 Zhou Lin")
    _, other = await register(server, "王芳 Wang Fang")
    _, link = await invite(server, "exhibitor", email=email, exhibitor_id=5)
    token = token_of(link)

    # Signed in as someone else: the server refuses, the page says why and offers to sign out.
    page = await pages.open(link, locale="zh-CN", cookie=other)
    await expect(page.locator(".invite-role")).to_have_text("参展商工作人员")
    await expect(page.locator(".invite-exhibitor")).to_have_text("磐石安全")
    await expect(page.locator(".invite-action")).to_contain_text("您已登录为 王芳 Wang Fang")
    await page.get_by_role("button", name="接受邀请").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "这个邀请是发给另一个邮箱的。请退出当前账号，用受邀邮箱登录后再接受。"
    )
    await page.locator(".invite").get_by_role("button", name="退出登录").click()

    await expect(page.locator(".invite-action")).to_contain_text(
        f"这个邮箱已经有账号了。请用 {email} 登录，再接受邀请。"
    )
    await page.get_by_role("link", name="登录后接受").click()
    await expect(page).to_have_url(re.compile(rf"#/signin\?next=%2Finvite%2F{token}$"))
    await page.get_by_label("邮箱").fill(email)
    await page.get_by_label("密码").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()

    await expect(page).to_have_url(re.compile(rf"#/invite/{token}$"))
    await expect(page.locator(".invite-action")).to_contain_text("您已登录为 周琳 Zhou Lin")
    await page.get_by_role("button", name="接受邀请").click()
    await expect(page).to_have_url(re.compile(r"/#/$"))
    await expect(page.locator(".lobby-welcome")).to_contain_text("参展商工作人员")
    me = await page.evaluate("fetch('/api/me').then((r) => r.json())")
    assert (me["account"]["role"], me["account"]["exhibitor_id"]) == ("exhibitor", 5)
    await socket_names(server, "周琳 Zhou Lin")


async def test_unknown_and_expired_links_say_so_in_the_pages_language(
    pages: Pages, server: LiveServer
):
    page = await pages.new(locale="en-US")
    sent = record_requests(page)
    await page.goto("/#/invite/not-a-token")  # not even its form: nothing is asked
    await expect(page.get_by_role("alert")).to_have_text(
        "This invitation link is not valid; check that you have the whole link."
    )
    assert not [r for r in sent if "/api/invitations" in r.url]

    await page.goto(f"/#/invite/{'x' * 32}")
    await expect(page.get_by_role("alert")).to_have_text(
        "This invitation link is not valid; check that you have the whole link."
    )
    assert len([r for r in sent if r.url.endswith("/api/invitations/open")]) == 1

    email, link = await invite(server, "moderator")
    async with server.services.db() as db:
        found = await db.execute(select(Invitation).where(Invitation.email == email))
        found.scalars().one().expires_at = utcnow() - timedelta(minutes=1)
        await db.commit()
    expired = await pages.open(link, locale="zh-CN")
    await expect(expired.get_by_role("alert")).to_have_text(
        "这个邀请已过期，请联系主办方重新发送。"
    )
    await expired.get_by_role("button", name="English").click()
    await expect(expired.get_by_role("alert")).to_have_text(
        "This invitation has expired; ask the organisers for a new one."
    )
    await expired.get_by_role("link", name="Back to the lobby").click()
    await expect(expired).to_have_url(re.compile(r"/#/$"))
