"""The organisers' console: a pretalx file previewed (added, updated, refused with reasons) and
confirmed into the programme, which an open forum page shows; an announcement scheduled a few
seconds ahead that an open lobby page shows at its start and drops when it is withdrawn."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from tests.browser.web import Pages, screenshot
from tests.live import LiveServer
from tests.schedules import events_of

ORGANIZER = "organizer@demo.shubo.live"
BEIJING = timezone(timedelta(hours=8))  # the browsers' time zone (tests/browser/web.py)


def new_event(template: dict[str, Any], room: str, title: str, start: str, *people: str) -> Any:
    event = copy.deepcopy(template)
    event |= {
        "guid": str(uuid.uuid4()),
        "room": room,
        "date": f"2031-04-04T{start}:00+08:00",
        "end": f"2031-04-04T{int(start[:2]) + 1:02d}{start[2:]}:00+08:00",
        "duration": "01:00",
        "title": title,
        "subtitle": title,
        "language": "en",
        "persons": [{"name": p, "biography": "", "role": "speaker"} for p in people],
    }
    return event


async def pretalx_file(server: LiveServer, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The demo's own export as pretalx writes it, one session renamed and four new ones: one
    that fits, one on its room and hour, one in a room the expo does not have, one whose
    speaker is elsewhere then."""
    async with server.http() as http:
        document = (await http.get("/api/programme/schedule.json")).json()
    rooms = [r["name"] for r in document["schedule"]["conference"]["rooms"]]
    metaverse, security = rooms[-1], rooms[3]
    renamed = next(e for e in events_of(document) if e["room"] == metaverse)
    renamed["subtitle"] += " (2nd edition)"
    new = {
        "fits": new_event(renamed, metaverse, "Digital twins of cities", "10:00", "Grace Hopper"),
        "clash": new_event(renamed, metaverse, "Twins, again", "10:30"),
        "busy": new_event(renamed, security, "Secure twins", "10:30", "grace  hopper"),
        "lost": new_event(renamed, "Tan Room", "Nobody's room", "14:00"),
    }
    day = document["schedule"]["conference"]["days"][-1]["rooms"]
    day.setdefault(metaverse, []).extend([new["fits"], new["clash"]])
    day.setdefault(security, []).append(new["busy"])
    day["Tan Room"] = [new["lost"]]
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path, new


async def test_an_organiser_previews_a_pretalx_file_and_confirms_it(
    pages: Pages, server: LiveServer, tmp_path: Path
):
    path, new = await pretalx_file(server, tmp_path)
    room = await pages.open("/#/forum/9", locale="en-US")
    await expect(room.locator(".room-title")).to_have_text("Metaverse")
    cookie = await server.sign_in(ORGANIZER)
    console = await pages.open("/#/console/import", locale="en-US", cookie=cookie)
    await expect(console.locator(".console-tab[aria-current=page]")).to_have_text(
        "Programme import"
    )
    # Over 2 MB is refused on the page, before anything is sent.
    await console.locator("#import-file").set_input_files(
        {"name": "big.json", "mimeType": "application/json", "buffer": b" " * (2 * 1024 * 1024 + 1)}
    )
    await expect(console.locator(".import-status")).to_have_text(
        "The file is too large: a programme is at most 2 MB."
    )

    await console.locator("#import-file").set_input_files(path)
    await console.get_by_role("button", name="Preview changes").click()
    preview = console.locator(".import-preview")
    await expect(preview.locator(".import-counts")).to_contain_text(
        "1 added · 1 updated · 50 unchanged · 3 refused"
    )
    await expect(preview.locator(".import-added .import-line")).to_have_count(1)
    await expect(preview.locator(".import-added")).to_contain_text("Digital twins of cities")
    await expect(preview.locator(".import-updated")).to_contain_text("Changes: English title")
    refused = preview.locator(".import-refused")
    await expect(refused.locator(".import-line")).to_have_count(3)
    await expect(refused.locator(f"[data-guid='{new['clash']['guid']}']")).to_contain_text(
        "Room taken: “Digital twins of cities” is on then"
    )
    await expect(refused.locator(f"[data-guid='{new['busy']['guid']}']")).to_contain_text(
        "grace  hopper is busy then: “Digital twins of cities”"
    )
    await expect(refused.locator(f"[data-guid='{new['lost']['guid']}']")).to_contain_text(
        "There is no room “Tan Room”"
    )
    await screenshot(console, "console-import-preview-en")
    await console.get_by_role("button", name="中文").click()
    await expect(preview.locator(".import-counts")).to_contain_text(
        "新增 1 场 · 更新 1 场 · 不变 50 场 · 拒绝 3 场"
    )
    await expect(refused).to_contain_text("没有会场“Tan Room”")
    await screenshot(console, "console-import-preview-zh")

    await console.get_by_role("button", name="确认导入").click()
    await expect(console.locator(".import-status")).to_have_text(
        "已导入：新增 1 场，更新 1 场，拒绝 3 场。"
    )
    await expect(preview).to_be_empty()
    # The open forum page follows: the new session is there, the refused one is not.
    await expect(room.locator(".session-item", has_text="Digital twins of cities")).to_be_visible()
    await expect(room.locator(".session-item", has_text="(2nd edition)")).to_be_visible()
    await expect(room.locator(".session-item", has_text="Twins, again")).to_have_count(0)
    fresh = await pages.open("/#/forum/9", locale="en-US")
    await expect(fresh.locator(".session-item", has_text="Digital twins of cities")).to_be_visible()

    # On a phone, pasted: the same programme again has nothing left to add, and nothing is
    # wider than the phone.
    phone = await pages.open("/#/console/import", locale="zh-CN", phone=True, cookie=cookie)
    await phone.get_by_label("或粘贴 JSON").fill("{not json")
    await phone.get_by_role("button", name="预览变更").click()
    await expect(phone.locator(".import-status")).to_have_text("这不是有效的 JSON。")
    await phone.get_by_label("或粘贴 JSON").fill(path.read_text(encoding="utf-8"))
    await phone.get_by_role("button", name="预览变更").click()
    await expect(phone.locator(".import-counts")).to_contain_text("新增 0 场 · 更新 0 场")
    await expect(phone.locator(".import-refused .import-line")).to_have_count(3)
    await expect(phone.locator(".import-preview")).to_contain_text("没有要导入的变更。")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390


