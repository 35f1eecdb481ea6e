"""What the processes share for the control room (control/reports.py), the in-memory and the
Redis implementation held to one contract: reports with their ages, the lease (taken by one,
renewed by its holder only, free again once it lapses or is handed back), the figures' sequence
shared by every aggregator, today's peaks raised and never lowered, the latest figures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from control.reports import MemoryReports, RedisReports, Reports
from tests.services import REDIS_URL, check_redis


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Reports, Reports]]:
    """Two processes' views of the same shared state."""
    if request.param == "memory":
        one = MemoryReports()
        yield one, one
        return
    await check_redis()
    client = aioredis.from_url(REDIS_URL)
    for key in await client.keys("expo:control:*"):
        await client.delete(key)
    await client.aclose()
    a, b = RedisReports(REDIS_URL), RedisReports(REDIS_URL)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_every_processs_last_report_is_read_with_its_age(pair):
    a, b = pair
    await a.put("host:1:aa", {"sockets": 3}, keep=60)
    await b.put("host:2:bb", {"sockets": 1}, keep=60)
    await b.put("host:2:bb", {"sockets": 5}, keep=60)  # replaces its last
    found = await a.read()
    assert [(r.process, r.data) for r in found] == [
        ("host:1:aa", {"sockets": 3}),
        ("host:2:bb", {"sockets": 5}),
    ]
    assert all(0 <= r.age < 5 for r in found)
    await b.forget(["host:1:aa"])
    assert [r.process for r in await a.read()] == ["host:2:bb"]


async def test_one_holds_the_lease_until_it_lapses_or_is_handed_back(pair):
    a, b = pair
    assert await a.lead("a", 0.3) is True
    assert await b.lead("b", 0.3) is False
    assert await a.lead("a", 0.3) is True  # renewed by its holder
    await asyncio.sleep(0.5)  # lapsed: the holder died
    assert await b.lead("b", 5) is True
    assert await a.lead("a", 5) is False
    await a.resign("a")  # not the holder: nothing happens
    assert await a.lead("a", 5) is False
    await b.resign("b")
    assert await a.lead("a", 5) is True


async def test_the_sequence_grows_whoever_aggregates(pair):
    a, b = pair
    first = await a.next_seq()
    assert await b.next_seq() == first + 1
    assert await a.next_seq() == first + 2


async def test_peaks_are_raised_never_lowered_and_kept_per_day(pair):
    a, b = pair
    assert await a.peaks("2026-12-06", {"1": 40, "2": 3}) == {"1": 40, "2": 3}
    assert await b.peaks("2026-12-06", {"1": 12, "2": 9}) == {"1": 40, "2": 9}
    assert await a.peaks("2026-12-07", {"1": 1}) == {"1": 1}


async def test_the_latest_figures_are_kept_for_a_first_paint(pair):
    a, b = pair
    assert await b.figures() is None or isinstance(await b.figures(), bytes)
    await a.keep_figures(b'{"seq":7}')
    assert await b.figures() == b'{"seq":7}'


async def test_the_memory_figures_are_forgotten_once_stale():
    clock = Clock()
    reports = MemoryReports(clock)
    await reports.keep_figures(b"{}")
    clock.now += 11
    assert await reports.figures() is None
