"""A booth's queue in Chromium with two server processes on Redis and PostgreSQL: the person in
line on process A (Chinese), the booth's staff member on process B (English). The join made on
A shows in B's line, B's call reaches A's page (the alert, on another page), the answer opens
the call's room on both, and the chat crosses between the processes."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, expect

from tests.browser.test_meeting_room import media_browser  # noqa: F401 (the fixture)
from tests.browser.web import NEW_PASSWORD, Pages, unique_email
from tests.cluster import PASSWORD, Process, shared_env, two_processes  # noqa: F401 (fixtures)

BOOTH = 1  # the demo exhibitor's staff serve booth 1
STAFF = "exhibitor@demo.shubo.live"


async def register(process: Process, name: str) -> str:
    body = {"email": unique_email("queue2p"), "password": NEW_PASSWORD, "display_name": name}
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return f"expo_session={response.cookies['expo_session']}"


async def sign_in(process: Process, email: str) -> str:
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post("/api/session", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return f"expo_session={response.cookies['expo_session']}"


async def test_a_call_on_one_process_reaches_the_person_in_line_on_the_other(
    media_browser: Browser,  # noqa: F811 (the fixture)
    two_processes: tuple[Process, Process],  # noqa: F811 (the fixture)
    shared_env: dict[str, str],  # noqa: F811 (the fixture)
):
    a, b = two_processes
    visitor_cookie = await register(a, "周颖 Zhou Ying")
    staff_cookie = await sign_in(b, STAFF)
    on_a, on_b = Pages(media_browser, a), Pages(media_browser, b)  # type: ignore[arg-type]
    visitor = await on_a.new(locale="zh-CN", cookie=visitor_cookie)
    staff = await on_b.new(locale="en-GB", cookie=staff_cookie)

    await visitor.goto(f"/#/booth/{BOOTH}")
    panel = visitor.locator(".qpanel")
    await panel.get_by_role("button", name="排队").click()
    await expect(panel.locator(".qpanel-position")).to_have_text("下一位就是您")

    await staff.goto(f"/#/booth/{BOOTH}/dashboard")
    await expect(staff.locator(".qstaff-waiting").get_by_text("周颖 Zhou Ying")).to_be_visible()
    await staff.get_by_role("button", name="Call next").click()

    await visitor.goto("/#/hall")  # called on another page than the booth's
    alert = visitor.get_by_role("alertdialog")
    await expect(alert).to_be_visible(timeout=15_000)
    await alert.get_by_role("button", name="接听").click()
    await expect(visitor).to_have_url(re.compile(r"#/queue-call/\d+$"))
    ticket = visitor.url.rsplit("/", 1)[1]

    await staff.goto(f"/#/queue-call/{ticket}")
    await expect(staff.locator(".mroom-input")).to_be_enabled(timeout=15_000)
    await staff.locator(".mroom-input").fill("Welcome — this is process B.")
    await staff.locator(".mroom-input").press("Enter")
    await expect(visitor.locator(".mroom-msg .mroom-text")).to_have_text(
        "Welcome — this is process B.", timeout=15_000
    )
    await visitor.locator(".mroom-input").fill("你好，我在 A 进程。")
    await visitor.locator(".mroom-input").press("Enter")
    await expect(staff.locator(".mroom-msg").last).to_contain_text("我在 A 进程")
