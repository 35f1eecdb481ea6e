"""The booth lines' index (matchmaking/queue_index.py): the Lua twin, the in-process index and
`Line` itself answer every random sequence of operations alike; a line not loaded asks to be
rebuilt; processes racing on one line never share a position or a ticket."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expo.realtime.broker import BrokerUnavailable
from matchmaking.queue_index import (
    MemoryQueueIndex,
    NeedsRebuild,
    QueueIndex,
    RedisQueueIndex,
    queue_index,
)
from matchmaking.queue_line import Change, Entry, Line, LineFull
from tests.services import REDIS_URL, check_redis


def new_booth() -> int:
    # Not `random`: hypothesis seeds it alike for every example.
    return 100_000_000 + secrets.randbelow(900_000_000)


def copy(line: Line) -> Line:
    return Line(line.generation, line.seq, line.version, [replace(e) for e in line.entries])


# --- the same answers -------------------------------------------------------------------------


class Twins:
    """`Line`, the in-process index and the Redis index, on one loop of their own (hypothesis
    runs the examples of a plain function; each example drives the loop to its end)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.run(check_redis())
        except BaseException:  # skipped: no Redis
            self.loop.close()
            raise
        self.indexes: list[QueueIndex] = [MemoryQueueIndex(), RedisQueueIndex(REDIS_URL)]

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        for index in self.indexes:
            self.run(index.close())
        self.loop.close()


@pytest.fixture(scope="module")
def twins() -> Iterator[Twins]:
    twins = Twins()
    yield twins
    twins.close()


class Replay:
    """One example: each operation on `Line`, then on each index, answers compared."""

    def __init__(self, indexes: list[QueueIndex], max_length: int, cap: int, first: int):
        self.indexes, self.max_length, self.cap = indexes, max_length, cap
        self.booth = new_booth()
        self.line = Line()
        self.next_ticket = first
        self.called: list[int] = []  # called tickets, which may come back as no-shows
        self.appointments: set[int] = set()

    async def start(self) -> None:
        for index in self.indexes:
            assert await index.rebuild(self.booth, Line())

    async def step(self, name: str, arg: int) -> None:
        if name == "lose":
            await self.lose()
            return
        expected, act = self.prepare(name, arg)
        for index in self.indexes:
            assert await act(index) == expected, (name, arg, type(index).__name__)
            assert await index.snapshot(self.booth) == self.line
        lengths = [await index.lengths([self.booth]) for index in self.indexes]
        assert lengths == [{self.booth: len(self.line)}] * len(self.indexes)

    def prepare(self, name: str, arg: int) -> tuple[Any, Callable[[QueueIndex], Awaitable[Any]]]:
        """The reference answer from `Line`, and the same operation for an index."""
        line, booth = self.line, self.booth
        tickets = line.tickets()
        if name == "join" or (name == "again" and not tickets):
            ticket, appointment = self.next_ticket, arg % 2 == 1
            self.next_ticket += 1 + arg % 2 * 7  # ids of several lengths: ties order by text
            if appointment:
                self.appointments.add(ticket)
            return self.join(ticket, appointment)
        if name == "again":
            ticket = tickets[arg % len(tickets)]
            return self.join(ticket, ticket in self.appointments)
        if name == "call":
            # `arg` as a bit mask over the line: the tickets this caller may not call (blocked).
            skip = {t for i, t in enumerate(tickets) if arg >> i & 1}
            expected = line.call(skip)
            self.called += [expected.ticket] if expected else []
            return expected, lambda ix: ix.call(booth, skip)
        # Someone in line, someone called (a no-show, perhaps) or someone never seen.
        anyone = tickets + self.called + [self.next_ticket]
        pick = anyone[arg % len(anyone)]
        if name == "remove":
            return line.remove(pick), lambda ix: ix.remove(booth, pick)
        if name == "requeue":
            appointment, overtaken = pick in self.appointments, arg % 3
            expected = line.requeue(pick, appointment=appointment, overtaken=overtaken)
            return expected, lambda ix: ix.requeue(
                booth, pick, appointment=appointment, overtaken=overtaken
            )
        assert name == "position"
        i = line.index(pick)
        expected = None
        if i is not None:
            rank = line.entries[i].rank
            expected = Change("same", pick, rank, i + 1, len(line), line.version, line.generation)
        return expected, lambda ix: ix.position(booth, pick)

    def join(
        self, ticket: int, appointment: bool
    ) -> tuple[Any, Callable[[QueueIndex], Awaitable[Any]]]:
        """Joins answer a `Change` or refuse (`LineFull`): the refusal is compared too."""
        booth, max_length, cap = self.booth, self.max_length, self.cap
        try:
            expected: Any = self.line.join(
                ticket, appointment=appointment, max_length=max_length, overtake_cap=cap
            )
        except LineFull:
            expected = LineFull

        async def act(index: QueueIndex) -> Any:
            try:
                return await index.join(
                    booth, ticket, appointment=appointment, max_length=max_length, overtake_cap=cap
                )
            except LineFull:
                return LineFull

        return expected, act

    async def lose(self) -> None:
        """Redis restarted empty: every index asks for a rebuild, gets the database's line (as
        it was, in a new generation) and goes on."""
        self.line.generation += 1
        for index in self.indexes:
            await index.forget(self.booth)
            with pytest.raises(NeedsRebuild):
                await index.call(self.booth)
            assert await index.rebuild(self.booth, copy(self.line))
            assert await index.snapshot(self.booth) == self.line

    async def end(self) -> None:
        for index in self.indexes:
            await index.forget(self.booth)


