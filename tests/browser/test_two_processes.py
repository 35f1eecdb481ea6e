"""The forum room in the browser with two server processes on Redis and PostgreSQL: people
whose pages talk to different processes chat, ask, upvote, vote and react together."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.web import ATTENDEE, Pages
from tests.cluster import Process, shared_env, sign_in, two_processes  # noqa: F401 (fixtures)
from tests.live import Peer

SPEAKER = "speaker@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"


async def test_people_on_two_processes_share_one_room(
    browser: Browser,
    two_processes: tuple[Process, Process],  # noqa: F811 (the fixture)
):
    a, b = two_processes
    on_a, on_b = Pages(browser, a), Pages(browser, b)  # type: ignore[arg-type]
    try:
        zhang = await on_a.open("/#/forum/2", locale="zh-CN", cookie=await sign_in(a, ATTENDEE))
        wang = await on_b.open("/#/forum/2", locale="en-GB", cookie=await sign_in(b, SPEAKER))

        # Presence: each page counts both, and the attendee sees the speaker on B in the room.
        await expect(zhang.locator(".watching-badge")).to_have_text("2 人在看")
        await expect(wang.locator(".watching-badge")).to_have_text("2 watching")
        await expect(zhang.locator(".room-roster .person-chip")).to_contain_text(["王晓 Wang Xiao"])

        # Chat from A reaches B, and back.
        await zhang.locator(".chat-input").fill("跨进程的问候 👋")
        await zhang.locator(".chat-input").press("Enter")
        await expect(wang.locator(".chat-text").last).to_have_text("跨进程的问候 👋")
        await wang.locator(".chat-input").fill("Hello from process B")
        await wang.locator(".chat-input").press("Enter")
        await expect(zhang.locator(".chat-text").last).to_have_text("Hello from process B")

        # A question asked on A is upvoted on B; the count is the stored one on both.
        await zhang.get_by_role("tab", name="问答").click()
        await wang.get_by_role("tab", name="Q&A").click()
        await zhang.locator(".qa-input").fill("西部数据中心如何保障低时延？")
        await zhang.locator(".qa-input").press("Enter")
        asked = wang.locator(".qa-item", has_text="低时延")
        await asked.get_by_role("button", name="Upvote this question").click()
        await expect(zhang.locator(".qa-item.is-own .qa-count")).to_have_text("1")

        # A poll opened through B; the attendee on A votes; the speaker on B sees the tally.
        async with b.connect(await sign_in(b, MODERATOR)) as ws:
            moderator = Peer(ws)
            draft = {"forum": 2, "question": "跨区域调度的首要难点？", "options": ["时延", "成本"]}
            poll = (await moderator.command("poll.create", draft))["data"]["poll"]["id"]
            assert (await moderator.command("poll.open", {"poll": poll}))["type"] == "ok"
        await zhang.get_by_role("tab", name="投票").click()
        await wang.get_by_role("tab", name="Polls").click()
        card = zhang.locator(".poll-card")
        await card.get_by_label("成本").check()
        await card.get_by_role("button", name="投票").click()
        await expect(wang.locator(".poll-figures")).to_have_text(["0% · 0", "100% · 1"])

        # Applause on B floats up on A, summed.
        for _ in range(2):
            await wang.get_by_role("button", name="Applause").click()
        await expect(zhang.locator(".reaction-note")).to_have_text("本场互动 2")
    finally:
        await on_a.close()
        await on_b.close()
    assert on_a.errors == on_b.errors == [], "uncaught errors in the pages"