def local(moment: datetime) -> str:
    """A datetime-local input's value, in the browsers' time zone."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M:%S")


async def test_a_scheduled_announcement_shows_at_its_start_and_goes_when_withdrawn(
    pages: Pages, server: LiveServer
):
    lobby = await pages.open("/#/", locale="en-GB")
    await expect(lobby.locator(".forum-card, .stage-card").first).to_be_visible()
    banner = lobby.locator(".announcement-banner")
    console = await pages.open(
        "/#/console/announcements", locale="zh-CN", cookie=await server.sign_in(ORGANIZER)
    )
    await console.get_by_label("中文内容").fill("下午场 14:00 在主会场开始，请提前入场。")
    await console.get_by_label("英文内容").fill("The afternoon starts at 14:00 on the main stage.")
    starts = datetime.now(UTC) + timedelta(seconds=8)
    await console.get_by_label("开始时间（留空为立即）").fill(local(starts))
    await console.get_by_label("结束时间（留空为不结束）").fill(local(starts + timedelta(hours=2)))
    await console.get_by_role("button", name="定时发布").click()
    await expect(console.locator(".announce-console-status")).to_contain_text("公告已排期")
    item = console.locator(".announce-item").first
    await expect(item).to_have_attribute("data-state", "scheduled")
    # Not before its start (the page already knows of it; it waits)...
    await expect(banner).to_be_hidden()
    # ...and at its start, with no reload, on the lobby and in the console's history.
    await expect(banner).to_contain_text(
        "The afternoon starts at 14:00 on the main stage.", timeout=20_000
    )
    await expect(item).to_have_attribute("data-state", "showing")
    await expect(item.locator(".announce-state")).to_have_text("显示中")
    opened_now = await pages.open("/#/", locale="zh-CN")  # a page opened mid-window shows it
    await expect(opened_now.locator(".announcement-banner")).to_contain_text("下午场 14:00")
    await screenshot(console, "console-announcements-zh")

    await item.get_by_role("button", name="撤回").click()
    await expect(item).to_contain_text("撤回后，这条公告会立即从所有页面消失。")
    await expect(banner).to_be_visible()  # not yet: one click asks, the second withdraws
    await item.get_by_role("button", name="确定撤回").click()
    await expect(banner).to_be_hidden()
    await expect(opened_now.locator(".announcement-banner")).to_be_hidden()
    await expect(item).to_have_attribute("data-state", "withdrawn")
    await expect(item.locator(".announce-state")).to_have_text("已撤回")

    phone = await pages.open(
        "/#/console/announcements",
        locale="en-GB",
        phone=True,
        cookie=await server.sign_in(ORGANIZER),
    )
    first = phone.locator(".announce-item").first
    await expect(first.locator(".announce-state")).to_have_text("Withdrawn")
    await expect(phone.get_by_label("Starts (empty: now)")).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    await phone.locator(".announce-times").scroll_into_view_if_needed()
    await screenshot(phone, "console-announcements-phone-en")
