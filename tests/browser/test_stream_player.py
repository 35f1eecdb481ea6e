"""The ingest in Chromium: a room's player follows its stream's real state, driven through the
platform's nginx callbacks (form-encoded, with the hook secret, as nginx-rtmp sends them), and
the console's Streams tab shows, reveals, rotates and follows every room's keys and state.

No nginx here: the pages' requests for the ingest's playlist (/hls/<slug>.m3u8) are answered
with the demo's local test clip, so a live room shows a picture. States the server does not
produce on its own in this setup (a drop that is not yet the end) are announced on the room's
topic as the server would (the hub's publish_stored), with versions above the stored one.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import httpx
from playwright.async_api import Page, Route, expect

from streams.keys import hook_secret
from tests.browser.web import TIMEOUT_MS, Pages, screenshot
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"
DEMO = "/demo/stream/"
# Claims no native HLS, so hls.js plays (its requests go through Playwright's routes).
NO_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
};
"""


async def hook(server: LiveServer, call: str, key: str, clientid: str) -> httpx.Response:
    """nginx-rtmp's callback `call` ("publish" or "publish_done") for a publisher with `key`."""
    secret = hook_secret(server.services.settings.secret_key)
    path = {"publish": "publish", "publish_done": "publish-done"}[call]
    form = {"call": call, "app": "live", "name": key, "addr": "127.0.0.1", "clientid": clientid}
    async with server.http() as client:
        return await client.post(
            f"/api/streams/hooks/{path}?secret={secret}",
            content=urlencode(form),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )


async def stream_rooms(server: LiveServer, cookie: str) -> dict[str, dict[str, Any]]:
    async with server.http(headers={"cookie": cookie}) as client:
        response = await client.get("/api/streams")
        assert response.status_code == 200, response.text
        return {room["slug"]: room for room in response.json()["rooms"]}


async def without_external_url(server: LiveServer, cookie: str, slug: str) -> None:
    """The demo's rooms play a local clip from an external URL: this one streams from the ingest."""
    async with server.http(headers={"cookie": cookie}) as client:
        forum = (await client.get("/api/forums/by-slug", params={"slug": slug})).json()
        response = await client.patch(
            f"/api/forums/{forum['id']}", json={"version": forum["version"], "stream_url": ""}
        )
        assert response.status_code == 200, response.text


async def announce(server: LiveServer, room: dict[str, Any], **data: Any) -> None:
    state = {**room["state"], "forum": room["forum_id"], **data}
    await server.services.hub.publish_stored([(f"forum:{room['forum_id']}", "stream.state", state)])


async def serve_hls(page: Page, server: LiveServer) -> None:
    """The ingest's playlists, as nginx would write them: the demo clip's."""
    async with server.http() as client:
        playlist = (await client.get(DEMO + "index.m3u8")).text
    body = "\n".join(
        DEMO + line if line.endswith(".ts") else line for line in playlist.splitlines()
    )

    async def fulfil(route: Route) -> None:
        await route.fulfill(body=body, content_type="application/vnd.apple.mpegurl")

    await page.add_init_script(NO_NATIVE_HLS)
    await page.route("**/hls/*.m3u8", fulfil)


async def showing_a_picture(page: Page) -> None:
    await expect(page.locator(".player-video")).to_be_visible()
    await page.wait_for_function(
        "() => document.querySelector('.player-video')?.readyState >= 2", timeout=TIMEOUT_MS
    )


async def viewer(pages: Pages, server: LiveServer, slug: str, **options: Any) -> Page:
    page = await pages.new(**options)
    await serve_hls(page, server)
    await page.goto(f"/#/forum/{slug}")
    await expect(page.locator(".room-title")).to_be_visible()
    return page


