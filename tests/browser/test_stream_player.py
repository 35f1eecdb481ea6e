"""The ingest in Chromium: a room's player follows its stream's real state, driven through the
platform's nginx callbacks (form-encoded, with the hook secret, as nginx-rtmp sends them), and
the console's Streams tab shows, reveals, rotates and follows every room's keys and state.

No nginx here: the pages' requests for the ingest's playlist (/hls/<slug>.m3u8) are answered
with the demo's local test clip, so a live room shows a picture. States the server does not
produce on its own in this setup (a drop that is not yet the end) are announced on the room's
topic as the server would (the hub's publish_stored), with versions above the stored one.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Route, expect

from streams.keys import hook_secret
from tests.browser.web import TIMEOUT_MS, Pages, page_true, screenshot
from tests.live import LiveServer
from tests.streaming import NO_NATIVE_HLS, missing_tools, nginx_rtmp

ORGANIZER = "organizer@demo.shubo.live"
DEMO = "/demo/stream/"


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
    await page_true(page, "() => document.querySelector('.player-video')?.readyState >= 2")


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
    if room["state"].get("state") == "interrupted":
        # Opened during the drop: the slate, not the offline poster.
        late = await viewer(pages, server, slug, locale="en-GB")
        await expect(late.locator(".stream-slate")).to_contain_text("We'll be right back")
        await expect(late.locator(".stream-offline")).to_have_count(0)
        await late.close()
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


# --- with real nginx and ffmpeg -------------------------------------------------------------


async def push(url: str) -> asyncio.subprocess.Process:
    """ffmpeg publishing a test pattern with a running clock, as OBS would."""
    return await asyncio.create_subprocess_exec(
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x360:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-g",
        "25",
        "-c:a",
        "aac",
        "-f",
        "flv",
        url,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def halt(ffmpeg: asyncio.subprocess.Process) -> None:
    if ffmpeg.returncode is None:
        ffmpeg.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(ffmpeg.wait(), 10)
        except TimeoutError:
            ffmpeg.kill()
            await ffmpeg.wait()


async def through(page: Page, hls: str) -> None:
    """The page's /hls/ on this server's origin, served by nginx (a reverse proxy in production)."""

    async def forward(route: Route) -> None:
        path = route.request.url.split("/hls/", 1)[1]
        try:
            response = await route.fetch(url=f"{hls}/hls/{path}")
            await route.fulfill(response=response)
        except PlaywrightError:  # nginx gone (the test ending), or the page closed
            with contextlib.suppress(PlaywrightError):
                await route.abort()

    await page.route("**/hls/**", forward)


async def test_ffmpeg_through_nginx_turns_the_room_live_and_a_drop_shows_the_slate(
    pages: Pages, server: LiveServer, tmp_path: Path
):
    organiser = await server.sign_in(ORGANIZER)
    slug = "metaverse"
    await without_external_url(server, organiser, slug)
    key = (await stream_rooms(server, organiser))[slug]["keys"]["main"]
    missing = missing_tools()
    if missing:
        pytest.skip(f"MISSING SERVICE: {', '.join(missing)} not installed")
    secret = server.services.settings.secret_key
    async with nginx_rtmp(server.base, secret, tmp_path) as nginx:
        rtmp, hls = nginx.rtmp, nginx.http
        desktop = await pages.new(locale="en-US")
        phone = await pages.new(locale="zh-CN", phone=True)
        for page in (desktop, phone):
            await page.add_init_script(NO_NATIVE_HLS)
            await through(page, hls)
            await page.goto(f"/#/forum/{slug}")
            await expect(page.locator(".stream-offline")).to_be_visible()
        ffmpeg = await push(f"{rtmp}/{key}")
        try:
            for page in (desktop, phone):
                await expect(page.locator(".player-live")).to_be_visible(timeout=20_000)
                await page_true(
                    page,
                    "() => document.querySelector('.player-video')?.currentTime > 1",
                    timeout_ms=30_000,
                )
            await screenshot(desktop, "stream-live-ffmpeg-en")
            await screenshot(phone, "stream-live-ffmpeg-phone-zh")
            await halt(ffmpeg)
            for page in (desktop, phone):
                shown = page.locator(".stream-slate, .stream-offline")
                await expect(shown).to_be_visible(timeout=20_000)
            state = (await stream_rooms(server, organiser))[slug]["state"]
            if state.get("state") == "interrupted":  # the slate over the stream's last frame
                await expect(desktop.locator(".stream-slate .player-last-frame")).to_have_count(1)
                await screenshot(desktop, "stream-slate-ffmpeg-en")
            ffmpeg = await push(f"{rtmp}/{key}")
            for page in (desktop, phone):
                await expect(page.locator(".player-live")).to_be_visible(timeout=20_000)
                await expect(page.locator(".stream-slate")).to_have_count(0)
            await page_true(
                desktop,
                "() => document.querySelector('.player-video')?.readyState >= 2",
                timeout_ms=30_000,
            )
        finally:
            await halt(ffmpeg)


async def test_the_backup_taking_over_switches_the_player_without_a_reload(
    pages: Pages, server: LiveServer
):
    organiser = await server.sign_in(ORGANIZER)
    rooms = await stream_rooms(server, organiser)
    slug = "scenario-big-data"
    await without_external_url(server, organiser, slug)
    keys = rooms[slug]["keys"]
    page = await viewer(pages, server, slug, locale="en-US")
    playlists: list[str] = []
    page.on("request", lambda r: playlists.append(r.url) if ".m3u8" in r.url else None)
    assert (await hook(server, "publish", keys["main"], "31")).status_code == 302
    await showing_a_picture(page)
    assert any(url.endswith(f"/hls/{slug}.m3u8") for url in playlists), playlists
    await page.evaluate("window.__notReloaded = true")
    # The backup waits while main is on air, and takes over when main goes.
    assert (await hook(server, "publish", keys["backup"], "32")).status_code == 302
    assert (await hook(server, "publish_done", keys["main"], "31")).status_code == 200
    state = (await stream_rooms(server, organiser))[slug]["state"]
    assert state["state"] == "live" and state["publisher"] == "backup", state
    await expect(page.locator(".stream-announce")).to_have_text("Switched to the backup signal.")
    await expect(page.locator(".stream-slate")).to_have_count(0)
    async with asyncio.timeout(TIMEOUT_MS / 1000):  # the backup's own playlist, asked for
        while not any(url.endswith(state["hls_url"]) for url in playlists):
            await asyncio.sleep(0.1)
    await showing_a_picture(page)
    assert await page.evaluate("window.__notReloaded === true")
