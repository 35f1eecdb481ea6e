"""A recommendation whose person already has an open request with the reader shows "Request
sent" (or "Meeting arranged") instead of the "Request a meeting" button (the server's
`open_request` on each card); a card without one keeps the button."""

from __future__ import annotations

from playwright.async_api import Page, expect
from sqlalchemy import delete
from sqlmodel import col

from matchmaking.models import MeetingRequest
from tests.browser.web import Pages, page_true
from tests.live import LiveServer

ATTENDEE = "attendee@demo.shubo.live"


async def mounted(page: Page) -> None:
    await page_true(page, "() => document.querySelector('#header') !== null")
    await page.evaluate(
        """async () => {
            const { mountRecommendations } = await import('/js/match_recommendations.js');
            const root = document.createElement('div');
            root.id = 'recs';
            document.querySelector('main')?.prepend(root) ?? document.body.prepend(root);
            mountRecommendations(root);
        }"""
    )


async def test_a_card_with_a_request_already_sent_says_so_instead_of_the_button(
    pages: Pages, server: LiveServer
):
    cookie = await server.sign_in(ATTENDEE)
    async with server.http(headers={"Cookie": cookie}) as client:
        cards = (await client.get("/api/match/recommendations")).json()["recommendations"]
        me = (await client.get("/api/match/profile")).json()
    free = [c for c in cards if c["open_request"] is None]
    assert len(free) >= 2, "the demo recommends people the attendee has not asked yet"
    asked, other = free[0]["account"], free[1]["account"]
    attendee = me["profile"]["account"]
    async with server.services.db() as db:
        request = MeetingRequest(requester_id=attendee, recipient_id=asked)
        db.add(request)
        await db.commit()
        request_id = request.id
    try:
        page = await pages.open("/#/", locale="en-GB", cookie=cookie)
        await mounted(page)
        card = page.locator(f'#recs [data-account="{asked}"]')
        await expect(card.locator(".matchrec-open")).to_have_text("Request sent")
        await expect(card.locator(".matchrec-request")).to_have_count(0)
        untouched = page.locator(f'#recs [data-account="{other}"]')
        await expect(untouched.locator(".matchrec-request")).to_have_text("Request a meeting")
        await expect(untouched.locator(".matchrec-open")).to_have_count(0)
        await page.get_by_role("button", name="中文").click()
        await expect(card.locator(".matchrec-open")).to_have_text("已发送约见")
    finally:
        async with server.services.db() as db:
            await db.execute(delete(MeetingRequest).where(col(MeetingRequest.id) == request_id))
            await db.commit()
