"""A redis-server of a test's own, on a free port, that the test may stop and start again.

Tests that restart Redis never touch the shared one: they start this, with no persistence, so a
restart comes back empty, as a crashed cache or a replaced container does. Given a folder, it can
also stop with its data (SHUTDOWN SAVE to a dump there, loaded at the next start).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.cluster import free_port
from tests.services import IN_CI

DUMP = "dump.rdb"


class RedisServer:
    def __init__(self, port: int, folder: Path | None = None) -> None:
        self.port = port
        self.folder = folder
        self.url = f"redis://127.0.0.1:{port}/0"
        self._child: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        dump = ("--dir", str(self.folder), "--dbfilename", DUMP) if self.folder else ()
        self._child = await asyncio.create_subprocess_exec(
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            *dump,
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
                    except aioredis.ResponseError:  # LOADING the dump
                        await asyncio.sleep(0.02)
        finally:
            await client.aclose()

    async def stop(self, keep: bool = False) -> None:
        """SHUTDOWN NOSAVE: everything Redis held is gone; with `keep` (and a folder),
        SHUTDOWN SAVE: the next start loads it."""
        if self._child is None or self._child.returncode is not None:
            return
        keep = keep and self.folder is not None
        client = aioredis.from_url(self.url)
        try:
            await client.shutdown(save=keep, nosave=not keep)
        except (aioredis.ConnectionError, OSError):
            pass  # the server closes the connection as it goes
        finally:
            await client.aclose()
        async with asyncio.timeout(30):
            await self._child.wait()
        if self.folder is not None and not keep:
            (self.folder / DUMP).unlink(missing_ok=True)

    async def restart_empty(self) -> None:
        await self.stop()
        await self.start()


@asynccontextmanager
async def redis_server(folder: Path | None = None) -> AsyncIterator[RedisServer]:
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("CI needs every service: redis-server is not installed", pytrace=False)
        pytest.skip("MISSING SERVICE: redis-server is not installed")
    server = RedisServer(free_port(), folder)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