async def test_a_viewer_sees_the_poster_the_picture_the_slate_and_the_picture_again(
    pages: Pages, server: LiveServer
):
    organiser = await server.sign_in(ORGANIZER)
    slug = "data-security"
    await without_external_url(server, organiser, slug)
    room = (await stream_rooms(server, organiser))[slug]
    main = room["keys"]["main"]
    desktop = await viewer(pages, server, slug, locale="en-US")
    phone = await viewer(pages, server, slug, locale="zh-CN", phone=True)

    # Offline: a poster in both languages, and no demo clip.
    for page in (desktop, phone):
        poster = page.locator(".stream-offline")
        await expect(poster).to_contain_text("直播尚未开始或已结束")
        await expect(poster).to_contain_text("Not live right now")
        await expect(page.locator(".player-video")).to_have_count(0)
    await expect(desktop.locator(".room-status")).to_have_text("Not live")
    await expect(phone.locator(".room-status")).to_have_text("未开播")
    await screenshot(desktop, "stream-offline-en")
    await screenshot(phone, "stream-offline-phone-zh")

    # The publisher starts: live for both, with a picture and "since".
    assert (await hook(server, "publish", main, "11")).status_code == 302
    await expect(desktop.locator(".player-live")).to_contain_text("LIVE · since")
    await expect(phone.locator(".player-live")).to_contain_text("直播 · ")
    for page in (desktop, phone):
        await showing_a_picture(page)
        await expect(page.locator(".stream-offline")).to_have_count(0)
    await expect(desktop.locator(".stream-announce")).to_have_text("The stream is live.")
    await expect(phone.locator(".stream-announce")).to_have_text("直播已开始。")
    await expect(desktop.locator(".room-status")).to_have_text("Live")
    await screenshot(desktop, "stream-live-en")
    await screenshot(phone, "stream-live-phone-zh")

    # The publisher drops.
    assert (await hook(server, "publish_done", main, "11")).status_code == 200
    room = (await stream_rooms(server, organiser))[slug]
    if room["state"].get("state") != "interrupted":
        # This server turns a room offline when its publisher stops: the poster is back; the
        # drop the page shows as a slate is announced on the room's topic as the server would.
        await expect(desktop.locator(".stream-offline")).to_be_visible()
        assert (await hook(server, "publish", main, "12")).status_code == 302
        await showing_a_picture(desktop)
        room = (await stream_rooms(server, organiser))[slug]
        dropped = room["state"]["version"] + 10
        await announce(server, room, state="interrupted", live=False, version=dropped)
    for page in (desktop, phone):
        slate = page.locator(".stream-slate")
        await expect(slate).to_contain_text("马上回来")
        await expect(slate).to_contain_text("We'll be right back")
        await expect(page.locator(".player-live")).to_be_hidden()
        await expect(page.locator(".player-video")).to_have_count(1)  # the last frame stays
    await expect(desktop.locator(".stream-announce")).to_have_text(
        "The stream dropped; we'll be right back."
    )
    await expect(desktop.locator(".room-status")).to_have_text("Right back")
    await screenshot(desktop, "stream-slate-en")
    await screenshot(phone, "stream-slate-phone-zh")
    await desktop.get_by_role("button", name="中文").click()
    await expect(desktop.locator(".stream-slate-sub")).to_contain_text("自动继续播放")
    await screenshot(desktop, "stream-slate-zh")
    await desktop.get_by_role("button", name="English").click()

    # Back: the picture returns by itself, without a reload.
    await desktop.evaluate("window.__notReloaded = true")
    if room["state"].get("state") == "interrupted":
        assert (await hook(server, "publish", main, "13")).status_code == 302
    else:
        await announce(server, room, state="live", live=True, version=room["state"]["version"] + 11)
    for page in (desktop, phone):
        await expect(page.locator(".stream-slate")).to_have_count(0)
        await expect(page.locator(".player-live")).to_be_visible()
        await showing_a_picture(page)
    assert await desktop.evaluate("window.__notReloaded === true")

    # An older event arriving late changes nothing.
    room = (await stream_rooms(server, organiser))[slug]
    await announce(server, room, state="offline", live=False, version=1)
    await desktop.wait_for_timeout(500)
    await expect(desktop.locator(".player-live")).to_be_visible()
    await expect(desktop.locator(".stream-offline")).to_have_count(0)


