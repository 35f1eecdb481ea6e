"""Several `expo serve` processes sharing the machine's Redis and PostgreSQL, for the tests of
what must hold across processes (tests/integration/test_scale_out.py and the features' own).

The fixtures `shared_env` (per test module: a fresh PostgreSQL database with the demo expo, the
test Redis database emptied, every rate limit lifted) and `two_processes` (two servers on it) are
made available to tests/integration by its conftest.py.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
import websockets

from expo.ratelimit import DEFAULT_RATES
from tests.live import prepare_demo_database
from tests.services import REDIS_URL, check_redis, fresh_postgres_database

ATTENDEE = "attendee@demo.shubo.live"
PASSWORD = "shubo-demo-2026"


@dataclass
class Process:
    base: str
    ws_url: str
    child: asyncio.subprocess.Process

    def connect(self, cookie: str | None = None) -> websockets.connect:
        headers = {"Cookie": cookie} if cookie else None
        return websockets.connect(self.ws_url, additional_headers=headers, open_timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start(env: dict[str, str], *args: str, log: Path) -> Process:
    port = free_port()
    with log.open("wb") as sink:  # the child keeps its own descriptor
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "expo.cli",
            "serve",
            "--port",
            str(port),
            *args,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        for _ in range(300):
            if child.returncode is not None:
                break
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return Process(base, f"ws://127.0.0.1:{port}/ws", child)
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    await stop(Process(base, "", child))
    tail = await asyncio.to_thread(log.read_text)
    raise RuntimeError(f"server did not become ready: {tail[-2000:]}")


async def stop(process: Process) -> None:
    if process.child.returncode is not None:
        return
    process.child.terminate()
    try:
        await asyncio.wait_for(process.child.wait(), 15)
    except TimeoutError:
        process.child.kill()
        await process.child.wait()


@pytest.fixture(scope="module")
async def shared_env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, str]]:
    await check_redis()
    redis = aioredis.from_url(REDIS_URL)
    await redis.flushdb()  # the test Redis database: topics start from seq 0
    await redis.aclose()
    async with fresh_postgres_database() as database_url:
        await prepare_demo_database(database_url)
        env = servers_env(database_url, REDIS_URL)
        yield env


@pytest.fixture(scope="module")
async def two_processes(shared_env, tmp_path_factory) -> AsyncIterator[tuple[Process, Process]]:
    async with started_pair(shared_env, tmp_path_factory.mktemp("logs")) as pair:
        yield pair


def servers_env(
    database_url: str, redis_url: str, rates: dict[str, str] | None = None
) -> dict[str, str]:
    """The settings of test servers on `database_url` and `redis_url`: presence and agenda
    reminders looked at five times a second, and every rate limit lifted but those in `rates`
    (name -> "count/seconds[/burst]"): tests act far faster than people, and the limits are
    tested on their own."""
    lifted = {name: "100000/1" for name in DEFAULT_RATES} | (rates or {})
    env = {
        **os.environ,
        "EXPO_DATABASE_URL": database_url,
        "EXPO_REDIS_URL": redis_url,
        "EXPO_SECRET_KEY": secrets.token_urlsafe(24),
        "EXPO_PRESENCE_INTERVAL": "0.2",
        "EXPO_REMINDER_INTERVAL": "0.2",
        "EXPO_LOG_JSON": "1",
        "EXPO_RATE_LIMITS": ",".join(f"{name}={rate}" for name, rate in lifted.items()),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


@asynccontextmanager
async def started_pair(env: dict[str, str], logs: Path) -> AsyncIterator[tuple[Process, Process]]:
    """Two servers on `env`, stopped on the way out."""
    a = await start(env, log=logs / "a.log")
    try:
        b = await start(env, log=logs / "b.log")
    except BaseException:
        await stop(a)
        raise
    try:
        yield a, b
    finally:
        await stop(a)
        await stop(b)


async def sign_in(process: Process, email: str = ATTENDEE) -> str:
    """Sign in on one process; the cookie is good on every process (one secret for all)."""
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post("/api/session", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    return f"expo_session={response.cookies['expo_session']}"
