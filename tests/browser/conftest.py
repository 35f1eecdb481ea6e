"""Fixtures for the browser tests: one Chromium per session, and `pages` per test.

The server is the module-scoped `server` of tests/conftest.py: a real uvicorn (tests/live.py)
on a fresh, migrated and seeded demo SQLite database for each test module.

Without Chromium these tests are skipped with a loud reason on a developer's machine and fail
under CI=true, like a missing service (tests/services.py). Only Playwright's async API is used:
the sync pytest-playwright plugin runs its own event loop and breaks pytest-asyncio.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright, expect
from playwright.async_api import Error as PlaywrightError

from tests.browser.web import CHROMIUM_ARGS, TIMEOUT_MS, Pages, find_chromium
from tests.live import LiveServer
from tests.services import IN_CI

expect.set_options(timeout=TIMEOUT_MS)


def missing_browser(reason: str) -> None:
    message = (
        f"{reason}. Install it (Debian: apt-get install chromium fonts-noto-cjk) or point "
        f"EXPO_TEST_CHROMIUM at a Chromium binary; Playwright's own browsers are not used."
    )
    if IN_CI:
        pytest.fail("CI needs the browser tests: " + message, pytrace=False)
    pytest.skip("MISSING BROWSER: " + message)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    path = find_chromium()
    if path is None:
        where = os.environ.get("EXPO_TEST_CHROMIUM") or "`chromium` on PATH"
        missing_browser(f"Chromium is not installed ({where})")
    playwright = await async_playwright().start()
    try:
        try:
            launched = await playwright.chromium.launch(
                executable_path=path, args=CHROMIUM_ARGS, timeout=30_000
            )
        except PlaywrightError as error:
            first_line = (str(error).strip().splitlines() or ["no reason given"])[0]
            missing_browser(f"Chromium at {path} did not start ({first_line})")
        yield launched
        await launched.close()
    finally:
        await playwright.stop()


@pytest.fixture
async def pages(browser: Browser, server: LiveServer) -> AsyncIterator[Pages]:
    """Opens pages in fresh browser contexts; closes them after the test, and fails it if a
    page threw an uncaught error."""
    opened = Pages(browser, server)
    try:
        yield opened
    finally:
        await opened.close()
    assert opened.errors == [], "uncaught errors in the page"
