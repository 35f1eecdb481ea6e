"""Where the tests find Redis and PostgreSQL, and what happens when they are missing.

The URLs come from EXPO_TEST_REDIS_URL and EXPO_TEST_POSTGRES_URL (defaults: this machine's).
A missing service skips its tests with a loud reason on a developer's machine; under CI=true it
fails them, so CI can never go green by skipping.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url


def _worker_database(url: str) -> str:
    """The test Redis database of this pytest-xdist worker: gw0 keeps the URL's database, gw1
    the next one, and so on, so that workers running side by side (pyproject's `-n`) never flush
    or read each other's topics. Without xdist the URL is used as it is."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{database % 16}"))


REDIS_URL = _worker_database(os.environ.get("EXPO_TEST_REDIS_URL", "redis://127.0.0.1:6379/9"))
POSTGRES_URL = os.environ.get(
    "EXPO_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(service: str, url: str, error: BaseException) -> None:
    message = (
        f"{service} is not reachable at {url} ({type(error).__name__}: {error}). "
        f"Start it (see README, 'Running the tests') or point the URL elsewhere."
    )
    if IN_CI:
        pytest.fail("CI needs every service: " + message, pytrace=False)
    pytest.skip("MISSING SERVICE: " + message)


async def check_redis() -> None:
    client = aioredis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as error:
        missing("Redis", REDIS_URL, error)
    finally:
        await client.aclose()


async def forget_queue_lines() -> None:
    """Drop the booth queues' lines from the worker's Redis database: a fresh PostgreSQL
    database numbers its exhibitors from 1 again, and a line left by an earlier test for the
    same number would hold tickets this database never had."""
    client = aioredis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        keys = [key async for key in client.scan_iter(match="expo:q:*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def check_postgres() -> None:
    try:
        connection = await asyncio.wait_for(asyncpg.connect(_asyncpg_dsn(POSTGRES_URL)), 5)
    except Exception as error:
        missing("PostgreSQL", POSTGRES_URL, error)
    else:
        await connection.close()


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    await check_postgres()
    name = f"expo_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
