"""`eventually`: the tests' way to wait for something to happen."""

import asyncio

import pytest

from tests.waiting import eventually


async def test_it_returns_what_the_condition_returned_once_true():
    seen: list[int] = []
    asyncio.get_running_loop().call_soon(seen.append, 7)
    assert await eventually(lambda: seen) == [7]


async def test_it_awaits_a_coroutine_condition():
    calls = 0

    async def third_time() -> bool:
        nonlocal calls
        calls += 1
        return calls == 3

    assert await eventually(third_time, interval=0) is True


async def test_it_fails_with_the_last_value_after_the_timeout():
    with pytest.raises(AssertionError, match=r"not true within 0.05 s \(last: \[\]\)"):
        await eventually(lambda: [], timeout=0.05)
