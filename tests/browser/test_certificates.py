"""Attendance certificates in Chromium: an attendee who visited three booths claims their
certificate (Chinese), finds its downloads and its public verification link; whoever opens the
link (English, signed out) reads that it is valid, and revoked once an organiser revokes it; a
credential file changed after signing, pasted into the verify page, is told as tampered."""

from __future__ import annotations

import json

from playwright.async_api import expect

from expo.hall.models import ActivityKind, BoothActivity
from tests.browser.web import NEW_PASSWORD, Pages, register, screenshot
from tests.live import LiveServer

ORGANISER = "organizer@demo.shubo.live"


async def visited(server: LiveServer, account_id: int, booths: int) -> None:
    async with server.services.db() as db:
        db.add_all(
            BoothActivity(exhibitor_id=b, kind=ActivityKind.VISIT, account_id=account_id)
            for b in range(1, booths + 1)
        )
        await db.commit()


async def test_an_attendee_claims_a_certificate_that_anyone_can_verify(
    pages: Pages, server: LiveServer
):
    email, cookie = await register(server, "赵证书 Zhao")
    async with server.http(headers={"Cookie": cookie}) as http:
        account_id = (await http.get("/api/me")).json()["account"]["id"]
    page = await pages.open(
        "/#/certificates", locale="zh-CN", cookie=await server.sign_in(email, NEW_PASSWORD)
    )
    await expect(page.get_by_role("heading", name="我的参会证书")).to_be_visible()
    await page.get_by_role("button", name="领取已获得的证书").click()
    await expect(page.locator(".cert-note")).to_contain_text("暂无新证书")

    await visited(server, account_id, 3)
    await page.get_by_role("button", name="领取已获得的证书").click()
    await expect(page.locator(".cert-note")).to_have_text("新签发 1 张证书。")
    card = page.locator(".cert-card")
    await expect(card).to_have_count(1)
    await expect(card.locator(".chip")).to_have_text("有效")
    for name in ("凭证 JSON", "VC-JWT", "徽章 PNG", "证书 PDF"):
        await expect(card.get_by_role("link", name=name)).to_be_visible()
    await screenshot(page, "certificates-zh")
    credential_id = await card.get_attribute("data-credential")
    assert credential_id

    # Whoever the link is shown to: valid, with the holder and the achievement.
    checker = await pages.open(f"/#/verify/{credential_id}", locale="en-GB")
    result = checker.locator(".verify-result")
    await expect(result.locator(".verify-verdict")).to_have_text("✓ The certificate is valid")
    await expect(result).to_contain_text("赵证书 Zhao")
    await screenshot(checker, "verify-en")

    organiser = await server.sign_in(ORGANISER)
    async with server.http(headers={"Cookie": organiser}) as http:
        revoked = await http.post(f"/api/credentials/{credential_id}/revoke")
    assert revoked.status_code == 200, revoked.text
    await checker.reload()
    await expect(result.locator(".verify-verdict")).to_have_text("✗ The certificate is not valid")
    await expect(result.locator(".verify-reason")).to_have_text("The issuer revoked it.")

    # A file changed after signing: told as tampered.
    async with server.http(headers={"Cookie": cookie}) as http:
        signed = (await http.get(f"/api/credentials/{credential_id}")).json()
    signed["name"] = "伪造 Forged"
    paste = await pages.open("/#/verify", locale="en-GB")
    await paste.get_by_role("textbox", name="The certificate").fill(json.dumps(signed))
    await paste.get_by_role("button", name="Verify").click()
    await expect(paste.locator(".verify-reason")).to_have_text(
        "It was changed after signing: the signature does not match."
    )