OPS = st.one_of(
    st.tuples(st.just("join"), st.integers(0, 1)),
    st.tuples(st.just("join"), st.integers(0, 1)),
    st.tuples(st.just("again"), st.integers(0, 30)),
    st.tuples(st.just("call"), st.just(0)),
    st.tuples(st.just("call"), st.integers(0, 63)),  # some people skipped (blocked)
    st.tuples(st.just("remove"), st.integers(0, 30)),
    st.tuples(st.just("requeue"), st.integers(0, 30)),
    st.tuples(st.just("position"), st.integers(0, 30)),
    st.tuples(st.sampled_from(["lose", "call"]), st.just(0)),
)


def test_redis_memory_and_line_answer_every_sequence_alike(twins: Twins) -> None:
    @settings(max_examples=50, deadline=None)
    @given(
        max_length=st.integers(1, 10),
        cap=st.integers(0, 3),
        first=st.sampled_from([1, 7, 95, 9_999]),
        ops=st.integers(0, 40).flatmap(lambda n: st.lists(OPS, min_size=n, max_size=n)),
    )
    def replay(max_length: int, cap: int, first: int, ops: list[tuple[str, int]]) -> None:
        example = Replay(twins.indexes, max_length, cap, first)

        async def run() -> None:
            await example.start()
            try:
                for name, arg in ops:
                    await example.step(name, arg)
            finally:
                await example.end()

        twins.run(run())

    replay()


def test_ranks_keep_every_bit_through_fifty_halvings(twins: Twins) -> None:
    """Fifty appointments in a row each go ahead of the one walk-in: each rank halves the gap
    before it (1 - 2**-50 at the end), which only a rank carried to its last bit gives back."""
    example = Replay(twins.indexes, max_length=60, cap=60, first=1)

    async def run() -> None:
        await example.start()
        try:
            await example.step("join", 0)
            for _ in range(50):
                await example.step("join", 1)
            for _ in range(3):
                await example.step("call", 0)
                await example.step("requeue", len(example.line) + len(example.called) - 1)
        finally:
            await example.end()

    twins.run(run())
    assert example.line.entries[-1].rank == 1.0 and example.line.entries[-2].rank == 1 - 2**-50


# --- loading and losing a line ------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def index(request: pytest.FixtureRequest) -> AsyncIterator[QueueIndex]:
    if request.param == "redis":
        await check_redis()
    made = queue_index(REDIS_URL if request.param == "redis" else None)
    yield made
    await made.close()


def unloaded_ops(index: QueueIndex, booth: int) -> list[Awaitable[Any]]:
    return [
        index.join(booth, 1, appointment=False, max_length=5, overtake_cap=2),
        index.call(booth),
        index.remove(booth, 1),
        index.requeue(booth, 1, appointment=False),
        index.position(booth, 1),
        index.snapshot(booth),
    ]


async def test_every_operation_on_a_line_not_loaded_asks_for_a_rebuild(index: QueueIndex):
    booth = new_booth()
    for op in unloaded_ops(index, booth):
        with pytest.raises(NeedsRebuild):
            await op
    assert await index.lengths([booth]) == {}


