"""At shutdown the features' background jobs are cancelled and waited for, a bounded time: one
stuck in its cleanup is logged with where it is stuck and shutdown goes on (a server process
that never exits is killed, its sockets cut without their close code)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from expo.app import _stopped


async def stubborn() -> None:
    try:
        await asyncio.sleep(3600)
    finally:
        await asyncio.shield(asyncio.sleep(3600))  # a cleanup that never ends


async def obliging() -> None:
    await asyncio.sleep(3600)


async def test_a_job_stuck_in_its_cleanup_is_named_and_left(caplog: pytest.LogCaptureFixture):
    jobs = [
        asyncio.create_task(stubborn(), name="demo.stubborn"),
        asyncio.create_task(obliging(), name="demo.obliging"),
    ]
    await asyncio.sleep(0)
    for job in jobs:
        job.cancel()
    with caplog.at_level(logging.WARNING, logger="expo.app"):
        await asyncio.wait_for(_stopped(jobs, timeout=0.2), 5)
    stuck = [r for r in caplog.records if r.getMessage() == "background job did not stop"]
    assert [r.job for r in stuck] == ["demo.stubborn"]  # type: ignore[attr-defined]
    assert "stubborn" in stuck[0].where  # type: ignore[attr-defined]
    assert jobs[1].cancelled() and not jobs[0].done()
    jobs[0].cancel()  # (the test's own cleanup)