async def test_the_streams_tab_masks_reveals_rotates_and_follows_live(
    pages: Pages, server: LiveServer
):
    organiser = await server.sign_in(ORGANIZER)
    slug = "east-data-west-computing"
    room = (await stream_rooms(server, organiser))[slug]
    old = room["keys"]["main"]
    console = await pages.open("/#/console/streams", locale="zh-CN", cookie=organiser)
    card = console.locator(f'.stream-card[data-room="{room["forum_id"]}"]')
    keys = card.locator(".stream-key")
    await expect(keys).to_have_text(["•" * 16, "•" * 16])
    assert old not in await console.content()
    title = room["title"]["zh"]
    await card.get_by_role("button", name=f"显示“{title}”的主密钥").click()
    await expect(keys.first).to_have_text(old)
    await expect(keys.nth(1)).to_have_text("•" * 16)
    await expect(card.locator(".stream-server")).to_have_text(room["rtmp_url"])

    # A publisher goes live: the card follows without a reload.
    await expect(card.locator(".stream-state")).to_have_text("未推流")
    assert (await hook(server, "publish", old, "21")).status_code == 302
    await expect(card.locator(".stream-state")).to_have_text("直播中")
    await expect(card.locator(".stream-detail")).to_contain_text("主推流")
    await console.evaluate("window.scrollTo(0, 0)")
    await screenshot(console, "stream-console-zh")

    # Rotating the live key warns first; the old key is refused afterwards.
    await card.get_by_role("button", name=f"更换“{title}”的主密钥").click()
    await expect(card.locator(".stream-warn")).to_contain_text("正在直播")
    await card.get_by_role("button", name="确认更换").click()
    await expect(keys.first).not_to_have_text(old)
    new = await keys.first.text_content()
    assert new and len(new) >= 32 and "•" not in new
    # Off the air: interrupted (viewers see the slate) or, on an older server, offline.
    await expect(card.locator(".stream-state")).to_have_text(re.compile("^(信号中断|未推流)$"))
    assert (await hook(server, "publish", old, "22")).status_code == 403
    assert (await hook(server, "publish", new, "23")).status_code == 302
    await expect(card.locator(".stream-state")).to_have_text("直播中")

    english = await pages.open("/#/console/streams", locale="en-GB", cookie=organiser)
    await expect(english.locator(f'.stream-card[data-room="{room["forum_id"]}"] h3')).to_have_text(
        room["title"]["en"]
    )
    await expect(english.locator(f'.stream-card[data-room="{room["forum_id"]}"]')).to_have_class(
        re.compile("is-live")
    )
    await expect(english.locator(".streams-howto")).to_contain_text("keyframe interval 1 s")
    await screenshot(english, "stream-console-en")
    phone = await pages.open("/#/console/streams", locale="en-GB", cookie=organiser, phone=True)
    await expect(phone.locator(".stream-card").first).to_be_visible()
    wide = await phone.evaluate(
        "Math.max(...[...document.querySelectorAll('.stream-card, .streams-howto')]"
        ".map((c) => c.getBoundingClientRect().right)) - innerWidth"
    )
    assert wide <= 0, f"the page is {wide}px wider than the window"
    await phone.locator(
        f'.stream-card[data-room="{room["forum_id"]}"]'
    ).scroll_into_view_if_needed()
    await screenshot(phone, "stream-console-phone-en")
    assert (await hook(server, "publish_done", new, "23")).status_code == 200
    await expect(
        english.locator(f'.stream-card[data-room="{room["forum_id"]}"] .stream-state')
    ).to_have_text(re.compile("^(Interrupted|Offline)$"))
