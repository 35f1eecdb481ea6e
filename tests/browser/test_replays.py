"""Replays in a browser: the lobby's shelf, a room's sessions linking to the replay that holds
them, the replay page playing a real MP4 (made by ffmpeg, kept in EXPO_REPLAY_DIR) from the
chapter asked for, its chapters following the playhead and seeking, and an organiser hiding it
while an attendee watches (their page says it is gone, their room's shelf drops it, live).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from streams.models import StreamReplay
from tests.browser.web import ATTENDEE, Pages, screenshot
from tests.live import LiveServer, live_server, make_settings

ORGANISER = "organizer@demo.shubo.live"
MEDIA_SECONDS = 20  # the replay's length; its second session starts half-way
FORUM = 2  # the first forum (the demo's east-data-west-computing)


@pytest.fixture(scope="module")
async def replay_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("replays")


@pytest.fixture(scope="module")
async def server(demo_sqlite: str, replay_dir: Path) -> AsyncIterator[LiveServer]:
    """The embedded defaults, keeping replays in `replay_dir` (read once, at start-up)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EXPO_REPLAY_DIR", str(replay_dir))
        async with live_server(make_settings(demo_sqlite)) as live:
            yield live


async def make_media(path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("MISSING SERVICE: ffmpeg (apt-get install ffmpeg)")
    made = await asyncio.create_subprocess_exec(
        "ffmpeg", "-v", "error", "-nostdin", "-y",
        "-f", "lavfi", "-i", f"testsrc=size=640x360:rate=25:duration={MEDIA_SECONDS}",
        "-f", "lavfi", "-i", f"sine=duration={MEDIA_SECONDS}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-movflags", "+faststart", str(path),
    )  # fmt: skip
    assert await asyncio.wait_for(made.wait(), 60) == 0


async def two_sessions(server: LiveServer) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        forum = (await http.get(f"/api/forums/{FORUM}")).json()
    sessions = sorted(forum["sessions"], key=lambda s: s["starts_at"])
    # Two back to back (the demo's keynote, then its panel): a recording spans the change.
    pair = next(
        (a, b)
        for a, b in zip(sessions, sessions[1:], strict=False)
        if a["ends_at"] == b["starts_at"]
    )
    return [forum, *pair]


async def stored_replay(server: LiveServer, replay_dir: Path, split_at: str) -> int:
    """A ready replay of the forum, its middle at the start of the forum's second session."""
    from datetime import datetime

    await make_media(replay_dir / "forum-replay.mp4")
    middle = datetime.fromisoformat(split_at)
    half = timedelta(seconds=MEDIA_SECONDS / 2)
    async with server.services.db() as db:
        row = StreamReplay(
            forum_id=FORUM,
            publisher="main",
            started_at=middle - half,
            ended_at=middle + half,
            duration=float(MEDIA_SECONDS),
            file="forum-replay.mp4",
            size=(replay_dir / "forum-replay.mp4").stat().st_size,
            state="ready",
        )
        db.add(row)
        await db.commit()
        assert row.id is not None
        return row.id


async def media_time(page: Page) -> float:
    return float(await page.locator("video.replay-video").evaluate("v => v.currentTime"))


async def test_a_replay_is_found_watched_by_chapter_and_hidden_live(
    pages: Pages, server: LiveServer, replay_dir: Path
):
    forum, first, second = await two_sessions(server)
    replay_id = await stored_replay(server, replay_dir, second["starts_at"])
    attendee = await server.sign_in(ATTENDEE)

    # The lobby's shelf offers it, named by the session it begins with.
    lobby = await pages.open("/#/", locale="zh-CN", cookie=attendee)
    card = lobby.locator(f".replay-shelf .replay-card[data-replay='{replay_id}']")
    await expect(card).to_contain_text(first["title"]["zh"])
    await expect(card).to_contain_text(forum["title"]["zh"])

    # The room: both sessions link to the replay, at their chapters.
    room = await pages.open(f"/#/forum/{forum['slug']}", locale="en-GB", cookie=attendee)
    link = room.locator(f".session-item[data-session='{second['id']}'] a.tag-replay")
    await expect(link).to_have_attribute("href", f"#/replay/{replay_id}/{second['id']}")
    await expect(
        room.locator(f".session-item[data-session='{first['id']}'] a.tag-replay")
    ).to_be_visible()
    await expect(room.locator(".programme .replay-shelf .replay-card")).to_have_count(1)
    await link.click()

    # The replay page starts at the second session's chapter and marks it.
    await expect(room.locator(".replay-title")).to_have_text(forum["title"]["en"])
    chapters = room.locator(".replay-chapter")
    await expect(chapters).to_have_count(2)
    await expect(chapters.nth(1)).to_have_class("replay-chapter is-current")
    assert MEDIA_SECONDS / 2 - 1 <= await media_time(room) < MEDIA_SECONDS
    await expect(chapters.nth(1)).to_contain_text(second["title"]["en"])
    await screenshot(room, "replay-en")

    # A chapter's button seeks; the mark follows.
    await chapters.nth(0).locator("button").click()
    await expect(chapters.nth(0)).to_have_class("replay-chapter is-current")
    assert await media_time(room) < MEDIA_SECONDS / 2
    # Playing on, it crosses into the second chapter by itself.
    await room.locator("video.replay-video").evaluate(
        f"v => {{ v.currentTime = {MEDIA_SECONDS / 2 + 2}; }}"
    )
    await expect(chapters.nth(1)).to_have_class("replay-chapter is-current")

    phone = await pages.open(f"/#/replay/{replay_id}", locale="zh-CN", phone=True, cookie=attendee)
    await expect(phone.locator(".replay-chapter")).to_have_count(2)
    await expect(phone.locator(".replay-chapter").nth(0)).to_contain_text(first["title"]["zh"])
    await screenshot(phone, "replay-phone-zh")

    # An organiser hides it: the attendee's pages follow at once.
    back_in_room = await pages.open(f"/#/forum/{forum['slug']}", locale="zh-CN", cookie=attendee)
    await expect(back_in_room.locator(".programme .replay-shelf .replay-card")).to_have_count(1)
    organiser_cookie = await server.sign_in(ORGANISER)
    organiser = await pages.open(f"/#/replay/{replay_id}", locale="zh-CN", cookie=organiser_cookie)
    await organiser.get_by_role("button", name="对观众隐藏").click()
    await expect(organiser.locator(".chip-warning")).to_have_text("已隐藏")
    await expect(organiser.get_by_role("button", name="重新公开")).to_be_visible()
    await expect(phone.get_by_text("找不到这段回放")).to_be_visible()
    await expect(back_in_room.locator(".programme .replay-shelf")).to_be_hidden()
    await expect(back_in_room.locator("a.tag-replay")).to_have_count(0)
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        assert (await http.get(f"/api/replays/{replay_id}/media")).status_code == 404
    # Organisers still find it, marked, under the room's programme: to show it again.
    their_room = await pages.open(
        f"/#/forum/{forum['slug']}", locale="en-GB", cookie=organiser_cookie
    )
    await expect(their_room.locator(".programme .replay-card.is-hidden")).to_contain_text("Hidden")

    await organiser.get_by_role("button", name="重新公开").click()
    await expect(back_in_room.locator(".programme .replay-shelf .replay-card")).to_have_count(1)
    # The viewer told it was gone gets it back where they are.
    await expect(phone.locator(".replay-chapter")).to_have_count(2)
    await expect(phone.get_by_text("找不到这段回放")).to_have_count(0)
