"""A booth's line (matchmaking/queue_line.py): readable cases, then properties that hold over
random sequences of joins, leaves, calls and no-shows, checked against a model kept here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaking.queue_line import Change, Entry, Line, LineFull

W1, W2, W3 = 1, 2, 3  # walk-ins
A1, A2, A3 = 101, 102, 103  # appointments


def joined(line: Line, *tickets: int, cap: int = 2, max_length: int = 100) -> list[Change]:
    """Tickets from 100 up are appointments."""
    return [
        line.join(t, appointment=t > 100, max_length=max_length, overtake_cap=cap) for t in tickets
    ]


# --- cases --------------------------------------------------------------------------------------


def test_appointments_go_ahead_of_walk_ins_until_a_walk_in_was_passed_cap_times():
    line = Line()
    changes = joined(line, W1, W2, A1, A2, W3, A3, cap=2)
    assert line.tickets() == [A1, A2, W1, W2, A3, W3]
    assert [c.passed for c in changes] == [(), (), (W2, W1), (W2, W1), (), (W3,)]
    assert [c.position for c in changes] == [1, 2, 1, 2, 5, 5]
    assert [e.overtaken for e in line.entries] == [0, 0, 2, 2, 0, 1]


def test_with_a_cap_of_zero_appointments_wait_like_everyone_else():
    line = Line()
    joined(line, W1, A1, W2, A2, cap=0)
    assert line.tickets() == [W1, A1, W2, A2]


def test_joining_twice_keeps_the_place_and_the_version():
    line = Line()
    first = joined(line, W1, W2)[1]
    again = joined(line, W2)[0]
    assert again == Change("same", W2, first.rank, 2, 2, first.version, 0)
    assert line.version == first.version


def test_a_full_line_refuses_newcomers_but_not_those_already_in_it():
    line = Line()
    joined(line, W1, W2, max_length=2)
    with pytest.raises(LineFull):
        joined(line, W3, max_length=2)
    assert joined(line, W1, max_length=2)[0].kind == "same"
    assert line.version == 2


def test_a_no_show_goes_back_behind_the_next_person():
    line = Line()
    joined(line, W1, W2, W3)
    called = line.call()
    assert called == Change("called", W1, 1.0, 0, 2, 4, 0)
    back = line.requeue(W1, appointment=False)
    assert (back.kind, back.position, back.length) == ("requeued", 2, 3)
    assert line.tickets() == [W2, W1, W3]


def test_a_no_show_behind_one_person_is_second_and_alone_is_first():
    line = Line()
    joined(line, W1, W2)
    line.call()
    assert line.requeue(W1, appointment=False).position == 2
    assert line.tickets() == [W2, W1]
    line.call()
    line.call()
    assert line.requeue(W2, appointment=False).position == 1


def test_calling_an_empty_line_and_removing_a_stranger_change_nothing():
    line = Line()
    joined(line, W1)
    assert line.remove(W2) is None
    line.call()
    assert line.call() is None
    assert line.version == 2


def test_equal_ranks_order_by_ticket_text_as_a_redis_sorted_set_does():
    line = Line(entries=[Entry(9, 1.0), Entry(10, 1.0), Entry(8, 0.5)])
    assert line.tickets() == [8, 10, 9]
    assert line.position(9) == 3


# --- properties ---------------------------------------------------------------------------------


@dataclass
class Visit:
    """One ticket's time in line, as the model sees it."""

    arrival: int  # the how-many-th join of the line this was
    appointment: bool
    requeued: bool = False
    overtakers: set[int] = field(default_factory=set)  # appointments that joined ahead of it


