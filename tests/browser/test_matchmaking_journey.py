"""The issue's whole matchmaking story in Chromium (fake camera and microphone), on two server
processes sharing Redis and PostgreSQL, with the demo's own people and seed:

the demo attendee (a buyer; pages on process A, in Chinese) says what they need, finds the demo
exhibitor's staff member recommended with a reason, and asks for a meeting with a note; the
staff member (pages on process B, in English) accepts it on #/meetings; the meeting is placed in
a common slot of the demo (which lies ahead: the demo's slots start the day after seeding); the
buyer's meetings page and agenda show it without a reload; both open the meeting room, start
their cameras, see each other's video playing, and a chat line crosses."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from matchmaking.demo_people import SHANGHAI, demo_slots
from tests.browser.test_meeting_room import media_browser, sees_the_other_playing  # noqa: F401
from tests.browser.web import Pages, screenshot
from tests.cluster import Process, shared_env, sign_in, two_processes  # noqa: F401 (fixtures)

BUYER = "attendee@demo.shubo.live"  # 张伟 Zhang Wei, 贵州大学
STAFF = "exhibitor@demo.shubo.live"  # 刘洋 Liu Yang, staff of 黔算云 Qiansuan Cloud (computing)
NEED = "寻找弹性GPU算力与跨区域算力调度"
NOTE = "您好刘经理，我们课题组需要GPU算力，想当面聊聊价格与调度。"
CHAT = "你好 Liu Yang，我这边能看到你的画面。"


async def me(process: Process, cookie: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=process.base, headers={"Cookie": cookie}) as http:
        response = await http.get("/api/me")
    response.raise_for_status()
    return response.json()["account"]  # type: ignore[no-any-return]


async def press(page: Page, group: str, name: str) -> None:
    """Press a toggle chip of the profile form (unless it is pressed already)."""
    button = page.locator(f"#{group}").get_by_role("button", name=name, exact=True)
    if await button.get_attribute("aria-pressed") != "true":
        await button.click()
    await expect(button).to_have_attribute("aria-pressed", "true")


async def test_a_buyer_and_an_exhibitor_meet_from_a_recommendation_to_a_video_call(
    media_browser: Browser,  # noqa: F811 (the fixture)
    two_processes: tuple[Process, Process],  # noqa: F811 (the fixture)
) -> None:
    a, b = two_processes
    buyer_cookie, staff_cookie = await sign_in(a, BUYER), await sign_in(b, STAFF)
    buyer_id, staff_id = (await me(a, buyer_cookie))["id"], (await me(b, staff_cookie))["id"]
    on_a, on_b = Pages(media_browser, a), Pages(media_browser, b)  # type: ignore[arg-type]
    try:
        # 1. The buyer on A says what they need (the demo exhibitor offers compute) and saves.
        buyer = await on_a.open("/#/matchmaking/profile", locale="zh-CN", cookie=buyer_cookie)
        await expect(buyer.get_by_role("heading", level=1)).to_have_text("商务撮合")
        await press(buyer, "mm-intents", "采购")
        await press(buyer, "mm-industries", "算力网络 · 东数西算")
        await buyer.get_by_label("我在寻找").fill(NEED)
        await buyer.get_by_role("button", name="保存").click()
        await expect(buyer.locator(".form-saved")).to_have_text("已保存")

        # ... and finds the staff member recommended, saying why.
        await buyer.get_by_role("link", name="为您推荐").click()
        card = buyer.locator(f'.matchrec-card[data-account="{staff_id}"]')
        await expect(card.locator(".matchrec-name")).to_have_text("刘洋 Liu Yang")
        await expect(card).to_contain_text("黔算云")
        reason = card.locator(".matchrec-reason-text")
        await expect(reason).to_contain_text(f"你的需求「{NEED}」")
        await expect(reason).to_contain_text("对方提供「")
        await expect(reason).to_contain_text("采购 ↔ 销售")
        await screenshot(buyer, "matchmaking-recommendations-zh")

        # The staff member on B has their own recommendations, in English.
        staff = await on_b.open(
            "/#/matchmaking/recommendations", locale="en-GB", cookie=staff_cookie
        )
        await expect(staff.locator(".matchrec-card").first).to_be_visible()
        await expect(staff.locator(".matchrec-reason-text").first).not_to_be_empty()
        await screenshot(staff, "matchmaking-recommendations-en")

        # 2. The buyer asks for a meeting, with a note, from the card.
        await card.get_by_role("button", name="约见洽谈").click()
        await card.get_by_label(re.compile(r"^附言")).fill(NOTE)
        await card.get_by_role("button", name="发送约见请求").click()
        await expect(card.get_by_role("status")).to_have_text("约见请求已发送，等待对方回复。")

        # The buyer's meetings page and agenda stay open on A from now on: no reloads.
        meetings_a = await on_a.tab(buyer, "/#/meetings")
        mine = meetings_a.locator(".request-item", has_text="刘洋 Liu Yang")
        await expect(mine).to_contain_text(NOTE)
        agenda_a = await on_a.tab(buyer, "/#/agenda")
        await expect(agenda_a.get_by_role("heading", level=1)).to_be_visible()
        async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": buyer_cookie}) as http:
            before = len((await http.get("/api/match/meetings")).json()["meetings"])
        await expect(agenda_a.locator(".agenda-meeting")).to_have_count(before)

        # 3. The staff member on B sees the request on #/meetings and accepts: it is placed.
        await staff.goto("/#/meetings")
        received = staff.locator(".request-item", has_text="张伟 Zhang Wei")
        await expect(received).to_contain_text(NOTE)
        await received.get_by_role("button", name="Accept").click()
        placed = staff.locator(".meeting-item", has_text="张伟 Zhang Wei")
        await expect(placed).to_have_count(1)
        meeting = await placed.get_attribute("data-meeting")
        assert meeting and meeting.isdigit()
        await expect(placed.get_by_role("link", name="Join the room")).to_have_attribute(
            "href", f"#/meeting/{meeting}"
        )
        async with httpx.AsyncClient(base_url=b.base, headers={"Cookie": staff_cookie}) as http:
            stored = (await http.get(f"/api/match/meetings/{meeting}")).json()["meeting"]
        assert stored["status"] == "confirmed", stored
        # In a slot of the demo still ahead (the demo's slots start the day after seeding).
        assert datetime.fromisoformat(stored["slot"]["starts_at"]) > datetime.now(UTC), stored
        await screenshot(staff, "meetings-en")

        # 4. Both see it in their agendas; on A without a reload (A heard B's accept).
        ours = f'.meeting-item[data-meeting="{meeting}"]'
        await expect(meetings_a.locator(ours)).to_have_count(1)
        await expect(meetings_a.locator(ours)).to_contain_text("刘洋 Liu Yang")
        await expect(agenda_a.locator(f".agenda-meeting[data-meeting='{meeting}']")).to_have_count(
            1
        )
        await expect(agenda_a.locator(".agenda-meeting")).to_have_count(before + 1)
        await expect(agenda_a.locator(".agenda-meetings")).to_contain_text("我的洽谈")
        await screenshot(meetings_a, "meetings-zh")
        staff_agenda = await on_b.tab(staff, "/#/agenda")
        await expect(
            staff_agenda.locator(f".agenda-meeting[data-meeting='{meeting}']")
        ).to_contain_text("张伟 Zhang Wei")

        # 5. Both open the room from their meetings pages, start the camera and see each other.
        await meetings_a.locator(ours).get_by_role("link", name="进入洽谈室").click()
        await placed.get_by_role("link", name="Join the room").click()
        await expect(meetings_a.locator(".mroom-about")).to_have_text("解决方案经理 · 黔算云")
        await expect(staff.locator(".mroom-about")).to_have_text("研究员 · 贵州大学")
        await meetings_a.get_by_role("button", name="开启摄像头").click()
        await staff.get_by_role("button", name="Start camera").click()
        await expect(meetings_a.locator(".mroom-state")).to_have_text("已连接", timeout=20_000)
        await expect(staff.locator(".mroom-state")).to_have_text("Connected", timeout=20_000)
        await sees_the_other_playing(meetings_a)
        await sees_the_other_playing(staff)
        await meetings_a.locator(".mroom-input").fill(CHAT)
        await meetings_a.locator(".mroom-input").press("Enter")
        await expect(staff.locator(".mroom-msg .mroom-text")).to_have_text(CHAT)
        await screenshot(staff, "meeting-room-call-en")
        await staff.set_viewport_size({"width": 390, "height": 844})
        await sees_the_other_playing(staff)
        await screenshot(staff, "meeting-room-call-phone-en")
        assert buyer_id != staff_id
    finally:
        await on_a.close()
        await on_b.close()
    assert on_a.errors == [] and on_b.errors == [], "uncaught errors in the pages"


def test_the_demos_slots_lie_ahead_so_its_meetings_can_be_placed() -> None:
    """The demo seeds its slots from the day after seeding (fixed dates fell in the past, and
    placement only uses slots still ahead: no demo meeting could be placed)."""
    slots = demo_slots()
    assert slots and all(slot.starts_at > datetime.now(UTC) for slot in slots)
    first = demo_slots(date(2026, 12, 4))[0]
    assert first.starts_at == datetime(2026, 12, 5, 9, 30, tzinfo=SHANGHAI)
