"""Leave my card in Chromium: an attendee on a booth sees exactly what goes to which exhibitor,
consents and shares it while the booth staff's live dashboard counts the visit and the lead
(no reload, no polling); the staff see the lead in their table, tag it, and see it vanish the
moment the attendee withdraws. Screenshots of the dashboard (zh, en, phone), the consent
dialog and the leads table."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.web import Pages, register, screenshot
from tests.live import LiveServer

EXHIBITOR = "exhibitor@demo.shubo.live"  # staff of exhibitor 1 (黔算云 Qiansuan Cloud)
BOOTH = 1


async def figure(page: Page, key: str) -> int:
    text = await page.locator(f'[data-figure="{key}"] .boothdash-value').inner_text()
    return int(text)


async def test_a_card_left_shows_on_the_staff_dashboard_live_and_is_withdrawn_at_once(
    pages: Pages, server: LiveServer
):
    staff_cookie = await server.sign_in(EXHIBITOR)
    dashboard = await pages.open(f"/#/booth/{BOOTH}/dashboard", locale="zh-CN", cookie=staff_cookie)
    await expect(dashboard.get_by_role("heading", level=1)).to_contain_text("展台数据看板")
    await expect(dashboard.locator(".boothdash-name")).to_have_text("黔算云")
    await expect(dashboard.locator('[data-figure="leads"]')).to_be_visible()
    leads_before = await figure(dashboard, "leads")
    visits_before = await figure(dashboard, "visits_today")

    email, cookie = await register(
        server, "周明 Zhou Ming", organisation="遵义智造 Zunyi Smart Mfg", title="采购总监"
    )
    visitor = await pages.open(f"/#/booth/{BOOTH}", locale="en-GB", cookie=cookie)
    await expect(visitor.get_by_role("heading", level=1)).to_have_text("Qiansuan Cloud")
    # The visit and the visitor on the booth reach the dashboard by themselves.
    await expect(dashboard.locator('[data-figure="visits_today"] .boothdash-value')).to_have_text(
        str(visits_before + 1)
    )
    await expect(dashboard.locator('[data-figure="now"] .boothdash-value')).not_to_have_text("0")

    await visitor.get_by_role("button", name="Leave my card").click()
    dialog = visitor.get_by_role("dialog")
    await expect(dialog.get_by_role("heading")).to_have_text("Share your card with Qiansuan Cloud?")
    # Exactly which details, with their values, to which exhibitor.
    await expect(dialog.locator("dt")).to_have_text(["Name", "Organisation", "Title", "Email"])
    await expect(dialog.locator("dd")).to_have_text(
        ["周明 Zhou Ming", "遵义智造 Zunyi Smart Mfg", "采购总监", email]
    )
    share = dialog.get_by_role("button", name="Agree and share")
    await expect(share).to_be_disabled()  # not before the box is ticked
    await dialog.get_by_label("I agree to share the details above with “Qiansuan Cloud”").check()
    await expect(share).to_be_enabled()
    await screenshot(visitor, "booth-card-consent-en")
    await share.click()
    await expect(visitor.get_by_role("dialog")).to_have_count(0)
    await expect(visitor.locator(".boothcard-shared")).to_contain_text(
        "You shared your card with “Qiansuan Cloud”"
    )
    await expect(visitor.locator('.boothcard dd[data-field="email"]')).to_have_text(email)

    # The staff's dashboard counts the lead, live.
    await expect(dashboard.locator('[data-figure="leads"] .boothdash-value')).to_have_text(
        str(leads_before + 1)
    )
    bars = dashboard.locator(".boothdash-chart rect.boothdash-bar:not(.boothdash-bar-empty)")
    await expect(bars).not_to_have_count(0)
    await screenshot(dashboard, "booth-dashboard-zh")
    await dashboard.get_by_role("button", name="English").click()
    await expect(dashboard.get_by_role("heading", level=1)).to_contain_text("Booth dashboard")
    await expect(dashboard.locator('[data-figure="leads"] .boothdash-label')).to_have_text("Leads")
    await screenshot(dashboard, "booth-dashboard-en")

    phone = await pages.open(
        f"/#/booth/{BOOTH}/dashboard", locale="zh-CN", phone=True, cookie=staff_cookie
    )
    await expect(phone.locator('[data-figure="leads"] .boothdash-value')).to_have_text(
        str(leads_before + 1)
    )
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone page scrolls sideways ({width} px)"
    await screenshot(phone, "booth-dashboard-phone-zh")

    # The leads table: the card, tagged and noted by the staff.
    leads = await pages.open(f"/#/booth/{BOOTH}/leads", locale="zh-CN", cookie=staff_cookie)
    row = leads.locator("tr", has_text=email)
    await expect(row).to_have_count(1)
    await expect(row.locator(".col-organisation")).to_contain_text("遵义智造 Zunyi Smart Mfg")
    await row.get_by_label("标签").fill("热门, 算力")
    await row.get_by_label("备注").fill("想了解算力报价")
    await row.get_by_role("button", name="保存").click()
    row = leads.locator("tr", has_text=email)
    await expect(row.locator(".boothleads-tags .chip")).to_have_text(["热门", "算力"])
    csv = leads.get_by_role("link", name="导出 CSV")
    await expect(csv).to_have_attribute("href", f"/api/exhibitors/{BOOTH}/leads.csv")
    await screenshot(leads, "booth-leads-zh")

    # A card left meanwhile appears by itself, and what the staff were typing survives it.
    demo_row = leads.locator("tr", has_text="王晓 Wang Xiao")
    await demo_row.get_by_label("备注").fill("草稿：下周回访")
    other_email, other_cookie = await register(server, "新访客 Newcomer")
    async with server.http() as http:
        response = await http.post(
            f"/api/exhibitors/{BOOTH}/card",
            json={"consent": True},
            headers={"Cookie": other_cookie},
        )
        assert response.status_code == 201, response.text
    await expect(leads.locator("tr", has_text=other_email)).to_have_count(1)
    await expect(demo_row.get_by_label("备注")).to_have_value("草稿：下周回访")
    await expect(demo_row.get_by_label("备注")).to_be_focused()

    # Withdrawn: gone from the staff's table and dashboard at once.
    visitor.once("dialog", lambda d: d.accept())
    await visitor.get_by_role("button", name="Withdraw my card").click()
    await expect(visitor.get_by_role("button", name="Leave my card")).to_be_visible()
    await expect(leads.locator("tr", has_text=email)).to_have_count(0)
    await expect(dashboard.locator('[data-figure="leads"] .boothdash-value')).to_have_text(
        str(leads_before + 1)  # the newcomer's card stays
    )
    await visitor.goto("/#/")  # the visitor leaves the booth: "visitors now" drops
    await expect(dashboard.locator('[data-figure="now"] .boothdash-value')).to_have_text("0")


async def test_another_exhibitors_staff_and_attendees_get_no_dashboard(
    pages: Pages, server: LiveServer
):
    page = await pages.open(
        f"/#/booth/{BOOTH}/dashboard",
        locale="en-GB",
        cookie=await server.sign_in("attendee@demo.shubo.live"),
    )
    await expect(page.locator(".notice-error")).to_be_visible()
    await expect(page.locator(".boothdash-tile")).to_have_count(0)
    leads = await pages.open(
        f"/#/booth/{BOOTH}/leads",
        locale="en-GB",
        cookie=await server.sign_in("attendee@demo.shubo.live"),
    )
    await expect(leads.locator(".notice-error")).to_be_visible()
    await expect(leads.locator("tbody tr")).to_have_count(0)
    assert re.search(r"#/booth/1/leads$", leads.url)
