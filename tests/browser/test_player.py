"""A forum room's player: the demo expo's rooms play a local HLS test clip (frontend/demo/stream/),
natively where Chromium plays HLS itself, else through the vendored hls.js."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.async_api import Page, expect
from sqlmodel import select

from forums.models import ForumSession
from tests.browser.web import Pages, page_true, screenshot
from tests.live import LiveServer

HLS_MODULE = "/vendor/hls.js/hls.min.mjs"
# Claims no native HLS, as Chrome did before it played HLS itself and Firefox still does.
NO_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
};
"""


async def playing(page: Page) -> None:
    """Wait until the room's video has a frame to show and its time moves on."""
    video = page.locator(".player-video")
    await expect(video).to_be_visible()
    await page_true(page, "() => document.querySelector('.player-video')?.readyState >= 2")
    start = await video.evaluate("v => v.currentTime")
    await page_true(
        page, f"() => document.querySelector('.player-video').currentTime > {start} + 0.5"
    )
    assert await video.evaluate("v => v.muted && !v.paused && v.loop")
    await expect(page.locator(".player-error")).to_be_hidden()


async def test_a_live_forum_plays_the_demo_clip_natively_or_with_hls_js(pages: Pages):
    page = await pages.new(locale="en-US")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    await page.goto("/#/forum/data-security")  # the forums are live now (forums/seed.py)
    await playing(page)
    native = await page.locator(".player-video").evaluate(
        "v => v.canPlayType('application/vnd.apple.mpegurl') !== ''"
    )
    # hls.js is only fetched where it is needed.
    assert any(url.endswith(HLS_MODULE) for url in requested) != native
    assert any(url.endswith("/demo/stream/index.m3u8") for url in requested)


async def test_without_native_hls_the_vendored_hls_js_plays_the_clip(pages: Pages):
    page = await pages.new(locale="en-US")
    await page.add_init_script(NO_NATIVE_HLS)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    await page.goto("/#/forum/2")
    await playing(page)
    assert any(url.endswith(HLS_MODULE) for url in requested)
    assert any(url.endswith(".ts") for url in requested)
    # A language switch redraws the room around the video without restarting it.
    before = await page.locator(".player-video").evaluate("v => v.currentTime")
    await page.get_by_role("button", name="中文").click()
    await expect(page.locator(".panel-title").first).to_have_text("互动聊天")
    assert await page.locator(".player-video").evaluate("v => v.currentTime") >= before
    await page.get_by_role("button", name="English").click()
    await page.locator(".player-video").evaluate("v => { v.pause(); v.currentTime = 3 }")
    await page_true(page, "() => document.querySelector('.player-video').readyState >= 2")
    await screenshot(page, "forum-player-en")


async def test_a_stream_that_fails_shows_why_in_both_languages(pages: Pages):
    for init in ("", NO_NATIVE_HLS):
        page = await pages.new(locale="zh-CN")
        await page.add_init_script(init or "void 0")
        await page.route("**/demo/stream/**", lambda route: route.fulfill(status=404))
        await page.goto("/#/forum/3")
        error = page.locator(".player-error")
        await expect(error).to_contain_text("直播流暂时无法播放")
        await expect(page.locator(".player-video")).to_be_hidden()
        await page.get_by_role("button", name="English").click()
        await expect(error).to_contain_text("The stream cannot be played right now")


async def test_a_live_room_shows_its_stream_as_live_without_a_seek_bar(pages: Pages):
    # The demo's forums are live now: the keynote runs this hour (forums/seed.py).
    page = await pages.open("/#/forum/east-data-west-computing", locale="en-US")
    await playing(page)
    video = page.locator(".player-video")
    # No native controls (their seek bar would scrub a live stream); a LIVE badge and a sound
    # switch instead.
    assert await video.evaluate("v => v.controls") is False
    await expect(page.locator(".player-live")).to_have_text("LIVE")
    sound = page.locator(".player-frame").get_by_role("button", name="Unmute")
    await sound.click()
    assert await video.evaluate("v => v.muted") is False
    await expect(page.locator(".player-frame").get_by_role("button", name="Mute")).to_be_visible()
    await page.get_by_role("button", name="中文").click()
    await expect(page.locator(".player-live")).to_have_text("直播")
    await page.get_by_role("button", name="English").click()


async def slate_of(pages: Pages, server: LiveServer, at: datetime, locale: str) -> Page:
    """Forum 9 (the metaverse) at `at`: a morning session over, an evening one to come."""
    async with server.services.db() as db:
        rows = (
            (await db.execute(select(ForumSession).where(ForumSession.forum_id == 9)))
            .scalars()
            .all()
        )
        for row, (start, end) in zip(rows, EVENING, strict=False):
            row.starts_at, row.ends_at = start, end
        for row in rows[len(EVENING) :]:
            await db.delete(row)
        await db.commit()
    page = await pages.new(locale=locale)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    await page.clock.set_fixed_time(at)
    await page.goto("/#/forum/metaverse")
    await expect(page.locator(".room-title")).to_be_visible()
    assert not any("/demo/stream/" in url for url in requested), requested
    await expect(page.locator(".player-video")).to_have_count(0)
    return page


# 2030-06-02 in Guiyang (UTC+8): a session 09:00-09:30, the next 18:00-19:00.
EVENING = [
    (datetime(2030, 6, 2, 1, 0, tzinfo=UTC), datetime(2030, 6, 2, 1, 30, tzinfo=UTC)),
    (datetime(2030, 6, 2, 10, 0, tzinfo=UTC), datetime(2030, 6, 2, 11, 0, tzinfo=UTC)),
]


async def test_a_room_with_nothing_on_shows_when_it_is_back_or_that_it_ended(
    pages: Pages, server: LiveServer
):
    page = await slate_of(pages, server, datetime(2030, 6, 2, 3, 0, tzinfo=UTC), "en-US")
    slate = page.locator(".player-slate")
    await expect(slate).to_contain_text("Back at 18:00")
    await expect(page.locator(".player-live")).to_have_count(0)
    await page.get_by_role("button", name="中文").click()
    await expect(slate).to_contain_text("18:00")
    await expect(slate).to_contain_text("回来")

    page = await slate_of(pages, server, datetime(2030, 6, 2, 12, 0, tzinfo=UTC), "en-US")
    await expect(page.locator(".player-slate")).to_contain_text("Ended for today")
