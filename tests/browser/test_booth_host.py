"""The booth's AI host in Chromium: a visitor asks in Chinese and reads the answer quoted from
the booth's material with its source; a question the material does not answer is declined with
the queue offered; another visitor's page (English, signed out) shows the answer live; the
booth's staff see the log, correct the declined answer, and the next visitor asking it gets the
correction, cited as the FAQ. A booth without a host shows visitors nothing of it."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import expect

from tests.browser.web import NEW_PASSWORD, Pages, register, screenshot
from tests.live import LiveServer

STAFF = "exhibitor@demo.shubo.live"  # staff of exhibitor 1, 黔算云 Qiansuan Cloud
BOOTH = 1
WITHOUT_HOST = 3  # the demo switches every booth's host on but this one's (host/seed.py)
QUESTIONS = json.loads(
    (Path(__file__).parents[1] / "host_questions" / "qiansuancloud.json").read_text("utf-8")
)
ANSWERABLE = QUESTIONS[0]  # 你们的算力调度平台能做什么？
UNANSWERABLE = next(q for q in QUESTIONS if q.get("unanswerable"))


async def test_a_visitor_asks_the_host_and_the_staff_correct_what_it_could_not_answer(
    pages: Pages, server: LiveServer
):
    email, _ = await register(server, "李访客 Li")
    visitor = await pages.open(
        f"/#/booth/{BOOTH}", locale="zh-CN", cookie=await server.sign_in(email, NEW_PASSWORD)
    )
    onlooker = await pages.open(f"/#/booth/{BOOTH}", locale="en-GB")
    panel = visitor.locator(".host-panel")
    await expect(panel.get_by_role("heading", name="AI 展位助手")).to_be_visible()
    await expect(onlooker.locator(".host-sign-in")).to_have_text("Sign in to ask")

    box = panel.get_by_role("textbox", name="向展位助手提问，例如：你们的产品能做什么？")
    await box.fill(ANSWERABLE["q"])
    await panel.get_by_role("button", name="提问").click()
    answered = panel.locator(".host-exchange").first
    await expect(answered.locator(".host-sentence").first).to_contain_text(
        ANSWERABLE["expect"]["contains"]
    )
    await expect(answered.locator(".host-source").first).to_contain_text("出处：")
    await expect(answered.locator(".host-question strong")).to_have_text("你")  # mine
    # Everyone on the booth's page sees what the host said, labelled as the host.
    live = onlooker.locator(".host-exchange").first
    await expect(live.locator(".host-badge")).to_have_text("AI booth host")
    await expect(live.locator(".host-sentence").first).to_contain_text(
        ANSWERABLE["expect"]["contains"]
    )

    await box.fill(UNANSWERABLE["q"])
    await panel.get_by_role("button", name="提问").click()
    declined = panel.locator(".host-exchange.is-declined")
    await expect(declined).to_have_count(1)
    await expect(declined.get_by_role("button", name="排队咨询工作人员")).to_be_visible()
    await panel.evaluate("e => e.scrollIntoView({block: 'center'})")
    await screenshot(visitor, "booth-host-zh")
    await expect(onlooker.locator(".host-exchange")).to_have_count(1)  # a decline is the asker's
    await expect(live.locator(".host-question strong")).to_have_text("A visitor")

    # The booth's staff: the log, newest first, and a correction of the declined answer.
    staff_cookie = await server.sign_in(STAFF)
    staff = await pages.open(f"/#/booth/{BOOTH}", locale="en-GB", cookie=staff_cookie)
    staff_box = staff.locator(".host-staff")
    await expect(staff_box.locator(".host-state")).to_have_text("The host is on: visitors can ask.")
    row = staff_box.locator(".host-log-row", has_text=UNANSWERABLE["q"])
    await expect(row.locator(".chip")).to_have_text("Not answered")
    await row.get_by_text("Correct", exact=True).click()
    await row.get_by_role("textbox").fill("黔算云总部位于贵阳市贵安新区。")
    await row.get_by_role("button", name="Save the correction").click()
    await expect(staff_box.locator(".host-note")).to_have_text("Saved as an FAQ entry.")
    await expect(
        staff_box.locator(".host-log-row", has_text=UNANSWERABLE["q"]).locator(".chip")
    ).to_have_text("Corrected")
    await staff_box.evaluate("e => e.scrollIntoView({block: 'center'})")
    await screenshot(staff, "booth-host-staff-en")

    # The next visitor asking it gets the correction, cited as the FAQ.
    await box.fill(UNANSWERABLE["q"])
    await panel.get_by_role("button", name="提问").click()
    corrected = panel.locator(".host-exchange").last
    await expect(corrected.locator(".host-sentence")).to_contain_text("贵安新区")
    await expect(corrected.locator(".host-source")).to_have_text("出处：FAQ")


async def test_a_booth_without_a_host_shows_visitors_nothing_of_it(
    pages: Pages, server: LiveServer
):
    page = await pages.open(f"/#/booth/{WITHOUT_HOST}", locale="en-GB")
    await expect(page.locator(".booth-about")).to_be_visible()
    await expect(page.locator("#booth-host")).to_be_hidden()
