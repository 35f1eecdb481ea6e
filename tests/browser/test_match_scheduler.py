"""The organisers' scheduler panel in Chromium: run it, watch it finish, read the result beside
its bound, in both languages. The panel is mounted the way the console's matchmaking tab mounts
it (`mountScheduler(root)`), on the console page."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.web import Pages
from tests.integration.test_match_scheduler import expo_with_waiting_requests
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"

MOUNT = """async () => {
  const root = document.createElement("div");
  root.id = "sched-root";
  document.querySelector("main, body").prepend(root);
  const m = await import("/js/console/match_scheduler.js");
  m.mountScheduler(root);
}"""


async def mounted(pages: Pages, server: LiveServer, locale: str, phone: bool = False) -> Page:
    page = await pages.open(
        "/#/console/matchmaking", cookie=await server.sign_in(ORGANIZER), locale=locale, phone=phone
    )
    await page.wait_for_load_state("networkidle")
    await page.evaluate(MOUNT)
    return page


async def test_an_organiser_runs_the_scheduler_and_reads_the_result(
    pages: Pages, server: LiveServer
):
    await expo_with_waiting_requests(server)
    page = await mounted(pages, server, "zh-CN")
    root = page.locator("#sched-root")
    await expect(root.get_by_role("heading", name="最优排程")).to_be_visible()
    await root.get_by_label("时间上限（秒）").fill("10")
    await root.get_by_role("button", name="运行排程").click()
    await expect(root.locator(".sched-summary")).to_contain_text(
        "已安排 4 场，上限 4 场", timeout=30_000
    )
    await expect(root.get_by_text("已证明最优")).to_be_visible()
    await expect(root.get_by_role("button", name="运行排程")).to_be_enabled()
    # Another organiser's page, in English, opened afterwards shows the same latest run.
    other = await mounted(pages, server, "en-US", phone=True)
    summary = other.locator("#sched-root .sched-summary")
    await expect(summary).to_contain_text("scheduled 4 of at most 4 possible")
    await expect(other.locator("#sched-root").get_by_text("Proven optimal")).to_be_visible()