async def test_a_line_is_rebuilt_once_and_lost_again_when_forgotten(index: QueueIndex):
    booth, other = new_booth(), new_booth()
    built = Line(3, 12.0, 40, [Entry(5, 11.0), Entry(9, 10.5, appointment=True), Entry(7, 12.0)])
    assert await index.rebuild(booth, copy(built))
    assert await index.rebuild(other, Line(1))
    assert not await index.rebuild(booth, Line(4, 1.0, 1, [Entry(1, 1.0)]))
    assert await index.snapshot(booth) == built
    assert await index.lengths([booth, other, new_booth()]) == {booth: 3, other: 0}
    change = await index.join(booth, 8, appointment=False, max_length=5, overtake_cap=2)
    assert change == Change("joined", 8, 13.0, 4, 4, 41, 3)
    await index.forget(booth)
    for op in unloaded_ops(index, booth):
        with pytest.raises(NeedsRebuild):
            await op
    assert await index.lengths([booth, other]) == {other: 0}
    await index.forget(other)


async def test_equal_ranks_after_a_rebuild_order_by_ticket_text(index: QueueIndex):
    booth = new_booth()
    await index.rebuild(booth, Line(1, 2.0, 0, [Entry(9, 1.0), Entry(10, 1.0), Entry(8, 2.0)]))
    assert [e.ticket for e in (await index.snapshot(booth)).entries] == [10, 9, 8]
    assert await index.position(booth, 9) == Change("same", 9, 1.0, 2, 3, 0, 1)
    await index.forget(booth)


async def test_redis_out_of_reach_is_broker_unavailable():
    index = RedisQueueIndex("redis://127.0.0.1:1/0")
    with pytest.raises(BrokerUnavailable):
        await index.call(1)
    with pytest.raises(BrokerUnavailable):
        await index.rebuild(1, Line())
    await index.close()


# --- processes racing ---------------------------------------------------------------------------


@pytest.fixture
async def two_processes() -> AsyncIterator[list[RedisQueueIndex]]:
    await check_redis()
    clients = [RedisQueueIndex(REDIS_URL), RedisQueueIndex(REDIS_URL)]
    yield clients
    for client in clients:
        await client.close()


async def test_two_hundred_joins_at_once_get_positions_one_to_two_hundred(
    two_processes: list[RedisQueueIndex],
):
    booth = new_booth()
    await two_processes[0].rebuild(booth, Line())
    changes = await asyncio.gather(
        *(
            two_processes[t % 2].join(booth, t, appointment=False, max_length=500, overtake_cap=2)
            for t in range(1, 201)
        )
    )
    assert sorted(c.position for c in changes) == list(range(1, 201))
    assert sorted(c.version for c in changes) == list(range(1, 201))
    assert all(c.position == c.rank == c.version for c in changes)
    snapshot = await two_processes[1].snapshot(booth)
    assert snapshot.tickets() == [c.ticket for c in sorted(changes, key=lambda c: c.rank)]
    await two_processes[0].forget(booth)


async def test_racing_joins_with_appointments_are_the_line_run_in_version_order(
    two_processes: list[RedisQueueIndex],
):
    """Each script runs whole: replaying the joins in the order their versions say gives the
    very same answers from `Line`."""
    booth = new_booth()
    await two_processes[0].rebuild(booth, Line())
    changes = await asyncio.gather(
        *(
            two_processes[t % 2].join(
                booth, t, appointment=t % 3 == 0, max_length=500, overtake_cap=2
            )
            for t in range(1, 151)
        )
    )
    line = Line()
    for change in sorted(changes, key=lambda c: c.version):
        appointment = change.ticket % 3 == 0
        assert line.join(
            change.ticket, appointment=appointment, max_length=500, overtake_cap=2
        ) == (change)
    assert await two_processes[1].snapshot(booth) == line
    await two_processes[0].forget(booth)


async def test_three_callers_popping_at_once_call_everyone_once_in_line_order(
    two_processes: list[RedisQueueIndex],
):
    booth = new_booth()
    first, second = two_processes
    await first.rebuild(booth, Line())
    for t in range(1, 121):
        await first.join(booth, t, appointment=t % 4 == 0, max_length=500, overtake_cap=3)
    order = (await first.snapshot(booth)).tickets()

    async def caller(index: RedisQueueIndex) -> list[Change]:
        called = []
        while (change := await index.call(booth)) is not None:
            called.append(change)
        return called

    callers = await asyncio.gather(caller(first), caller(second), caller(first))
    every = [c for called in callers for c in called]
    assert sorted(c.ticket for c in every) == list(range(1, 121))
    assert [c.ticket for c in sorted(every, key=lambda c: c.version)] == order
    for called in callers:
        assert [c.ticket for c in called] == [t for t in order if t in {c.ticket for c in called}]
    assert await first.lengths([booth]) == {booth: 0}
    await first.forget(booth)
