"""The control room in Chromium: an organiser's page follows a stream going live (through the
platform's nginx callbacks, with nginx's statistics served by a stand-in of its /stat) and a
burst of chat, patching the stage's card in place; both languages and a phone; others are told
it is for organisers.

nginx itself is not run here: tests/integration/test_control_room.py reads the real /stat of
a real push.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import Page, expect

from control.runner import state_of
from tests.browser.test_stream_player import hook, stream_rooms, without_external_url
from tests.browser.web import ATTENDEE, Pages, screenshot
from tests.live import LiveServer, Peer

ORGANIZER = "organizer@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"
SLUG = "data-security"  # streamed into from the ingest here
LATE = "metaverse"  # from the ingest too, never pushed: late whenever a session is on
ORGANISERS_SCREEN = {"width": 1440, "height": 1300}

STAT = """<?xml version="1.0" encoding="utf-8" ?>
<rtmp><server>
<application><name>live</name><live><stream><name>SECRET-KEY-NEVER-READ</name>
<bw_in>9999000</bw_in></stream></live></application>
<application><name>hls</name><live>
<stream><name>{slug}</name><time>42000</time><bw_in>2480000</bw_in><bw_video>2350000</bw_video>
<bw_audio>130000</bw_audio><meta><video><width>1280</width><height>720</height>
<frame_rate>25</frame_rate><codec>H264</codec></video></meta><nclients>2</nclients>
<publishing/><active/></stream>
</live></application>
</server></rtmp>
"""


@pytest.fixture
def nginx_stat() -> Iterator[str]:
    """A stand-in for nginx's /stat on 127.0.0.1: the `hls` application carries SLUG."""
    body = STAT.format(slug=SLUG).encode()

    class Stat(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/stat"
    finally:
        server.shutdown()
        server.server_close()


async def language(page: Page, name: str) -> None:
    await page.locator("#header").get_by_role("button", name=name, exact=True).click()


def card(page: Page, forum_id: int):  # noqa: ANN201
    return page.locator(f'.control-stage[data-key="{forum_id}"]')


async def test_the_control_room_follows_a_stream_going_live_and_a_burst_of_chat(
    pages: Pages, server: LiveServer, nginx_stat: str
):
    state = state_of(server.services)
    state.config = replace(
        state.config,
        stat_url=nginx_stat,
        limits=replace(state.config.limits, not_live_after=timedelta(0)),
    )
    organiser = await server.sign_in(ORGANIZER)
    for slug in (SLUG, LATE):
        await without_external_url(server, organiser, slug)
    rooms = await stream_rooms(server, organiser)
    forum_id, key = rooms[SLUG]["forum_id"], rooms[SLUG]["keys"]["main"]

    # Organisers find it in their account menu (the header's row is full at 1366 px).
    page = await pages.open("/#/", locale="en-US", cookie=organiser)
    await language(page, "English")
    await open_account_menu(page)
    await page.locator("#account-menu").get_by_role("link", name="Control room").click()
    await expect(page).to_have_url(re.compile(r"#/control$"))
    await expect(page.locator(".control h1")).to_have_text("Control room")
    await expect(page.locator(".control-stage")).to_have_count(9)
    stage = card(page, forum_id)
    await expect(stage).to_have_attribute("data-state", "offline")
    await expect(stage.locator(".control-chip")).to_have_text("Off air")
    await expect(stage.locator(".control-bitrate")).to_have_text("—")
    # Marks on the nodes: the figures of the next seconds patch them, never replace them.
    await stage.evaluate("(el) => { el.__kept = true; }")
    # Someone watching the room (a socket on its topic) counts as a viewer.
    viewer_ws = await server.connect().__aenter__()
    reply = await Peer(viewer_ws).command("subscribe", {"topic": f"forum:{forum_id}"})
    assert reply["type"] == "ok", reply
    await expect(stage.locator(".control-viewers")).to_have_text("1")

    # The publisher starts: the card turns live with nginx's figures.
    assert (await hook(server, "publish", key, "71")).status_code == 302
    await expect(stage).to_have_attribute("data-state", "live")
    await expect(stage.locator(".control-chip")).to_have_text("Live")
    await expect(stage.locator(".control-since")).to_contain_text("since ")
    await expect(stage.locator(".control-bitrate")).to_have_text("2480")
    await expect(stage.locator(".control-figure", has_text="Frame rate")).to_contain_text("25 fps")
    await expect(stage.locator(".control-figure", has_text="Resolution")).to_contain_text(
        "1280×720"
    )

    # A burst of chat in that room: the rate follows within a second or two.
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        chat = Peer(ws)
        for n in range(15):
            reply = await chat.command("chat.send", {"forum": forum_id, "text": f"<b>#{n}</b>"})
            assert reply["type"] == "ok", reply
    await expect(stage.locator(".control-chat-rate")).to_have_text("15")
    assert await stage.evaluate("(el) => el.__kept === true && el.isConnected")
    # Nothing anyone wrote became markup.
    assert await page.locator(".control b").count() == 0

    await page.set_viewport_size(ORGANISERS_SCREEN)  # the whole board at once
    await screenshot(page, "control-en")
    await language(page, "中文")
    await expect(page.locator(".control h1")).to_have_text("控制室")
    await expect(stage.locator(".control-chip")).to_have_text("直播中")
    await expect(stage.locator(".control-figure", has_text="聊天/分")).to_contain_text("15")
    await screenshot(page, "control-zh")

    phone = await pages.open("/#/control", locale="zh-CN", phone=True, cookie=organiser)
    await language(phone, "中文")
    await expect(card(phone, forum_id).locator(".control-chip")).to_have_text("直播中")
    at = await phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert at[0] <= at[1], at  # nothing wider than the phone
    await screenshot(phone, "control-phone-zh")

    # The publisher stops: interrupted, on every open page.
    await language(page, "English")
    await expect(stage.locator(".control-chip")).to_have_text("Live")
    assert (await hook(server, "publish_done", key, "71")).status_code == 200
    await expect(stage).to_have_attribute("data-state", "interrupted")
    await expect(card(phone, forum_id)).to_have_attribute("data-state", "interrupted")
    # During its session (the demo's day has one on in every forum now): an alert, read out
    # once on the page that shows it in English, in Chinese on the phone.
    alert = page.locator(".control-alert", has_text="should be live per the programme")
    await expect(alert.filter(has_text=rooms[SLUG]["title"]["en"])).to_have_count(1)
    await expect(page.locator(".control-announce")).to_contain_text(rooms[SLUG]["title"]["en"])
    await expect(phone.locator(".control-announce")).to_contain_text("按节目单应在直播")
    await viewer_ws.close()


async def open_account_menu(page: Page) -> None:
    """Click the account's button until its menu says it is open: the header draws itself again
    as the page learns who is signed in, and a click on the button it replaced opens nothing."""
    button = page.locator("#header .account-button")
    for _ in range(10):
        await button.click()
        try:
            await expect(button).to_have_attribute("aria-expanded", "true", timeout=1_000)
            return
        except AssertionError:
            continue
    await expect(button).to_have_attribute("aria-expanded", "true")


async def test_the_control_room_is_for_organisers_only(pages: Pages, server: LiveServer):
    page = await pages.open("/#/control", locale="en-US", cookie=await server.sign_in(ATTENDEE))
    await language(page, "English")
    await expect(page.locator(".control .notice")).to_have_text(
        "Only organisers can open the control room."
    )
    await open_account_menu(page)
    await expect(page.locator("#account-menu").get_by_role("link", name="Profile")).to_be_visible()
    await expect(page.locator("#account-menu").get_by_text("Control room")).to_have_count(0)
    await expect(page.locator(".control-stage")).to_have_count(0)
