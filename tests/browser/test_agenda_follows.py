"""Issue 9, item 3: "My agenda" (#/agenda) follows the programme while it is open, on every
process: an edited starred session's time and title change in place, a deleted one leaves
with a word. The page talks to process A; the organiser edits through process B."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from tests.browser.web import ATTENDEE, Pages
from tests.cluster import Process, shared_env, sign_in, two_processes  # noqa: F401 (fixtures)
from tests.live import Peer

ORGANIZER = "organizer@demo.shubo.live"


async def test_my_agenda_follows_edits_and_deletions_made_on_another_process(
    browser: Browser,
    two_processes: tuple[Process, Process],  # noqa: F811 (the fixture)
):
    a, b = two_processes
    attendee = await sign_in(a, ATTENDEE)
    async with httpx.AsyncClient(base_url=b.base) as http:
        sessions = (await http.get("/api/forums/4")).json()["sessions"]
    edited, deleted = sessions[1], sessions[3]
    async with b.connect(attendee) as ws:
        me = Peer(ws)
        for session in (edited, deleted):
            reply = await me.command("agenda.star", {"session": session["id"]})
            assert reply["type"] == "ok", reply
    on_a = Pages(browser, a)  # type: ignore[arg-type]
    try:
        page = await on_a.open("/#/agenda", locale="en-GB", cookie=attendee)
        items = page.locator(".agenda-item")
        await expect(items).to_have_count(2)
        await expect(items.nth(0)).to_contain_text(edited["title"]["en"])

        organiser = {"Cookie": await sign_in(b, ORGANIZER)}
        async with httpx.AsyncClient(base_url=b.base, headers=organiser) as http:
            # Beijing time in the browser: 09:15-10:00 on 3 June 2031.
            changes = {
                "title": {"zh": "改期的主旨演讲", "en": "The keynote, moved"},
                "starts_at": "2031-06-03T09:15:00+08:00",
                "ends_at": "2031-06-03T10:00:00+08:00",
            }
            response = await http.patch(f"/api/sessions/{edited['id']}", json=changes)
            assert response.status_code == 200, response.text
            moved = page.locator(".agenda-item", has_text="The keynote, moved")
            await expect(moved.locator(".agenda-when")).to_have_text("09:15–10:00")
            await expect(page.locator(".agenda-date").last).to_contain_text("3 June 2031")
            await expect(
                page.locator(".agenda-item", has_text=edited["title"]["en"])
            ).to_have_count(0)

            response = await http.delete(f"/api/sessions/{deleted['id']}")
            assert response.status_code == 200, response.text
        await expect(items).to_have_count(1)
        notice = page.locator(".agenda-gone")
        await expect(notice).to_contain_text(
            f"“{deleted['title']['en']}” was taken off the programme."
        )
        await page.get_by_role("button", name="中文").click()
        await expect(notice).to_contain_text(f"“{deleted['title']['zh']}”已从议程中取消。")
        await expect(page.locator(".agenda-item")).to_contain_text(["改期的主旨演讲"])
    finally:
        await on_a.close()
    assert on_a.errors == [], "uncaught errors in the pages"
