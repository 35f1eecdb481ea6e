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

# Files of a minute or more, run first: the suite runs on two workers a file at a time
# (`-n 2 --dist loadfile`), and one of these started last kept one worker busy for minutes after
# the other had run out of work (the suite's tail). The rest keep their order.
SLOW_FIRST = (
    "tests/integration/test_queue_stress.py",  # beside it, files that mostly wait on ffmpeg:
    "tests/integration/test_stream_replays.py",  # the stress test has a time limit of its own
    "tests/integration/test_stream_ingest.py",
    "tests/browser/test_stream_player.py",
    "tests/integration/test_openapi.py",
    "tests/integration/test_meeting_race.py",
    "tests/integration/test_permissions.py",
    "tests/integration/test_control_room.py",
    "tests/browser/test_matchmaking_journey.py",
    "tests/browser/test_control_room.py",
    "tests/browser/test_queue_staff.py",
    "tests/browser/test_hall_two_processes.py",
    "tests/browser/test_booth_leads.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: n for n, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))


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
