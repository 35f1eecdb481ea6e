"""The expo's own promises (issue 15) with two server processes on Redis and PostgreSQL, in
Chromium, each person's pages on one process: the AI booth host's answer to a visitor on A is
seen live by a visitor on B; a certificate claimed on A verifies on B; two attendees opting in
for a random coffee on A and on B are paired, both accept and chat in the pair's room."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, expect

from expo.db import make_engine, make_sessionmaker
from expo.hall.models import ActivityKind, BoothActivity
from tests.browser.test_booth_host import ANSWERABLE, BOOTH
from tests.browser.web import NEW_PASSWORD, Pages, unique_email
from tests.cluster import Process, shared_env, started_pair  # noqa: F401 (a fixture)

# As behind a balancer: the certificates name their issuer by it (did:web), whichever process
# signs or verifies.
PUBLIC_URL = "https://expo.example"


@pytest.fixture(scope="module")
async def two_processes(
    shared_env: dict[str, str],  # noqa: F811 (the fixture)
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Process, Process]]:
    env = shared_env | {"EXPO_PUBLIC_URL": PUBLIC_URL}
    async with started_pair(env, tmp_path_factory.mktemp("logs")) as pair:
        yield pair


async def register(process: Process, name: str) -> tuple[int, str]:
    body = {"email": unique_email("promise2p"), "password": NEW_PASSWORD, "display_name": name}
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return response.json()["account"]["id"], f"expo_session={response.cookies['expo_session']}"


async def test_host_certificates_and_coffee_hold_across_two_processes(
    browser: Browser,
    two_processes: tuple[Process, Process],
    shared_env: dict[str, str],  # noqa: F811 (the fixture)
):
    a, b = two_processes
    on_a, on_b = Pages(browser, a), Pages(browser, b)  # type: ignore[arg-type]
    try:
        # The host: asked on A, its answer is on the booth's page on B as it is given.
        _, visitor_cookie = await register(a, "李访客 Li")
        visitor = await on_a.open(f"/#/booth/{BOOTH}", locale="zh-CN", cookie=visitor_cookie)
        onlooker = await on_b.open(f"/#/booth/{BOOTH}", locale="en-GB")
        await expect(onlooker.locator(".host-sign-in")).to_have_text("Sign in to ask")
        panel = visitor.locator(".host-panel")
        await panel.get_by_role("textbox").fill(ANSWERABLE["q"])
        await panel.get_by_role("button", name="提问").click()
        await expect(panel.locator(".host-sentence").first).to_contain_text(
            ANSWERABLE["expect"]["contains"]
        )
        live = onlooker.locator(".host-exchange").first
        await expect(live.locator(".host-badge")).to_have_text("AI booth host")
        await expect(live.locator(".host-sentence").first).to_contain_text(
            ANSWERABLE["expect"]["contains"]
        )

        # A certificate: earned and claimed on A, verified by anyone on B.
        holder, holder_cookie = await register(a, "赵证书 Zhao")
        engine = make_engine(shared_env["EXPO_DATABASE_URL"])
        try:
            async with make_sessionmaker(engine)() as db:
                db.add_all(
                    BoothActivity(exhibitor_id=n, kind=ActivityKind.VISIT, account_id=holder)
                    for n in (1, 2, 3)
                )
                await db.commit()
        finally:
            await engine.dispose()
        mine = await on_a.open("/#/certificates", locale="zh-CN", cookie=holder_cookie)
        await mine.get_by_role("button", name="领取已获得的证书").click()
        await expect(mine.locator(".cert-note")).to_have_text("新签发 1 张证书。")
        credential = await mine.locator(".cert-card").get_attribute("data-credential")
        assert credential
        checker = await on_b.open(f"/#/verify/{credential}", locale="en-GB")
        result = checker.locator(".verify-result")
        await expect(result.locator(".verify-verdict")).to_have_text("✓ The certificate is valid")
        await expect(result).to_contain_text("赵证书 Zhao")

        # A random coffee: one person on each process, paired through Redis.
        _, zh_cookie = await register(a, "张伟 Zhang Wei")
        _, en_cookie = await register(b, "Tom Baker")
        zh = await on_a.new(locale="zh-CN", cookie=zh_cookie)
        en = await on_b.new(locale="en-GB", cookie=en_cookie)
        for page, join in ((zh, "认识新朋友"), (en, "Meet someone new")):
            await page.goto("/#/matchmaking/coffee")
            button = page.locator(".coffee-join")
            await expect(button).to_have_text(join)
            await expect(button).to_be_enabled()
            await button.click()
        await expect(zh.locator(".coffee-name")).to_have_text("Tom Baker")
        await expect(en.locator(".coffee-name")).to_have_text("张伟 Zhang Wei")
        await zh.get_by_role("button", name="接受").click()
        await en.get_by_role("button", name="Accept").click()
        await expect(zh).to_have_url(re.compile(r"#/coffee/\d+$"))
        await expect(en).to_have_url(re.compile(r"#/coffee/\d+$"))
        assert zh.url.split("#")[1] == en.url.split("#")[1]
        await en.locator(".mroom-input").fill("Hello from process B")
        await en.get_by_role("button", name="Send").click()
        await expect(zh.locator(".mroom-msg .mroom-text")).to_have_text(["Hello from process B"])
    finally:
        await on_a.close()
        await on_b.close()
    assert on_a.errors == [] and on_b.errors == [], "uncaught errors in the pages"
