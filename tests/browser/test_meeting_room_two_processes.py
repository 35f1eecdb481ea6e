"""The meeting room in Chromium (fake camera and microphone) with two server processes on
Redis and PostgreSQL: one person's pages talk to process A, the other's to process B; the call's
signals cross through the broker and each sees the other's video playing; the chat crosses."""

from __future__ import annotations

import asyncio

import httpx
from playwright.async_api import Browser, Page, WebSocket, expect

from expo.ratelimit import DEFAULT_RATES
from tests.browser.test_meeting_room import media_browser, sees_the_other_playing  # noqa: F401
from tests.browser.web import NEW_PASSWORD, Pages, unique_email
from tests.cluster import Process, shared_env, two_processes  # noqa: F401 (fixtures)
from tests.meeting_rows import meeting_at

SIGNAL_BURST = DEFAULT_RATES["moderate"].burst


def count_signals(ws: WebSocket, page: Page, signals: dict[Page, int]) -> None:
    def sent(frame: str | bytes) -> None:
        if isinstance(frame, str) and '"type":"meeting.signal"' in frame:
            signals[page] += 1

    ws.on("framesent", sent)


async def register(process: Process, name: str, organisation: str) -> tuple[int, str]:
    body = {
        "email": unique_email("room2p"),
        "password": NEW_PASSWORD,
        "display_name": name,
        "organisation": organisation,
    }
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return response.json()["account"]["id"], f"expo_session={response.cookies['expo_session']}"


async def test_the_two_people_on_two_processes_see_each_other(
    media_browser: Browser,  # noqa: F811 (the fixture)
    two_processes: tuple[Process, Process],  # noqa: F811 (the fixture)
    shared_env: dict[str, str],  # noqa: F811 (the fixture)
):
    a, b = two_processes
    alice_id, alice_cookie = await register(a, "王芳 Wang Fang", "遵义数智")
    bob_id, bob_cookie = await register(b, "Ana Ruiz", "Iberia Cloud")
    meeting = await meeting_at(shared_env["EXPO_DATABASE_URL"], alice_id, bob_id)
    on_a, on_b = Pages(media_browser, a), Pages(media_browser, b)  # type: ignore[arg-type]
    try:
        alice = await on_a.new(locale="zh-CN", cookie=alice_cookie)
        bob = await on_b.new(locale="en-GB", cookie=bob_cookie)
        signals = {alice: 0, bob: 0}
        for page in (alice, bob):
            page.on("websocket", lambda ws, page=page: count_signals(ws, page, signals))
            await page.goto(f"/#/meeting/{meeting}")
        await expect(alice.locator(".mroom-about")).to_have_text("Iberia Cloud")
        await expect(bob.locator(".mroom-about")).to_have_text("遵义数智")
        await bob.get_by_role("button", name="Start camera").click()
        await alice.get_by_role("button", name="开启摄像头").click()
        await expect(alice.locator(".mroom-state")).to_have_text("已连接", timeout=20_000)
        await expect(bob.locator(".mroom-state")).to_have_text("Connected", timeout=20_000)
        await sees_the_other_playing(alice)
        await sees_the_other_playing(bob)

        await alice.locator(".mroom-input").fill("你好 Ana，我在 A 进程。")
        await alice.locator(".mroom-input").press("Enter")
        await expect(bob.locator(".mroom-msg .mroom-text")).to_have_text("你好 Ana，我在 A 进程。")
        # A whole call's signalling fits the `moderate` rate's burst (30) with room to spare.
        assert 2 <= signals[alice] <= SIGNAL_BURST // 2, signals
        assert 2 <= signals[bob] <= SIGNAL_BURST // 2, signals

        # Both hang up, then both start at the same moment: the offers collide and the polite
        # side (the higher account id) gives way; the call connects all the same.
        await alice.get_by_role("button", name="挂断").click()
        await bob.get_by_role("button", name="Hang up").click()
        await expect(alice.get_by_role("button", name="开启摄像头")).to_be_visible()
        await expect(bob.get_by_role("button", name="Start camera")).to_be_visible()
        await asyncio.gather(
            alice.get_by_role("button", name="开启摄像头").click(),
            bob.get_by_role("button", name="Start camera").click(),
        )
        await expect(alice.locator(".mroom-state")).to_have_text("已连接", timeout=20_000)
        await expect(bob.locator(".mroom-state")).to_have_text("Connected", timeout=20_000)
        await sees_the_other_playing(alice)
        await sees_the_other_playing(bob)
    finally:
        await on_a.close()
        await on_b.close()
    assert on_a.errors == [] and on_b.errors == [], "uncaught errors in the pages"