class Driver:
    """Feeds operations to a `Line` and checks each answer against what the rules promise."""

    def __init__(self, max_length: int, cap: int) -> None:
        self.line = Line()
        self.max_length, self.cap = max_length, cap
        self.visits: dict[int, Visit] = {}  # tickets in line
        self.called: dict[int, Visit] = {}  # called, not back in line: a no-show may follow
        self.entered: Counter[int] = Counter()
        self.calls: Counter[int] = Counter()
        self.arrivals = 0
        self.next_ticket = 1

    def apply(self, op: tuple[str, int]) -> None:
        name, arg = op
        version = self.line.version
        change = getattr(self, name)(arg)
        if change is None or change.kind == "same":
            assert self.line.version == version
        else:
            assert change.version == self.line.version == version + 1
        if change is not None:
            assert change.length == len(self.line)
            assert change.generation == self.line.generation
            expected = 0 if change.kind in ("called", "left") else self.line.position(change.ticket)
            assert change.position == expected
        self.check()

    def join(self, appointment: int) -> Change | None:
        ticket, self.next_ticket = self.next_ticket, self.next_ticket + 1
        if len(self.line) >= self.max_length:
            with pytest.raises(LineFull):
                self._join(ticket, bool(appointment))
            return None
        change = self._join(ticket, bool(appointment))
        assert change.kind == "joined"
        self.arrivals += 1
        self.visits[ticket] = Visit(self.arrivals, bool(appointment))
        self.entered[ticket] += 1
        behind = self.line.tickets()[change.position :]
        if appointment:
            # Everyone behind it is a walk-in it went ahead of.
            assert change.passed == tuple(reversed(behind))
            for t in behind:
                self.visits[t].overtakers.add(ticket)
        else:
            assert behind == [] and change.passed == ()
        return change

    def again(self, index: int) -> Change | None:
        tickets = self.line.tickets()
        if not tickets:
            return None
        ticket = tickets[index % len(tickets)]
        before = self.line.entries[index % len(tickets)]
        change = self._join(ticket, self.visits[ticket].appointment)
        assert change == Change(
            "same", ticket, before.rank, index % len(tickets) + 1, len(tickets),
            self.line.version, self.line.generation,
        )  # fmt: skip
        return change

    def leave(self, index: int) -> Change | None:
        tickets = self.line.tickets()
        i = index % (len(tickets) + 1)
        if i == len(tickets):  # someone not in line
            assert self.line.remove(self.next_ticket + 1000) is None
            return None
        change = self.line.remove(tickets[i])
        assert change is not None and (change.kind, change.ticket) == ("left", tickets[i])
        del self.visits[tickets[i]]
        return change

    def call(self, _: int) -> Change | None:
        head = self.line.tickets()[:1]
        change = self.line.call()
        if not head:
            assert change is None
            return None
        assert change is not None and (change.kind, change.ticket) == ("called", head[0])
        self.calls[head[0]] += 1
        self.called[head[0]] = self.visits.pop(head[0])
        return change

    def no_show(self, index: int) -> Change | None:
        """A called ticket that did not come: back in line the first time, out the second."""
        if not self.called:
            return None
        ticket = sorted(self.called)[index % len(self.called)]
        visit = self.called.pop(ticket)
        if visit.requeued:
            assert self.line.remove(ticket) is None  # already out of line since its call
            return None
        others = len(self.line)
        overtaken = len(visit.overtakers)
        change = self.line.requeue(ticket, appointment=visit.appointment, overtaken=overtaken)
        assert change.kind == "requeued"
        assert change.position == (2 if others else 1)
        visit.requeued = True
        self.visits[ticket] = visit
        self.entered[ticket] += 1
        return change

    def _join(self, ticket: int, appointment: bool) -> Change:
        return self.line.join(
            ticket, appointment=appointment, max_length=self.max_length, overtake_cap=self.cap
        )

    def check(self) -> None:
        tickets = self.line.tickets()
        # Only joins are refused at `max_length`: a no-show keeps its right to come back.
        requeued = sum(self.visits[t].requeued for t in tickets)
        assert len(set(tickets)) == len(tickets) <= self.max_length + requeued
        assert set(tickets) == set(self.visits)
        assert [self.line.position(t) for t in tickets] == list(range(1, len(tickets) + 1))
        for appointment in (False, True):
            # First come, first served among walk-ins, and among appointments, but for no-shows.
            arrivals = [
                self.visits[t].arrival
                for t in tickets
                if self.visits[t].appointment == appointment and not self.visits[t].requeued
            ]
            assert arrivals == sorted(arrivals)
        for entry in self.line.entries:
            visit = self.visits[entry.ticket]
            if not visit.appointment:
                assert entry.overtaken == len(visit.overtakers) <= self.cap
        assert all(self.calls[t] <= self.entered[t] for t in self.calls)


OPS = st.one_of(
    st.tuples(st.just("join"), st.integers(0, 1)),
    st.tuples(st.just("join"), st.integers(0, 1)),
    st.tuples(st.just("again"), st.integers(0, 30)),
    st.tuples(st.just("leave"), st.integers(0, 30)),
    st.tuples(st.just("call"), st.just(0)),
    st.tuples(st.just("no_show"), st.integers(0, 30)),
)


@settings(max_examples=300, deadline=None)
@given(
    max_length=st.integers(1, 12),
    cap=st.integers(0, 4),
    # A length drawn first: hypothesis' lists are short on average, and the orders worth
    # finding (a walk-in passed, called, back in line) take a dozen steps.
    ops=st.integers(0, 60).flatmap(lambda n: st.lists(OPS, min_size=n, max_size=n)),
)
def test_every_sequence_of_operations_keeps_the_rules(
    max_length: int, cap: int, ops: list[tuple[str, int]]
) -> None:
    driver = Driver(max_length, cap)
    for op in ops:
        driver.apply(op)


def test_a_caller_skips_the_people_they_may_not_call_who_keep_their_place():
    """Blocked either way with the caller: passed over for the next, first for everyone else."""
    line = Line()
    for ticket in (1, 2, 3):
        line.join(ticket, appointment=False, max_length=10, overtake_cap=2)
    called = line.call(skip={1, 2})
    assert called is not None and called.ticket == 3
    assert line.tickets() == [1, 2]
    assert line.call(skip={1, 2}) is None
    again = line.call()
    assert again is not None and again.ticket == 1
