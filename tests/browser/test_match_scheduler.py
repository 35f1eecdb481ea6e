"""The organisers' scheduler panel in Chromium, in the console's matchmaking tab
(#/console/matchmaking, which mounts it): run it, watch it finish, read the result beside its
bound, in both languages. The tab mounts the panel once: one heading, one time limit."""

from __future__ import annotations

import asyncio

from playwright.async_api import Locator, Page, expect

from tests.browser.web import Pages
from tests.integration.test_match_scheduler import expo_with_waiting_requests
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"


async def console_tab(
    pages: Pages, server: LiveServer, locale: str, phone: bool = False
) -> tuple[Page, Locator]:
    """The console's matchmaking tab, and its scheduler panel once the tab has shown it."""
    page = await pages.open(
        "/#/console/matchmaking", cookie=await server.sign_in(ORGANIZER), locale=locale, phone=phone
    )
    panel = page.locator(".console-body .mmc .match-scheduler")
    await expect(panel).to_be_visible()
    await expect(page.locator(".match-scheduler")).to_have_count(1)
    return page, panel


async def test_an_organiser_runs_the_scheduler_and_reads_the_result(
    pages: Pages, server: LiveServer
):
    await expo_with_waiting_requests(server)
    page, root = await console_tab(pages, server, "zh-CN")
    await expect(page.get_by_role("heading", name="最优排程")).to_have_count(1)
    await root.get_by_label("时间上限（秒）").fill("10")
    await root.get_by_role("button", name="运行排程").click()
    await expect(root.locator(".sched-summary")).to_contain_text(
        "已安排 4 场，上限 4 场", timeout=30_000
    )
    await expect(root.get_by_text("已证明最优")).to_be_visible()
    await expect(root.get_by_role("button", name="运行排程")).to_be_enabled()
    # Another organiser's page, in English, opened afterwards shows the same latest run.
    other, panel = await console_tab(pages, server, "en-US", phone=True)
    await expect(panel.locator(".sched-summary")).to_contain_text(
        "scheduled 4 of at most 4 possible"
    )
    await expect(panel.get_by_text("Proven optimal")).to_be_visible()
    await expect(other.get_by_role("heading", name="Optimal scheduler")).to_have_count(1)
    # The tab re-renders on the organisers' events and on a language switch: still one panel.
    await other.evaluate("async () => (await import('/js/i18n.js')).setLang('zh')")
    await expect(other.get_by_role("heading", name="最优排程")).to_have_count(1)
    await expect(other.locator(".match-scheduler")).to_have_count(1)


async def box_of(locator: Locator) -> dict[str, float]:
    """Where a shown element is. The panel is redrawn when the run's last events arrive (a
    dashboard refresh), and an element measured just then is detached: measure it again."""
    for _ in range(50):
        await expect(locator).to_be_visible()
        box = await locator.bounding_box()
        if box is not None:
            return dict(box)
        await asyncio.sleep(0.1)
    raise AssertionError(f"{locator} never stayed on the page long enough to be measured")


async def compact(panel: Locator) -> None:
    """The time limit is a short box with its unit beside it; the result's figures sit in a grid
    (two or more to a row, each label over its number), not one bare line each."""
    box = await box_of(panel.locator("input.sched-limit"))
    assert box["width"] <= 140, box
    unit = await box_of(panel.locator(".sched-unit"))
    assert abs(unit["y"] - box["y"]) < box["height"], (unit, box)
    figures = panel.locator(".sched-figure")
    assert await figures.count() >= 4
    first, second = await box_of(figures.nth(0)), await box_of(figures.nth(1))
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"], (first, second)
    label = await box_of(figures.nth(0).locator("dt"))
    number = await box_of(figures.nth(0).locator("dd"))
    assert number["y"] > label["y"]
    assert number["x"] - label["x"] < 2  # the number under its label, inside one box


async def test_the_time_limit_is_narrow_and_the_result_a_grid_on_a_desktop_and_a_phone(
    pages: Pages, server: LiveServer
):
    await expo_with_waiting_requests(server)
    page, panel = await console_tab(pages, server, "en-GB")
    await panel.get_by_label("Time limit (seconds)").fill("5")
    await panel.get_by_role("button", name="Run the scheduler").click()
    await expect(panel.locator(".sched-summary")).to_contain_text("scheduled", timeout=30_000)
    await compact(panel)
    phone, on_phone = await console_tab(pages, server, "zh-CN", phone=True)
    await expect(on_phone.locator(".sched-summary")).to_be_visible()
    await compact(on_phone)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
