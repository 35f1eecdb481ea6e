"""The meeting room in Chromium with fake media devices: the meeting's two people, each in
their own browser context, open #/meeting/<id>, start their cameras, and each sees the other's
video playing (frames decoded and time advancing); a chat line from one appears at the other.
A stranger is shown the door. Screenshots in both languages, and on a phone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import update
from sqlmodel import col, select

from expo.models import Account
from tests.browser.conftest import missing_browser
from tests.browser.web import (
    CHROMIUM_ARGS,
    NEW_PASSWORD,
    Pages,
    find_chromium,
    register,
    screenshot,
)
from tests.live import LiveServer
from tests.meeting_rows import cancel_meeting, insert_meeting
from tests.waiting import eventually

# Chromium's own test pattern as camera, a beep as microphone, and no permission prompt.
MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

PLAYING = """(selector) => {
  const v = document.querySelector(selector);
  return v && v.videoWidth > 0 && v.readyState >= 2 && !v.paused ? v.currentTime : -1;
}"""


@pytest.fixture(scope="module")
async def media_browser() -> AsyncIterator[Browser]:
    path = find_chromium()
    if path is None:
        missing_browser("Chromium is not installed")
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(
            executable_path=path, args=[*CHROMIUM_ARGS, *MEDIA_ARGS], timeout=30_000
        )
        yield browser
        await browser.close()
    finally:
        await playwright.stop()


@pytest.fixture
async def media_pages(media_browser: Browser, server: LiveServer) -> AsyncIterator[Pages]:
    opened = Pages(media_browser, server)
    try:
        yield opened
    finally:
        await opened.close()
    assert opened.errors == [], "uncaught errors in the page"


async def person(server: LiveServer, name: str, organisation: str, title: str) -> tuple[int, str]:
    email, _ = await register(server, name)
    async with server.services.db() as db:
        account_id = (
            await db.execute(select(Account.id).where(col(Account.email) == email))
        ).scalar_one()
        await db.execute(
            update(Account)
            .where(col(Account.id) == account_id)
            .values(organisation=organisation, title=title)
        )
        await db.commit()
    return account_id, await server.sign_in(email, NEW_PASSWORD)


async def sees_the_other_playing(page: Page) -> None:
    """The remote <video> has frames and its time moves on (polled with page.evaluate: the
    page's CSP forbids the eval that wait_for_function's string conditions need)."""

    async def now() -> float:
        return float(await page.evaluate(PLAYING, ".mroom-remote"))

    first = await eventually(lambda: _positive(now()), timeout=20, interval=0.1)
    await eventually(lambda: _beyond(now(), first), timeout=10, interval=0.1)
    width = await page.evaluate("() => document.querySelector('.mroom-remote').videoWidth")
    assert width > 0


async def _positive(value: Awaitable[float]) -> float:
    found = await value
    return found if found > 0 else 0.0


async def _beyond(value: Awaitable[float], before: float) -> bool:
    return await value > before


async def has_a_gap_below_the_header(page: Page) -> None:
    """The header card and the panels below it do not touch."""
    head = await page.locator(".mroom-head").bounding_box()
    grid = await page.locator(".mroom-grid").bounding_box()
    assert head and grid and grid["y"] - (head["y"] + head["height"]) >= 12


async def test_two_people_see_each_others_video_and_chat(media_pages: Pages, server: LiveServer):
    alice_id, alice_cookie = await person(server, "李雪 Li Xue", "贵州数据宝", "采购总监")
    bob_id, bob_cookie = await person(server, "Tom Baker", "Northwind Data", "Sales lead")
    async with server.services.db() as db:
        meeting = await insert_meeting(db, alice_id, bob_id)
    path = f"/#/meeting/{meeting}"

    alice = await media_pages.new(locale="zh-CN", cookie=alice_cookie)
    await alice.context.grant_permissions(["camera", "microphone"])
    await alice.goto(path)
    await expect(alice.get_by_role("heading", level=1)).to_have_text("与 Tom Baker 的洽谈")
    await expect(alice.locator(".mroom-about")).to_have_text("Sales lead · Northwind Data")
    await expect(alice.locator(".mroom-when")).to_contain_text("Asia/Shanghai")
    await expect(alice.locator(".mroom-state")).to_have_text("开启摄像头即可加入通话。")

    bob = await media_pages.new(locale="en-GB", cookie=bob_cookie)
    await bob.context.grant_permissions(["camera", "microphone"])
    await bob.goto(path)
    await expect(bob.get_by_role("heading", level=1)).to_have_text("Meeting with 李雪 Li Xue")
    await expect(bob.locator(".mroom-state")).to_have_text("Start your camera to join the call.")
    await has_a_gap_below_the_header(bob)

    # Alice starts first and waits; Bob, camera still off, is told she is on the call.
    await alice.get_by_role("button", name="开启摄像头").click()
    await expect(alice.locator(".mroom-state")).to_have_text("正在等待对方加入…")
    await expect(bob.locator(".mroom-state")).to_have_text(
        "The other person is on the call: turn your camera on to join."
    )
    await bob.get_by_role("button", name="Start camera").click()

    await expect(alice.locator(".mroom-state")).to_have_text("已连接", timeout=20_000)
    await expect(bob.locator(".mroom-state")).to_have_text("Connected", timeout=20_000)
    await sees_the_other_playing(alice)
    await sees_the_other_playing(bob)

    # The chat: a line from Bob appears at Alice's, as text (never markup).
    box = bob.locator(".mroom-input")
    await box.fill("Nice to meet you, <b>Li</b>!")
    await box.press("Enter")
    await expect(alice.locator(".mroom-msg")).to_have_count(1)
    await expect(alice.locator(".mroom-msg .mroom-text")).to_have_text(
        "Nice to meet you, <b>Li</b>!"
    )
    await alice.locator(".mroom-input").fill("很高兴认识你，我们聊聊数据交易平台。")
    await alice.locator(".mroom-input").press("Enter")
    await expect(bob.locator(".mroom-msg")).to_have_count(2)
    await expect(bob.locator(".mroom-msg").last).to_contain_text("数据交易平台")
    await screenshot(alice, "meeting-room-zh")
    await screenshot(bob, "meeting-room-en")

    # Mute and camera off are toggles; hanging up leaves the other waiting.
    await bob.get_by_role("button", name="Mute").click()
    await expect(bob.get_by_role("button", name="Unmute")).to_have_attribute("aria-pressed", "true")
    await bob.get_by_role("button", name="Hang up").click()
    await expect(bob.locator(".mroom-state")).to_have_text(
        "The other person is on the call: turn your camera on to join."  # Alice still is
    )
    await expect(alice.locator(".mroom-state")).to_have_text("正在等待对方加入…")

    # Bob reloads and rejoins: the call heals by itself, and the chat is read back.
    await bob.reload()
    await expect(bob.locator(".mroom-msg")).to_have_count(2)
    await bob.get_by_role("button", name="Start camera").click()
    await expect(alice.locator(".mroom-state")).to_have_text("已连接", timeout=20_000)
    await sees_the_other_playing(bob)
    await sees_the_other_playing(alice)

    # Switching the language mid-call redraws the words, not the videos: they keep playing.
    await alice.locator("#header").get_by_role("button", name="English").click()
    await expect(alice.get_by_role("heading", level=1)).to_have_text("Meeting with Tom Baker")
    await expect(alice.locator(".mroom-state")).to_have_text("Connected")
    await sees_the_other_playing(alice)

    # On a phone, the chat sits below the call.
    phone = await media_pages.new(locale="zh-CN", phone=True, cookie=alice_cookie)
    await phone.goto(path)
    await expect(phone.locator(".mroom-msg")).to_have_count(2)
    video_box = await phone.locator(".mroom-video").bounding_box()
    chat_box = await phone.locator(".mroom-chat").bounding_box()
    assert video_box and chat_box and chat_box["y"] >= video_box["y"] + video_box["height"]
    assert chat_box["width"] <= 390
    await has_a_gap_below_the_header(phone)
    await screenshot(phone, "meeting-room-phone-zh")


async def test_a_stranger_is_shown_the_door(media_pages: Pages, server: LiveServer):
    alice_id, _ = await person(server, "甲 A", "", "")
    bob_id, _ = await person(server, "乙 B", "", "")
    _, stranger = await person(server, "路人 C", "", "")
    async with server.services.db() as db:
        meeting = await insert_meeting(db, alice_id, bob_id)
    page = await media_pages.open(f"/#/meeting/{meeting}", locale="en-GB", cookie=stranger)
    await expect(page.get_by_role("alert")).to_have_text(
        re.compile("Only the meeting's two people")
    )
    await expect(page.locator(".mroom-video")).to_have_count(0)


async def test_a_cancelled_meetings_room_turns_read_only(media_pages: Pages, server: LiveServer):
    alice_id, alice = await person(server, "甲 A", "", "")
    bob_id, _ = await person(server, "乙 B", "", "")
    async with server.services.db() as db:
        meeting = await insert_meeting(db, alice_id, bob_id)
    page = await media_pages.open(f"/#/meeting/{meeting}", locale="en-GB", cookie=alice)
    await expect(page.get_by_role("button", name="Start camera")).to_be_enabled()
    async with server.services.db() as db:
        await cancel_meeting(db, meeting)
    await page.locator(".mroom-input").fill("See you tomorrow")
    await page.locator(".mroom-input").press("Enter")
    await expect(page.locator(".mroom-cancelled")).to_have_text(
        "This meeting was cancelled: the room is read-only."
    )
    await expect(page.locator(".mroom-input")).to_be_disabled()
    await expect(page.get_by_role("button", name="Start camera")).to_be_disabled()
    await expect(page.locator(".mroom-msg")).to_have_count(0)
