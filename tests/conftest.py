from __future__ import annotations

import os

# Real Argon2, with its lightest parameters: the suite signs in thousands of times, and each
# sign-in with the production parameters costs a tenth of a second of CPU (expo/security.py).
# Set before anything hashes, and inherited by the server processes the tests start.
os.environ.setdefault("EXPO_TEST_FAST_PASSWORD_HASH", "1")

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.live import LiveServer, live_server, make_settings, prepare_demo_database


@pytest.fixture(scope="module")
async def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "expo.db"
    url = f"sqlite+aiosqlite:///{path}"
    await prepare_demo_database(url)
    return url


@pytest.fixture(scope="module")
async def server(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    """One real server on the embedded defaults (SQLite, in-process broker) per test module."""
    async with live_server(make_settings(demo_sqlite)) as live:
        yield live
