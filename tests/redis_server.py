"""A redis-server of a test's own, on a free port, that the test may stop and start again.

Tests that restart Redis never touch the shared one: they start this, with no persistence, so a
restart comes back empty, as a crashed cache or a replaced container does.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import redis.asyncio as aioredis

from tests.cluster import free_port


class RedisServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._child: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._child = await asyncio.create_subprocess_exec(
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=asyncio.subprocess.DEVNULL,
        )
        client = aioredis.from_url(self.url, socket_connect_timeout=1)
        try:
            async with asyncio.timeout(10):
                while True:
                    try:
                        await client.ping()
                        return
                    except (ConnectionError, OSError, aioredis.ConnectionError):
                        await asyncio.sleep(0.02)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        """SHUTDOWN NOSAVE: everything Redis held is gone."""
        if self._child is None or self._child.returncode is not None:
            return
        client = aioredis.from_url(self.url)
        try:
            await client.shutdown(nosave=True)
        except (aioredis.ConnectionError, OSError):
            pass  # the server closes the connection as it goes
        finally:
            await client.aclose()
        async with asyncio.timeout(10):
            await self._child.wait()

    async def restart_empty(self) -> None:
        await self.stop()
        await self.start()


@asynccontextmanager
async def redis_server() -> AsyncIterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("MISSING SERVICE: redis-server is not installed")
    server = RedisServer(free_port())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
