"""The handshake line (expo/realtime/admission.py): at most `at_once` admitted together, the
rest in order of arrival, and a refusal only when the measured pace says the wait is too long."""

from __future__ import annotations

import asyncio
import random

import pytest

from expo.realtime.admission import MAX_RETRY, MIN_RETRY, Admission, Overloaded, Pace


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def paced(per_second: float, clock: Clock) -> Pace:
    """A pace that has measured `per_second` admissions a second over its whole window."""
    pace = Pace(window=2.0, clock=clock)
    for _ in range(int(per_second * 2)):
        pace.finished()
        clock.now += 1 / per_second
    return pace


async def settle() -> None:
    """Let every task that can run do so (a turn handed over takes a few loop passes)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def holder(admission: Admission, order: list[int], n: int, release: asyncio.Event) -> None:
    async with admission.slot():
        order.append(n)
        await release.wait()


async def test_at_once_are_admitted_together_and_the_rest_in_order_of_arrival() -> None:
    admission = Admission(at_once=2, max_wait=10)
    order: list[int] = []
    gates = [asyncio.Event() for _ in range(5)]
    tasks = [asyncio.create_task(holder(admission, order, n, gates[n])) for n in range(5)]
    await asyncio.sleep(0)
    assert order == [0, 1] and admission.busy == 2 and admission.waiting == 3
    gates[1].set()
    await settle()
    assert order == [0, 1, 2]
    for gate in gates:
        gate.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert admission.busy == 0 and admission.waiting == 0


async def test_nobody_is_refused_on_a_guess_only_after_waiting_max_wait() -> None:
    clock = Clock()
    # 10 admissions a second measured: 50 waiting would take 5 s, far past max_wait: a guess
    # would refuse most of them at once; they wait instead, and are admitted in turn.
    admission = Admission(at_once=1, max_wait=30, pace=paced(10, clock))
    release = asyncio.Event()
    order: list[int] = []
    tasks = [asyncio.create_task(holder(admission, order, n, release)) for n in range(50)]
    await asyncio.sleep(0)
    assert admission.waiting == 49 and admission.refused == 0
    release.set()
    await asyncio.gather(*tasks)
    assert order == list(range(50)) and admission.refused == 0


async def test_one_that_waited_max_wait_is_refused_with_when_to_return_holding_nothing() -> None:
    clock = Clock()
    admission = Admission(at_once=1, max_wait=0.05, pace=paced(10, clock), rng=random.Random(7))
    release = asyncio.Event()
    order: list[int] = []
    first = asyncio.create_task(holder(admission, order, 0, release))
    waiting = [asyncio.create_task(holder(admission, order, n, release)) for n in range(1, 21)]
    await asyncio.sleep(0)
    assert admission.busy == 1 and admission.waiting == 20
    refused = await asyncio.gather(*waiting, return_exceptions=True)  # the first never leaves
    assert all(isinstance(r, Overloaded) for r in refused), refused
    assert order == [0] and admission.refused == 20 and admission.waiting == 0
    # Told to come back once the line waiting then (19 at the first refusal, 1.9 s at 10 a
    # second) has drained, spread over half as long again; never below a second.
    waits = [r.retry_after for r in refused if isinstance(r, Overloaded)]
    assert 1.9 <= waits[0] <= 1.9 * 1.5, waits
    assert all(MIN_RETRY <= w <= 1.9 * 1.5 for w in waits), waits
    release.set()
    await first
    assert admission.busy == 0
    async with admission.slot():  # the storm over: admitted at once
        assert admission.busy == 1


async def test_retry_after_is_bounded_however_long_the_line() -> None:
    clock = Clock()
    # One admission a second measured, 100 waiting: the drain is 100 s, the wait capped.
    admission = Admission(at_once=1, max_wait=1000, pace=paced(1, clock), max_line=100)
    release = asyncio.Event()
    order: list[int] = []
    tasks = [asyncio.create_task(holder(admission, order, n, release)) for n in range(101)]
    await asyncio.sleep(0)
    assert admission.waiting == 100
    with pytest.raises(Overloaded) as refused:  # the line is full: refused at once
        async with admission.slot():
            pass
    assert refused.value.retry_after == MAX_RETRY
    release.set()
    await asyncio.gather(*tasks)


async def test_a_line_longer_than_max_line_is_refused_even_without_a_pace() -> None:
    admission = Admission(at_once=1, max_wait=10, max_line=3, pace=Pace(clock=Clock()))
    release = asyncio.Event()
    order: list[int] = []
    tasks = [asyncio.create_task(holder(admission, order, n, release)) for n in range(4)]
    await asyncio.sleep(0)
    with pytest.raises(Overloaded) as refused:
        async with admission.slot():
            pass
    assert MIN_RETRY <= refused.value.retry_after <= MAX_RETRY
    release.set()
    await asyncio.gather(*tasks)


async def test_one_cancelled_while_waiting_leaves_the_line_and_holds_no_slot() -> None:
    admission = Admission(at_once=1, max_wait=10)
    release = asyncio.Event()
    order: list[int] = []
    first = asyncio.create_task(holder(admission, order, 0, release))
    gone = asyncio.create_task(holder(admission, order, 1, release))
    last = asyncio.create_task(holder(admission, order, 2, release))
    await asyncio.sleep(0)
    gone.cancel()
    await settle()
    assert admission.waiting == 1
    release.set()
    await asyncio.gather(first, last)
    assert order == [0, 2] and admission.busy == 0 and admission.waiting == 0


def test_the_pace_counts_only_its_window() -> None:
    clock = Clock()
    pace = Pace(window=2.0, clock=clock)
    assert pace.per_second() is None
    for _ in range(40):
        pace.finished()
        clock.now += 0.05  # 20 a second for 2 s
    assert pace.per_second() == pytest.approx(20, rel=0.1)
    clock.now += 10  # quiet since
    assert pace.per_second() is None
