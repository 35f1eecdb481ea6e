"""数博发布 in the browser: an organiser approves a release in the console and it appears at once
on a lobby page in another browser context (and in the feed); a release's page in both languages,
desktop and phone; the console's exhibitors (with a CSV preview) and releases tabs; the staff's
own editor."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.web import Pages, screenshot
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"
STAFF = "staff1.1@demo.shubo.live"  # 黔算云


async def test_an_approved_release_appears_live_on_a_lobby_elsewhere(
    pages: Pages, server: LiveServer
):
    lobby = await pages.open("/#/", locale="zh-CN")
    strip = lobby.locator(".release-strip")
    await expect(strip.get_by_role("heading", name="最新发布")).to_be_visible()
    await expect(strip.locator(".release-card")).to_have_count(3)
    feed = await pages.open("/#/releases", locale="en-US")
    await expect(feed.locator(".release-card").first).to_be_visible()
    await expect(feed.locator(".release-card")).to_have_count(5)

    console = await pages.open(
        "/#/console/releases", cookie=await server.sign_in(ORGANIZER), locale="zh-CN"
    )
    await expect(console.locator("#rel-require")).to_be_checked()  # the demo requires approval
    pending = console.locator(".rel-pending")
    await expect(pending).to_have_count(1)
    await expect(pending.get_by_role("heading")).to_have_text(
        "工业互联网标识解析二级节点接入企业超五千家"
    )
    await screenshot(console, "hall-console-releases-zh")
    await pending.get_by_role("button", name="通过并发布").click()
    await expect(console.locator(".rel-pending")).to_have_count(0)

    # Pushed, not polled: the lobby in another context shows it first, the feed too.
    first = strip.locator(".release-card").first
    await expect(first.locator(".release-title")).to_have_text(
        "工业互联网标识解析二级节点接入企业超五千家"
    )
    await expect(strip.locator(".release-card")).to_have_count(3)
    top = feed.locator(".release-card").first
    await expect(top.locator(".release-title")).to_have_text(
        "Over 5,000 companies join the industrial-internet identifier node"
    )
    await expect(top).to_have_class(re.compile("is-fresh"))
    await expect(feed.locator(".release-card")).to_have_count(6)
    await screenshot(feed, "hall-releases-feed-en")

    # Filtered by industry, the feed shows only that industry's.
    await feed.locator("#releases-industry").select_option("data-security")
    await expect(feed.locator(".release-card")).to_have_count(1)
    await expect(feed.locator(".release-title")).to_have_text(
        "2026 Data-Security Range Exercise Report"
    )


async def test_a_release_submitted_elsewhere_appears_in_the_console_queue_live(
    pages: Pages, server: LiveServer
):
    """The console's releases tab follows `hall-organisers:all`: a release its staff submit
    (over HTTP, elsewhere) shows in the approval queue without a reload, while the public feed
    hears nothing of it."""
    console = await pages.open(
        "/#/console/releases", cookie=await server.sign_in(ORGANIZER), locale="en-US"
    )
    await expect(console.locator("#rel-require")).to_be_checked()
    await expect(console.locator(".rel-table tbody tr").first).to_be_visible()
    pending = console.locator(".rel-pending")
    before = await pending.count()
    feed = await pages.open("/#/releases", locale="en-US")
    await expect(feed.locator(".release-card").first).to_be_visible()
    cards = await feed.locator(".release-card").count()
    staff = {"Cookie": await server.sign_in(STAFF)}
    async with server.http() as http:
        made = await http.post(
            "/api/exhibitors/1/releases",
            json={"title_zh": "实时队列", "title_en": "Live queue check"},
            headers=staff,
        )
        assert made.status_code == 201, made.text
        rid = made.json()["release"]["id"]
        submitted = await http.post(f"/api/releases/{rid}/submit", json={}, headers=staff)
        assert submitted.json()["release"]["state"] == "pending", submitted.text
    await expect(pending).to_have_count(before + 1)
    card = console.locator(f".rel-pending[data-release='{rid}']")
    await expect(card.get_by_role("heading")).to_have_text("Live queue check")
    await expect(console.locator(f".rel-table tr[data-release='{rid}']")).to_contain_text(
        "Live queue check"
    )
    await expect(feed.locator(".release-card")).to_have_count(cards)  # not public
    # Approved in another tab: this queue empties of it live too.
    other = await pages.tab(console, "/#/console/releases")
    await (
        other.locator(f".rel-pending[data-release='{rid}']")
        .get_by_role("button", name="Approve and publish")
        .click()
    )
    await expect(card).to_have_count(0)
    await expect(feed.locator(".release-card")).to_have_count(cards + 1)


async def test_a_release_page_in_both_languages_and_on_a_phone(pages: Pages):
    page = await pages.open("/#/releases", locale="zh-CN")
    card = page.locator(".release-card", has_text="东数西算算力调度平台 3.0 正式发布")
    await card.click()
    await expect(page).to_have_url(re.compile(r"#/release/\d+$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "东数西算算力调度平台 3.0 正式发布"
    )
    await expect(page.locator(".release-body p")).to_have_count(3)
    booth = page.locator(".release-booth")
    await expect(booth).to_have_text(re.compile("进入 黔算云 的展位"))
    await expect(booth).to_have_attribute("href", "#/booth/1")
    await screenshot(page, "hall-release-zh")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Compute Scheduling Platform 3.0 for East Data, West Computing"
    )
    await expect(booth).to_have_text(re.compile("Visit Qiansuan Cloud's booth"))
    await screenshot(page, "hall-release-en")

    phone = await pages.open(page.url.split("#")[0] + "#" + page.url.split("#")[1], phone=True)
    await expect(phone.get_by_role("heading", level=1)).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the phone
    await screenshot(phone, "hall-release-phone-zh")

    missing = await pages.open("/#/release/999999", locale="en-US")
    await expect(
        missing.get_by_text("There is no such release, or it is not published.")
    ).to_be_visible()


async def test_staff_write_and_submit_their_own_release_and_markup_stays_text(
    pages: Pages, server: LiveServer
):
    page = await pages.open(
        "/#/booth/1/releases", cookie=await server.sign_in(STAFF), locale="zh-CN"
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("我们的发布")
    await page.get_by_role("button", name="写一条新发布").click()
    await page.locator("#release-title_zh").fill("<img src=x onerror=alert(1)> 新品")
    await page.locator("#release-title_en").fill("A new product")
    await page.locator("#release-body_zh").fill("第一段\n\n第二段")
    await page.get_by_role("button", name="提交审核").click()
    row = page.locator(".release-row").first
    await expect(row.locator(".chip")).to_have_text("待审核")
    await expect(row.locator("strong")).to_have_text("<img src=x onerror=alert(1)> 新品")
    # Someone else's editor: refused (the API says so too).
    other = await pages.open(
        "/#/booth/2/releases", cookie=await server.sign_in(STAFF), locale="en-US"
    )
    await expect(other.get_by_text("Only this exhibitor's staff")).to_be_visible()


async def test_the_console_creates_exhibitors_and_previews_a_csv(pages: Pages, server: LiveServer):
    page = await pages.open(
        "/#/console/exhibitors", cookie=await server.sign_in(ORGANIZER), locale="en-US"
    )
    await expect(page.locator(".exh-list tbody tr")).to_have_count(12)
    await page.locator("#exh-name-zh").fill("浏览器展商")
    await page.locator("#exh-name-en").fill("Browser Exhibitor")
    await page.locator("#exh-industry").select_option("ai")
    await page.locator("#exh-tier").select_option("gold")
    await page.get_by_role("button", name="Create exhibitor").click()
    await expect(page.get_by_text("Exhibitor “Browser Exhibitor” created.")).to_be_visible()
    await expect(page.locator(".exh-list tbody tr")).to_have_count(13)
    await page.locator("#exh-csv").fill(
        "导入甲,Import A,ai,silver\n,No Chinese,ai\n黔算云,Again,ai"
    )
    await page.get_by_role("button", name="Preview").click()
    await expect(page.get_by_text("1 rows valid, 2 with problems.")).to_be_visible()
    await expect(page.locator(".exh-preview .row-bad")).to_have_count(2)
    await screenshot(page, "hall-console-exhibitors-en")
    # The file changed after its preview: the confirm is refused and the new preview shown;
    # confirmed then, exactly its rows are made.
    await page.locator("#exh-csv").fill(
        "导入甲,Import A,ai,silver\n,No Chinese,ai\n黔算云,Again,ai\n导入乙,Import B,ai"
    )
    await page.get_by_role("button", name="Import 1 valid exhibitors").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "The file or the hall changed since the preview"
    )
    await expect(page.get_by_text("2 rows valid, 2 with problems.")).to_be_visible()
    await expect(page.locator(".exh-list tbody tr")).to_have_count(13)
    await page.get_by_role("button", name="Import 2 valid exhibitors").click()
    await expect(page.get_by_text("2 exhibitors imported.")).to_be_visible()
    await expect(page.locator(".exh-list tbody tr")).to_have_count(15)
