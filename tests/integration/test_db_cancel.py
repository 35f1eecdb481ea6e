"""A task cancelled while its PostgreSQL statement runs is cancelled, not a database failure.

expo/db.py turns a statement whose connection died into `OperationalError` (answered
`database.unavailable`). SQLAlchemy counts a cancelled statement as a disconnect too (the
connection is invalidated), so the hook also turned `CancelledError` into `OperationalError`:
every task cancelled mid-query (the control room's aggregator at shutdown, a request whose
client went away) carried on as if a query had failed, and servers on PostgreSQL took the whole
15 s to stop (CI: teardown timeouts, the control room's handover never happening).
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from expo.db import make_engine
from tests.services import fresh_postgres_database

pytestmark = pytest.mark.postgres


async def test_a_statement_cancelled_midway_raises_cancelled_error():
    async with fresh_postgres_database() as url:
        engine = make_engine(url)
        try:
            started = asyncio.Event()

            async def slow() -> None:
                async with engine.connect() as connection:
                    started.set()
                    await connection.execute(text("SELECT pg_sleep(5)"))

            task = asyncio.create_task(slow())
            async with asyncio.timeout(10):
                await started.wait()
            await asyncio.sleep(0.3)  # the statement is running on the server
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                async with asyncio.timeout(10):
                    await task
        finally:
            await engine.dispose()
