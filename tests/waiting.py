"""Waiting for something to happen: on the condition itself, never for a fixed time."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    condition: Callable[[], T | Awaitable[T]], *, timeout: float = 5, interval: float = 0.01
) -> T:
    """Check `condition` (a function, or a coroutine function) until it returns something
    truthy, and return that. After `timeout` seconds, fail with the last value it returned."""
    last: T | None = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = condition()
                last = await result if inspect.isawaitable(result) else result
                if last:
                    return last
                await asyncio.sleep(interval)  # a poll, not a wait for time to pass
    except TimeoutError:
        pass
    raise AssertionError(f"not true within {timeout} s (last: {last!r})")
