"""The in-process coffee pool (the embedded default): a place kept on joining again, both of a
pair taken or neither, a fallen-through pairing's accepter back in front."""

from __future__ import annotations

from matchmaking.coffee_pool import MemoryCoffeePool


async def test_claim_takes_both_or_neither_and_front_goes_first():
    pool = MemoryCoffeePool()
    assert await pool.join(1, 10.0)
    assert not await pool.join(1, 99.0)  # keeps the place
    assert await pool.join(2, 11.0) and await pool.join(3, 12.0)
    assert await pool.claim(1, 2)
    assert not await pool.claim(1, 3)  # 1 is taken already
    assert await pool.waiting(10) == [(3, 12.0)]
    await pool.front(1, 50.0)
    assert [a for a, _ in await pool.waiting(10)] == [1, 3]
    assert await pool.leave(3) and not await pool.leave(3)
