"""My meetings (#/meetings) in Chromium: an exhibitor's staff member on a phone (Chinese)
accepts a buyer's request; the buyer's page on a desktop (English) shows the meeting at once
(live, through the account topic), and the buyer's agenda lists it beside the starred sessions.
A reminder shows as a toast; then the buyer cancels and the staff member's page drops it."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from matchmaking.meeting_reminders import remind_due
from matchmaking.models import MatchSlot
from tests.browser.web import Pages, screenshot
from tests.live import LiveServer
from tests.meetings_setup import new_exhibitor, new_people, new_slots


async def test_a_request_accepted_on_a_phone_shows_on_the_buyers_pages_at_once(
    server: LiveServer, pages: Pages
):
    db = server.services.db
    exhibitor = await new_exhibitor(db, seats=2)
    slots = await new_slots(db, [24, 25])
    ((buyer, buyer_email),) = await new_people(db, 1, slots=slots, name="Buyer <b>Wang</b>")
    ((staff, staff_email),) = await new_people(db, 1, slots=slots, exhibitor_id=exhibitor)
    buyer_cookie = await server.sign_in(buyer_email)
    async with server.http(headers={"Cookie": buyer_cookie}) as http:
        sent = await http.post(
            "/api/match/requests", json={"recipient": staff, "note": "想了解数据交易平台 <script>"}
        )
    assert sent.status_code == 201, sent.text

    buyer_page = await pages.open("/#/meetings", locale="en-GB", cookie=buyer_cookie)
    await expect(buyer_page.locator(".request-item")).to_have_count(1)
    await expect(buyer_page.locator(".request-item")).to_contain_text("Waiting for an answer")

    staff_page = await pages.open(
        "/#/meetings", phone=True, cookie=await server.sign_in(staff_email)
    )
    received = staff_page.locator(".request-item")
    await expect(received).to_contain_text("Buyer <b>Wang</b>")  # shown as text, never markup
    await expect(received).to_contain_text("想了解数据交易平台 <script>")
    await screenshot(staff_page, "meetings-phone-zh")
    await received.get_by_role("button", name="接受").click()
    await expect(staff_page.locator(".meeting-item")).to_have_count(1)
    await expect(staff_page.locator(".meeting-item")).to_contain_text("进入洽谈室")
    width = await staff_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing wider than the phone"

    # The reschedule picker is dressed like the app's inputs (dark), not a native white select.
    await staff_page.locator(".meeting-item").get_by_role("button", name="改期").click()
    picker = staff_page.locator(".meeting-panel select")
    await expect(picker).to_be_visible()
    looks = await picker.evaluate(
        "s => { const c = getComputedStyle(s); return [c.appearance, c.backgroundColor]; }"
    )
    assert looks[0] == "none" and looks[1] != "rgb(255, 255, 255)", looks
    # Measured in the page, on the picker there now: a live event may redraw the panel, and a
    # box measured on the element it replaced was None (CI, once).
    right = await picker.evaluate("s => s.getBoundingClientRect().right")
    assert right <= 390
    await screenshot(staff_page, "meetings-reschedule-phone-zh")
    await staff_page.locator(".meeting-item").get_by_role("button", name="改期").click()

    # The buyer's page heard it: no reload.
    meeting = buyer_page.locator(".meeting-item")
    await expect(meeting).to_have_count(1)
    await expect(meeting.get_by_role("link", name="Join the room")).to_have_attribute(
        "href", "#/meeting/" + (await meeting.get_attribute("data-meeting") or "")
    )
    await screenshot(buyer_page, "meetings-desktop-en")

    agenda = await pages.tab(buyer_page, "/#/agenda")
    await expect(agenda.locator(".agenda-meeting")).to_have_count(1)
    await expect(agenda.locator(".agenda-meetings")).to_contain_text("My meetings")

    # Ten minutes before: a toast on whatever page the buyer is on, linking to the room.
    async with server.services.read() as session:
        starts = (await session.get(MatchSlot, slots[0])).starts_at  # type: ignore[union-attr]
    assert await remind_due(server.services, starts - timedelta(minutes=5))
    toast = buyer_page.locator(".meeting-toast")
    await expect(toast).to_contain_text("Your meeting starts soon")
    await expect(toast.get_by_role("link", name="Join the room")).to_be_visible()
    await toast.get_by_role("button", name="Dismiss").click()

    await meeting.get_by_role("button", name="Cancel meeting").click()
    await meeting.get_by_role("textbox").fill("Plans changed")
    await meeting.get_by_role("button", name="Cancel it").click()
    await expect(buyer_page.locator(".meeting-item")).to_have_count(0)
    await expect(staff_page.locator(".meeting-item")).to_have_count(0)
    await expect(agenda.locator(".agenda-meeting")).to_have_count(0)
