"""The expo hall in the browser with two server processes on Redis and PostgreSQL: an attendee
whose pages talk to process A (in Chinese) visits a booth, talks privately to its staff, leaves
a card and withdraws it, while a staff member whose pages talk to process B (in English) watches
the booth's dashboard, inbox and leads; the hall on A shows the staff on B online; a release an
organiser approves on B appears on A's lobby without a reload."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser.web import NEW_PASSWORD, Pages, screenshot, unique_email
from tests.cluster import Process, shared_env, sign_in, two_processes  # noqa: F401 (fixtures)

STAFF = "exhibitor@demo.shubo.live"  # staff of exhibitor 1 (黔算云 Qiansuan Cloud)
ORGANIZER = "organizer@demo.shubo.live"
BOOTH = 1
PENDING = "工业互联网标识解析二级节点接入企业超五千家"  # the demo's release awaiting approval


async def register(process: Process, display_name: str, **fields: str) -> tuple[str, str]:
    """A fresh attendee registered on `process`: (its email, its Cookie header value)."""
    email = unique_email("hall2p")
    body = {"email": email, "password": NEW_PASSWORD, "display_name": display_name, **fields}
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return email, f"expo_session={response.cookies['expo_session']}"


def value(page: Page, key: str):
    return page.locator(f'[data-figure="{key}"] .boothdash-value')


async def figure(page: Page, key: str) -> int:
    return int(await value(page, key).inner_text())


async def test_an_attendee_on_one_process_and_booth_staff_on_another(
    browser: Browser,
    two_processes: tuple[Process, Process],  # noqa: F811 (the fixture)
):
    a, b = two_processes
    on_a, on_b = Pages(browser, a), Pages(browser, b)  # type: ignore[arg-type]
    try:
        # The hall on A before any staff member is about: nobody online at 黔算云.
        hall = await on_a.open("/#/hall", locale="zh-CN")
        qiansuan = hall.locator(".exhibitor-card", has_text="黔算云")
        await expect(qiansuan.locator(".exhibitor-staff")).to_have_text("工作人员暂不在线")

        # The staff member on B: the dashboard and the inbox open, in English.
        staff_cookie = await sign_in(b, STAFF)
        dashboard = await on_b.open(
            f"/#/booth/{BOOTH}/dashboard", locale="en-GB", cookie=staff_cookie
        )
        await expect(dashboard.get_by_role("heading", level=1)).to_contain_text("Booth dashboard")
        await expect(dashboard.locator(".boothdash-name")).to_have_text("Qiansuan Cloud")
        await expect(value(dashboard, "leads")).to_be_visible()
        inbox = await on_b.tab(dashboard, f"/#/booth/{BOOTH}/inbox")
        await expect(inbox.get_by_role("heading", level=1)).to_have_text("Private chats")
        await expect(inbox.locator(".inbox-count")).to_have_text("0 waiting")
        await expect(value(dashboard, "now")).to_have_text("0")
        visits_before = await figure(dashboard, "visits_today")
        leads_before = await figure(dashboard, "leads")
        chat_before = await figure(dashboard, "chat_today")

        # The hall on A counts the staff member following the booth's staff topic on B.
        await expect(qiansuan.locator(".exhibitor-staff")).to_have_text("1 位工作人员在线")

        # The attendee on A opens the booth: B's dashboard counts the visitor and the visit.
        email, cookie = await register(
            a, "陈思远 Chen Siyuan", organisation="毕节数谷 Bijie Data Valley", title="技术经理"
        )
        visitor = await on_a.open(f"/#/booth/{BOOTH}", locale="zh-CN", cookie=cookie)
        await expect(visitor.get_by_role("heading", level=1)).to_have_text("黔算云")
        await expect(visitor.locator(".booth-staff")).to_have_text("1 位工作人员在线")
        await expect(value(dashboard, "now")).to_have_text("1")
        await expect(qiansuan.locator(".exhibitor-visitors")).to_have_text("1 人正在参观")
        await expect(value(dashboard, "visits_today")).to_have_text(str(visits_before + 1))

        # A private chat from A: waiting on B's inbox with its unread count.
        await visitor.get_by_role("button", name="私下咨询工作人员").click()
        await expect(visitor.locator(".private-state")).to_have_text("已通知工作人员，请稍候…")
        box = visitor.locator(".private-input")
        await box.fill("贵安的机房能提供多少 GPU 算力？")
        await box.press("Enter")
        await expect(visitor.locator(".private-msg")).to_have_count(1)
        await box.fill("<i>想预约</i> 现场交流")
        await box.press("Enter")
        await expect(visitor.locator(".private-msg")).to_have_count(2)

        item = inbox.locator(".inbox-item", has_text="陈思远 Chen Siyuan")
        await expect(item.locator(".inbox-unread")).to_have_text("2")
        await expect(inbox.locator(".inbox-count")).to_have_text("1 waiting")
        await expect(item.locator(".inbox-last")).to_have_text("<i>想预约</i> 现场交流")
        await expect(item.locator(".inbox-status")).to_contain_text("Waiting since")
        await expect(value(dashboard, "waiting")).to_have_text("1")

        # B claims and answers; A sees the answer.
        await item.get_by_role("button", name="Claim").click()
        await expect(item.locator(".inbox-status")).to_have_text("Yours to answer")
        await expect(item.locator(".inbox-unread")).to_have_count(0)
        answer = inbox.locator(".inbox-detail .private-input")
        await answer.fill("We have 2,000 GPUs in Gui'an; come to booth A12 at 3 pm.")
        await answer.press("Enter")
        await expect(visitor.locator(".private-msg.is-staff")).to_have_text(
            re.compile("2,000 GPUs in Gui'an")
        )
        await expect(visitor.locator(".private-state")).to_contain_text("正在为你解答")
        await expect(value(dashboard, "waiting")).to_have_text("0")

        # A card left on A (consent dialog): B's leads figure rises and its open leads page
        # lists it without a reload.
        leads = await on_b.tab(dashboard, f"/#/booth/{BOOTH}/leads")
        await expect(leads.locator("tbody tr").first).to_be_visible()  # the demo's leads
        await expect(leads.locator("tr", has_text=email)).to_have_count(0)
        await visitor.get_by_role("button", name="留下名片").click()
        dialog = visitor.get_by_role("dialog")
        await expect(dialog.get_by_role("heading")).to_have_text("把名片分享给 黔算云？")
        await expect(dialog.locator("dd")).to_have_text(
            ["陈思远 Chen Siyuan", "毕节数谷 Bijie Data Valley", "技术经理", email]
        )
        share = dialog.get_by_role("button", name="同意并分享")
        await expect(share).to_be_disabled()
        await dialog.get_by_label("我同意把以上信息分享给「黔算云」").check()
        await share.click()
        await expect(visitor.get_by_role("dialog")).to_have_count(0)
        await expect(visitor.locator(".boothcard-shared")).to_contain_text("把名片分享给「黔算云」")
        await expect(value(dashboard, "leads")).to_have_text(str(leads_before + 1))
        await visitor.evaluate(  # the card and the private chat in view, below the header
            "scrollBy(0, document.querySelector('.boothcard').getBoundingClientRect().top - 84)"
        )
        await screenshot(visitor, "hall-two-processes-booth-zh")
        await screenshot(dashboard, "hall-two-processes-dashboard-en")

        row = leads.locator("tr", has_text=email)  # the page was open already: pushed
        await expect(row).to_have_count(1)
        await expect(row.locator(".col-organisation")).to_contain_text("毕节数谷 Bijie Data Valley")

        # Withdrawn on A: gone from B's leads page and dashboard, without a reload.
        visitor.once("dialog", lambda d: d.accept())
        await visitor.get_by_role("button", name="撤回名片").click()
        await expect(visitor.get_by_role("button", name="留下名片")).to_be_visible()
        await expect(leads.locator("tr", has_text=email)).to_have_count(0)
        await expect(value(dashboard, "leads")).to_have_text(str(leads_before))

        # The booth's public chat across the processes: the staff's line from B reaches A with
        # the booth's badge, the attendee's from A reaches B.
        staff_booth = await on_b.tab(dashboard, f"/#/booth/{BOOTH}")
        for page, empty in ((visitor, "还没有消息"), (staff_booth, "No messages yet")):
            await expect(page.locator(".booth-chat .chat-status")).to_contain_text(empty)
        await staff_booth.locator(".booth-chat .chat-input").fill("Welcome to Qiansuan Cloud")
        await staff_booth.locator(".booth-chat .chat-input").press("Enter")
        said = visitor.locator(".booth-chat .chat-msg", has_text="Welcome to Qiansuan Cloud")
        await expect(said.locator(".chat-badge")).to_have_count(1)
        await visitor.locator(".booth-chat .chat-input").fill("谢谢，下午见")
        await visitor.locator(".booth-chat .chat-input").press("Enter")
        heard = staff_booth.locator(".booth-chat .chat-msg", has_text="谢谢，下午见")
        await expect(heard).to_have_count(1)
        await expect(heard.locator(".chat-badge")).to_have_count(0)
        await expect(value(dashboard, "chat_today")).to_have_text(str(chat_before + 2))
        await staff_booth.close()

        # The attendee leaves the booth: "visitors now" on B drops.
        await visitor.goto("/#/")
        await expect(value(dashboard, "now")).to_have_text("0")

        # A release an organiser approves on B appears on A's lobby, pushed.
        strip = visitor.locator(".release-strip")
        await expect(strip.get_by_role("heading", name="最新发布")).to_be_visible()
        await expect(strip.locator(".release-card").first).to_be_visible()
        await expect(strip.locator(".release-title", has_text=PENDING)).to_have_count(0)
        console = await on_b.open(
            "/#/console/releases", locale="en-GB", cookie=await sign_in(b, ORGANIZER)
        )
        pending = console.locator(".rel-pending")
        await expect(pending).to_have_count(1)
        await pending.get_by_role("button", name="Approve and publish").click()
        await expect(console.locator(".rel-pending")).to_have_count(0)
        await expect(strip.locator(".release-card").first.locator(".release-title")).to_have_text(
            PENDING
        )

        # The staff member leaves B: the hall on A shows nobody online again.
        await dashboard.context.close()
        on_b.contexts.remove(dashboard.context)
        await expect(qiansuan.locator(".exhibitor-staff")).to_have_text("工作人员暂不在线")
    finally:
        await on_a.close()
        await on_b.close()
    assert on_a.errors == on_b.errors == [], "uncaught errors in the pages"
