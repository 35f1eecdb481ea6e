"""BatchedLookup: keys asked for together share one query; alone, a key is looked up at once."""

from __future__ import annotations

import asyncio

import pytest

from expo.batching import BatchedLookup


class Table:
    """A lookup that records the batches it was asked and answers squares of even keys."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.fail = fail

    async def lookup(self, keys: list[int]) -> dict[int, int]:
        self.batches.append(sorted(keys))
        await asyncio.sleep(0)  # a database round trip: others ask meanwhile
        if self.fail:
            raise ConnectionError("database gone")
        return {k: k * k for k in keys if k % 2 == 0}


async def test_keys_asked_together_share_one_lookup():
    table = Table()
    batched = BatchedLookup(table.lookup)
    answers = await asyncio.gather(*(batched.get(k) for k in [2, 3, 4, 2]))
    assert answers == [4, None, 16, 4]
    assert table.batches == [[2, 3, 4]]


async def test_keys_asked_while_a_lookup_runs_wait_for_the_next_one():
    table = Table()
    batched = BatchedLookup(table.lookup)
    first = asyncio.ensure_future(batched.get(2))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the first lookup is running now
    later = await asyncio.gather(*(batched.get(k) for k in [4, 6]), first)
    assert later == [16, 36, 4]
    assert table.batches == [[2], [4, 6]]


async def test_a_key_asked_alone_is_looked_up_alone():
    table = Table()
    batched = BatchedLookup(table.lookup)
    assert await batched.get(8) == 64
    assert await batched.get(8) == 64
    assert table.batches == [[8], [8]]  # nothing is kept between lookups


async def test_a_failed_lookup_fails_every_key_of_its_batch_and_the_next_ones_still_run():
    table = Table(fail=True)
    batched = BatchedLookup(table.lookup)
    answers = await asyncio.gather(*(batched.get(k) for k in [2, 4]), return_exceptions=True)
    assert [type(a) for a in answers] == [ConnectionError, ConnectionError]
    table.fail = False
    assert await batched.get(2) == 4
    with pytest.raises(ConnectionError):
        table.fail = True
        await batched.get(2)
