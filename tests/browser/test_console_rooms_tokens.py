"""The console's rooms, API tokens and moderation log tabs in Chromium: an organiser renames and
reorders a room and an open lobby in another browser follows without a reload; a token is shown
once and revoked; the moderation log shows a ban with its reason and filters by room."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.web import Pages, register, screenshot
from tests.live import LiveServer, Peer

ORGANIZER = "organizer@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"


async def no_sideways_scroll(page: Page) -> None:
    """Nothing wider than the window (tables scroll inside their panel instead)."""
    wide = await page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert wide <= 0, f"the page is {wide}px wider than the window"


async def test_an_organiser_renames_and_moves_a_room_and_an_open_lobby_follows(
    pages: Pages, server: LiveServer
):
    organiser = await server.sign_in(ORGANIZER)
    lobby = await pages.open("/#/", locale="zh-CN")
    titles = lobby.locator(".forum-card .forum-title")
    await expect(titles).to_have_count(8)
    before = await titles.all_text_contents()
    await lobby.evaluate("window.__notReloaded = true")  # gone if the page reloads

    console = await pages.open("/#/console/rooms", locale="zh-CN", cookie=organiser)
    await expect(console.get_by_role("link", name="直播间", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    cards = console.locator(".room-card")
    await expect(cards).to_have_count(9)
    second = cards.nth(2)  # the stage, then the first forum, then this one
    await expect(second.locator("h3")).to_have_text(before[1])
    await second.get_by_label("中文名称").fill("  算力调度\u200b论坛  ")
    await second.get_by_label("英文名称").fill("Compute Scheduling")
    await second.get_by_label("直播源（HLS 地址）").fill("http://cdn.example.com/live.m3u8")
    await second.get_by_role("button", name="保存").click()
    # A refusal reads as one (an alert, in the error style), not in the green of "saved".
    # It names what the field takes, as its hint does: a path on this site too (the demo's).
    await expect(second.get_by_role("alert")).to_have_text(
        "直播源须是 https:// 开头、以 .m3u8 结尾的地址（或本站上的 /….m3u8 路径），或留空。"
    )
    await expect(second.get_by_role("alert")).to_have_class("form-error")
    await expect(second.locator(".form-saved")).to_have_count(0)
    await expect(titles.nth(1)).to_have_text(before[1])  # refused: nothing changed anywhere
    await second.get_by_label("直播源（HLS 地址）").fill("https://cdn.example.com/live.m3u8")
    await second.get_by_role("button", name="保存").click()
    await expect(second.locator(".form-saved")).to_have_text("已保存")
    await expect(titles.nth(1)).to_have_text("算力调度 论坛")

    await console.get_by_role("button", name="将“算力调度 论坛”上移").click()
    await expect(console.locator(".room-card h3")).to_have_text(
        [await cards.nth(0).locator("h3").text_content(), "算力调度 论坛", before[0], *before[2:]]
    )
    await expect(titles).to_have_text(["算力调度 论坛", before[0], *before[2:]])
    assert await lobby.evaluate("window.__notReloaded === true")
    # The first forum has nothing above it but the stage, which it cannot pass.
    await expect(console.get_by_role("button", name="将“算力调度 论坛”上移")).to_be_disabled()
    await console.evaluate("window.scrollTo(0, 0)")
    await screenshot(console, "console-rooms-zh")

    english = await pages.open("/#/console/rooms", locale="en-GB", cookie=organiser)
    await expect(english.locator(".room-card h3").nth(1)).to_have_text("Compute Scheduling")
    await expect(english.get_by_label("Stream source (HLS address)").nth(1)).to_have_value(
        "https://cdn.example.com/live.m3u8"
    )
    await screenshot(english, "console-rooms-en")
    # The stage streams from a path on this server (the demo's): saving its name keeps it.
    stage = english.locator(".room-card").first
    await stage.get_by_label("English name").fill("Opening Ceremony 2026")
    await stage.get_by_role("button", name="Save").click()
    await expect(stage.locator(".form-saved")).to_have_text("Saved")
    await expect(stage.get_by_label("Stream source (HLS address)")).to_have_value(
        "/demo/stream/index.m3u8"
    )

    phone = await pages.open("/#/console/rooms", locale="zh-CN", phone=True, cookie=organiser)
    await expect(phone.locator(".room-card")).to_have_count(9)
    await no_sideways_scroll(phone)
    await screenshot(phone, "console-rooms-phone-zh")

    # Another organiser's change reaches this open console too, and the room's own page.
    room = await pages.open("/#/forum/3", locale="zh-CN")
    await expect(room.locator(".room-title")).to_have_text("算力调度 论坛")
    async with server.http(headers={"Cookie": organiser}) as http:
        response = await http.patch("/api/forums/3", json={"title_zh": "算力调度与网络论坛"})
    assert response.status_code == 200, response.text
    await expect(room.locator(".room-title")).to_have_text("算力调度与网络论坛")
    await expect(console.locator(".room-card h3").nth(1)).to_have_text("算力调度与网络论坛")
    await expect(titles.first).to_have_text("算力调度与网络论坛")


async def test_a_token_is_shown_once_and_revoked(pages: Pages, server: LiveServer):
    organiser = await server.sign_in(ORGANIZER)
    page = await pages.open("/#/console/tokens", locale="en-GB", cookie=organiser)
    await page.get_by_label("Service account name").fill("Data wall 数据大屏")
    await page.get_by_role("button", name="Create service account").click()
    await expect(page.locator(".notice[role=status]")).to_have_text(
        "Service account “Data wall 数据大屏” created."
    )
    await expect(page.get_by_label("Acts as")).to_have_value(re.compile(r"^\d+$"))
    await page.get_by_label("What it is for").fill("Lobby screen")
    await page.get_by_label("Scope").select_option("read")
    await page.get_by_label("Expires after").select_option("7")
    await page.get_by_role("button", name="Issue token").click()
    secret_box = page.locator(".token-secret")
    await expect(secret_box).to_contain_text("shown only this once")
    secret = await page.get_by_label("New token").input_value()
    assert secret.startswith("expo_")
    row = page.locator(".token-row", has_text="Lobby screen")
    await expect(row).to_contain_text("Data wall 数据大屏")
    await expect(row).to_contain_text("Read only")
    await expect(row.locator(".token-state")).to_have_text("Active")
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, "console-tokens-en")
    chinese = await pages.open("/#/console/tokens", locale="zh-CN", cookie=organiser)
    listed = chinese.locator(".token-row", has_text="Lobby screen")
    await expect(listed).to_contain_text("只读")
    await expect(listed.locator(".token-state")).to_have_text("有效")
    await expect(chinese.locator(".token-secret")).to_have_count(0)  # shown once, not again
    await screenshot(chinese, "console-tokens-zh")
    async with server.http(headers={"Authorization": f"Bearer {secret}"}) as api:
        me = await api.get("/api/me")
        write = await api.patch("/api/me", json={"organisation": "x"})
    assert me.json()["account"]["display_name"] == "Data wall 数据大屏"
    assert write.json()["error"]["code"] == "token.read_only"

    await page.reload()
    await expect(row).to_be_visible()
    await expect(secret_box).to_have_count(0)
    assert secret not in await page.content()  # shown once: nowhere on the page again

    await row.get_by_role("button", name="Revoke the token “Lobby screen”").click()
    await row.get_by_role("button", name="Confirm revoke").click()
    await expect(row.locator(".token-state")).to_have_text("Revoked")
    await expect(page.locator(".notice[role=status]")).to_have_text(
        "Token “Lobby screen” revoked; connections using it were closed."
    )
    async with server.http(headers={"Authorization": f"Bearer {secret}"}) as api:
        refused = await api.get("/api/me")
    assert refused.json()["error"]["code"] == "auth.bad_token"


async def test_a_token_revoked_at_once_no_longer_shows_as_to_copy(pages: Pages, server: LiveServer):
    """Issued by mistake and revoked straight away: its "copy it now" box goes with it (a
    revoked secret offered for copying reads as one that works)."""
    page = await pages.open(
        "/#/console/tokens", locale="en-GB", cookie=await server.sign_in(ORGANIZER)
    )
    await page.get_by_label("What it is for").fill("Oops")
    await page.get_by_role("button", name="Issue token").click()
    secret_box = page.locator(".token-secret")
    await expect(secret_box).to_contain_text("shown only this once")
    row = page.locator(".token-row", has_text="Oops")
    await row.get_by_role("button", name="Revoke the token “Oops”").click()
    await row.get_by_role("button", name="Confirm revoke").click()
    await expect(row.locator(".token-state")).to_have_text("Revoked")
    await expect(secret_box).to_have_count(0)


async def test_the_moderation_log_shows_a_ban_with_its_reason_and_filters_by_room(
    pages: Pages, server: LiveServer
):
    target_id, troll = await _attendee(server, "捣乱者 Troll")
    async with server.connect(troll) as ws:
        posted = await Peer(ws).command("chat.send", {"forum": 4, "text": "加微信买算力"})
    assert posted["type"] == "ok"
    # The ban is made in the room, with the room's own tools and a reason typed there.
    room = await pages.open("/#/forum/4", locale="zh-CN", cookie=await server.sign_in(MODERATOR))
    message = room.locator("#tabpanel-chat .chat-msg", has_text="加微信买算力")
    await message.hover()
    await message.get_by_role("button", name="封禁").click()
    await message.get_by_label("原因（选填）").fill(" 反复发布\u0007广告链接 ")
    await message.get_by_role("button", name="1 小时").click()
    await expect(room.locator(".mod-room-flash")).to_contain_text("捣乱者 Troll")
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        muted = await Peer(ws).command(
            "forum.mute", {"forum": 5, "account": target_id, "duration": 10, "reason": "刷屏"}
        )
    assert muted["type"] == "ok"
    page = await pages.open(
        "/#/console/moderation", locale="zh-CN", cookie=await server.sign_in(ORGANIZER)
    )
    # The rooms test of this module logged its room edits too: this person's entries only.
    rows = page.locator(".modlog-table tbody tr", has_text="捣乱者 Troll")
    await expect(rows).to_have_count(2)
    await expect(rows.first.locator(".modlog-action")).to_have_text("禁言")
    ban = rows.nth(1)  # newest first: the mute, then the ban
    await expect(ban.locator(".modlog-action")).to_have_text("封禁")
    await expect(ban.locator(".modlog-reason")).to_have_text(
        "反复发布 广告链接"
    )  # one line, the control out
    await expect(ban.locator(".modlog-what")).to_contain_text("捣乱者 Troll")
    await expect(ban).to_contain_text("陈静 Chen Jing")
    room_four = await page.locator("#modlog-room option[value='4']").text_content()
    await expect(ban).to_contain_text(room_four or "")

    await page.get_by_label("直播间").select_option("4")
    await expect(page.locator(".modlog-table tbody tr")).to_have_count(1)
    await expect(rows).to_have_count(1)
    await expect(rows.first.locator(".modlog-reason")).to_have_text(
        "反复发布 广告链接"
    )  # one line, the control out
    assert page.url.endswith("#/console/moderation?forum=4")
    await screenshot(page, "console-moderation-log-zh")
    await page.get_by_label("直播间").select_option("6")
    await expect(page.locator(".notice")).to_have_text("没有符合条件的审核记录。")
    await page.reload()  # the filter is in the address
    await expect(page.get_by_label("直播间")).to_have_value("6")

    phone = await pages.open(
        "/#/console/moderation?forum=4",
        locale="zh-CN",
        phone=True,
        cookie=await server.sign_in(ORGANIZER),
    )
    await expect(phone.locator(".modlog-table tbody tr")).to_have_count(1)
    await no_sideways_scroll(phone)
    await screenshot(phone, "console-moderation-log-phone-zh")

    english = await pages.open(
        "/#/console/moderation?forum=4", locale="en-GB", cookie=await server.sign_in(ORGANIZER)
    )
    banned = english.locator(".modlog-table tbody tr", has_text="捣乱者 Troll")
    await expect(banned.locator(".modlog-action")).to_have_text("Banned")
    await screenshot(english, "console-moderation-log-en")


async def test_the_console_tabs_are_for_organisers_only(pages: Pages, server: LiveServer):
    page = await pages.open(
        "/#/console/tokens", locale="en-GB", cookie=await server.sign_in(MODERATOR)
    )
    await expect(page.locator(".console .notice")).to_have_text(
        "Only organiser accounts can use the console."
    )
    await expect(page.locator(".token-row")).to_have_count(0)


async def test_the_moderation_log_says_what_a_room_edit_changed_in_words(
    pages: Pages, server: LiveServer
):
    """A room's edit shows its fields by their names on the page and its values as people read
    them (on/off, seconds), in each language; never `stream_url: …` or `pre_moderation: true`."""
    organiser = await server.sign_in(ORGANIZER)
    async with server.http(headers={"Cookie": organiser}) as http:
        edited = await http.patch(
            "/api/forums/7",
            json={
                "title_en": "Film Compute",
                "stream_url": "https://cdn.example.com/film.m3u8",
                "pre_moderation": True,
                "slow_mode_seconds": 10,
            },
        )
        assert edited.status_code == 200, edited.text
        moved = await http.post("/api/forums/7/move", json={"direction": "down"})
        assert moved.status_code == 200, moved.text
    page = await pages.open("/#/console/moderation?forum=7", locale="en-GB", cookie=organiser)
    details = page.locator(".modlog-table tbody tr .modlog-detail")
    await expect(details).to_have_text(
        [
            "Moved down, now No. 8",
            "English name: Film Compute · Stream source: https://cdn.example.com/film.m3u8"
            " · Questions wait for approval: on · Slow mode: 10 s each",
        ]
    )
    await page.get_by_role("button", name="中文").click()
    await expect(details).to_have_text(
        [
            "下移，现为第 8 位",
            "英文名称：Film Compute · 直播源：https://cdn.example.com/film.m3u8"
            " · 提问需审核：开启 · 慢速模式：每人每 10 秒",
        ]
    )
    # The number is the one the rooms tab shows the room under.
    rooms = await pages.open("/#/console/rooms", locale="en-GB", cookie=organiser)
    card = rooms.locator(".room-card", has=rooms.locator("form[data-room='7']"))
    await expect(card.locator(".chip").first).to_have_text("No. 8")


async def _attendee(server: LiveServer, name: str) -> tuple[int, str]:
    _, cookie = await register(server, name)
    async with server.http(headers={"Cookie": cookie}) as http:
        me = (await http.get("/api/me")).json()["account"]
    return me["id"], cookie
