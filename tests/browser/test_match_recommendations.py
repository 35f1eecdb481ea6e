"""The recommendations module (frontend/js/match_recommendations.js) in Chromium, mounted as
#/matchmaking will mount it: cards with the reason in the page's language, switching language,
the note box of a meeting request sent to the real POST /api/match/requests and the refusals
it shows, blocking only after confirming, the prompt for an empty profile, and a phone's width.

The demo seed gives the demo attendee a profile and adds ~200 synthetic participants: the
attendee's profile is rewritten here, and the cards rank among that whole population."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import update
from sqlmodel import col, select

from expo.models import Account, Role
from expo.security import hash_password
from matchmaking.models import MatchProfile, MeetingRequest, RequestStatus
from matchmaking.organiser_settings import match_settings
from matchmaking.recommend_routes import fresh_index
from tests.browser.web import Pages, page_true
from tests.live import LiveServer

ATTENDEE = "attendee@demo.shubo.live"
NEWCOMER = "newcomer@test.shubo.live"  # never fills a profile
COOLING = "冷板式液冷服务器整机柜交付"


@pytest.fixture(scope="module")
async def people(server: LiveServer) -> dict[str, int]:
    async with server.services.db() as db:
        password_hash = hash_password("shubo-demo-2026")
        cooler = Account(
            email="cooler@test.shubo.live",
            password_hash=password_hash,
            display_name="冷师傅 <b>Cool</b>",  # shown as text, never as markup
            title="销售总监",
            role=Role.EXHIBITOR,
            exhibitor_id=3,
        )
        newcomer = Account(email=NEWCOMER, password_hash=password_hash, display_name="新来的")
        db.add_all([cooler, newcomer])
        await db.flush()
        attendee = (
            (await db.execute(Account.__table__.select().where(Account.email == ATTENDEE))).one().id
        )
        assert cooler.id is not None
        seeded = await db.get(MatchProfile, attendee)
        assert seeded is not None  # the demo seed's; rewritten as a save would
        await db.merge(
            MatchProfile(
                account_id=attendee,
                intents=["buy"],
                industries=["servers-cooling"],
                need="Liquid cooling servers for our GPU racks",
                languages=["en", "zh"],
                version=seeded.version + 1,
            )
        )
        db.add(
            MatchProfile(
                account_id=cooler.id,
                exhibitor_id=3,
                intents=["sell"],
                industries=["servers-cooling"],
                offer=COOLING,
                languages=["zh", "en"],
            )
        )
        await db.commit()
    # What the background task does within seconds of a change (requests never rebuild).
    async with server.services.read() as db:
        await fresh_index(db, server.services.settings.database_url)
    return {"attendee": attendee, "cooler": cooler.id}


async def mounted(page: Page) -> None:
    """Mount the module on the page, as the matchmaking page does."""
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


async def test_cards_show_why_in_the_pages_language(pages: Pages, server, people):
    page = await pages.open("/#/", locale="zh-CN", cookie=await server.sign_in(ATTENDEE))
    await mounted(page)
    card = page.locator(f'.matchrec-card[data-account="{people["cooler"]}"]')
    await expect(card.locator(".matchrec-name")).to_have_text("冷师傅 <b>Cool</b>")
    await expect(card.locator("b")).to_have_count(0)
    await expect(card).to_contain_text("销售总监 · 筑城液冷")
    await expect(card.locator(".matchrec-reason-text")).to_contain_text(
        f"你的需求「Liquid cooling servers for our GPU racks」↔ 对方提供「{COOLING}」"
    )
    await expect(card).to_contain_text("服务器、存储与散热")
    await expect(card.locator(".matchrec-intent")).to_have_text("销售")
    await page.locator("#header").get_by_role("button", name="English").click()
    await expect(card.locator(".matchrec-reason-text")).to_contain_text(
        "Your need “Liquid cooling servers for our GPU racks” ↔ their offer"
    )
    await expect(card).to_contain_text("Zhucheng Liquid Cooling")
    await expect(card.get_by_role("button", name="Request a meeting")).to_be_visible()


async def fill_the_cap(server: LiveServer, requester: int) -> list[int]:
    """As many pending requests from `requester` as the cap allows, to fresh people."""
    async with server.services.db() as db:
        cap = (await match_settings(db)).open_request_cap
        password_hash = hash_password("shubo-demo-2026")
        others = [
            Account(
                email=f"filler{i}@test.shubo.live",
                password_hash=password_hash,
                display_name=f"Filler {i}",
            )
            for i in range(cap)
        ]
        db.add_all(others)
        await db.flush()
        rows = [MeetingRequest(requester_id=requester, recipient_id=o.id) for o in others]
        db.add_all(rows)
        await db.commit()
        return [r.id for r in rows if r.id is not None]


async def set_visible(server: LiveServer, account_id: int, visible: bool) -> None:
    async with server.services.db() as db:
        profile = await db.get(MatchProfile, account_id)
        assert profile is not None
        profile.visible, profile.version = visible, profile.version + 1
        db.add(profile)
        await db.commit()
    # As the background task soon would: the next test's cards come from this index (one built
    # while the person was hidden showed no card for them until the task's next round).
    async with server.services.read() as db:
        await fresh_index(db, server.services.settings.database_url)


async def test_a_meeting_request_sends_the_note_and_shows_refusals_clearly(
    pages: Pages, server, people
):
    """The real POST /api/match/requests: refused at the cap, refused when the person is no
    longer visible (each in words), then sent and stored with its note."""
    page = await pages.open("/#/", locale="en-US", cookie=await server.sign_in(ATTENDEE))
    fillers = await fill_the_cap(server, people["attendee"])
    await mounted(page)
    card = page.locator(f'.matchrec-card[data-account="{people["cooler"]}"]')
    await card.get_by_role("button", name="Request a meeting").click()
    await card.get_by_label("Note (optional, up to 300 characters)").fill("Let's talk <cooling>")
    await card.get_by_role("button", name="Send request").click()
    await expect(card.get_by_role("alert")).to_have_text(
        "You have as many open requests as allowed; wait for answers or withdraw some."
    )
    async with server.services.db() as db:  # withdrawn, as the requester would
        await db.execute(
            update(MeetingRequest)
            .where(col(MeetingRequest.id).in_(fillers))
            .values(status=RequestStatus.CANCELLED)
        )
        await db.commit()
    await set_visible(server, people["cooler"], False)
    await card.get_by_role("button", name="Send request").click()
    await expect(card.get_by_role("alert")).to_have_text(
        "This person's matchmaking profile is missing or no longer visible."
    )
    await set_visible(server, people["cooler"], True)
    await card.get_by_role("button", name="Send request").click()
    await expect(card.get_by_role("status")).to_have_text("Request sent; waiting for their answer.")
    await expect(card.get_by_role("button", name="Request a meeting")).to_have_count(0)
    async with server.services.db() as db:
        sent = (
            (
                await db.execute(
                    select(MeetingRequest).where(
                        col(MeetingRequest.requester_id) == people["attendee"],
                        col(MeetingRequest.recipient_id) == people["cooler"],
                    )
                )
            )
            .scalars()
            .all()
        )
    assert [(r.note, r.status, r.exhibitor_id) for r in sent] == [
        ("Let's talk <cooling>", RequestStatus.PENDING, 3)
    ]


async def test_blocking_asks_first_and_nothing_happens_when_declined(pages: Pages, server, people):
    page = await pages.open("/#/", locale="en-US", cookie=await server.sign_in(ATTENDEE))
    blocks: list[str] = []
    page.on("request", lambda r: blocks.append(r.url) if "/api/match/blocks/" in r.url else None)
    await mounted(page)
    card = page.locator(f'.matchrec-card[data-account="{people["cooler"]}"]')
    messages: list[str] = []

    async def dismiss(dialog) -> None:
        messages.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await card.get_by_role("button", name="Block").click()
    await expect(card).to_be_visible()
    assert messages and messages[0].startswith("Block 冷师傅 <b>Cool</b>?") and blocks == []


async def test_an_empty_profile_is_asked_for(pages: Pages, server, people):
    page = await pages.open("/#/", locale="zh-CN", cookie=await server.sign_in(NEWCOMER))
    await mounted(page)
    prompt = page.locator(".matchrec-empty-profile")
    await expect(prompt).to_contain_text("先填写您的撮合资料")
    link = prompt.get_by_role("link", name="填写撮合资料")
    await expect(link).to_have_attribute("href", "#/matchmaking/profile")
    asked = await page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener('match:edit-profile', () => resolve(true), { once: true });
            document.querySelector('.matchrec-empty-profile a').click();
        })"""
    )
    assert asked is True


async def test_cards_fit_a_phone(pages: Pages, server, people):
    page = await pages.open(
        "/#/", locale="zh-CN", phone=True, cookie=await server.sign_in(ATTENDEE)
    )
    await mounted(page)
    # Among the demo's population: the cooler's card, and others beside it.
    await expect(page.locator(f'.matchrec-card[data-account="{people["cooler"]}"]')).to_be_visible()
    assert await page.locator(".matchrec-card").count() > 1
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390
