"""Every page module's strings in Chromium: each module adds its own (addStrings in
frontend/js/i18n.js), and a key two modules claim is a bug, since one of the two texts is
silently lost; i18n.js reports it in the console when the second module loads."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import ConsoleMessage

from tests.browser.web import Pages
from tests.live import LiveServer

JS = Path(__file__).resolve().parents[2] / "frontend" / "js"


async def test_no_two_modules_claim_one_string(pages: Pages, server: LiveServer):
    page = await pages.new(locale="en-GB")
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error" and "defined twice" in message.text:
            errors.append(message.text)

    page.on("console", collect)
    await page.goto("/#/")
    modules = sorted(str(p.relative_to(JS)) for p in JS.rglob("*.js"))
    assert "console/people_accounts.js" in modules and "moderation.js" in modules
    # Each module once, as the pages import them (a module's code runs once per page).
    failed = await page.evaluate(
        """async (paths) => {
          const failed = [];
          for (const path of paths) {
            try { await import(`/js/${path}`); } catch (error) { failed.push(`${path}: ${error}`); }
          }
          return failed;
        }""",
        modules,
    )
    assert failed == []
    assert errors == []
