"""The optimal scheduler on small instances, against brute force and an independent validator."""

from __future__ import annotations

import itertools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaking.solver import repair, solve
from matchmaking.solver_bound import meetings_bound, people_flow, prepare
from matchmaking.solver_model import (
    Attendee,
    Exhibitor,
    Instance,
    Meeting,
    make_instance,
    violations,
)


def _valid(inst: Instance, meetings: list[Meeting]) -> bool:
    return not violations(inst, meetings)


def brute_force(inst: Instance) -> tuple[int, int]:
    """The best (people with a meeting, meetings) by trying every slot (or none) per request."""
    att, exh = inst.attendee_map(), inst.exhibitor_map()
    fixed_pairs = {m.pair for m in inst.fixed}
    pairs = [p for p in inst.requests if p not in fixed_pairs]
    options = [[None, *sorted(att[a].available & exh[e].available)] for a, e in pairs]
    best = (-1, -1)
    for choice in itertools.product(*options):
        ms = list(inst.fixed) + [
            Meeting(a, e, s) for (a, e), s in zip(pairs, choice, strict=True) if s is not None
        ]
        if _valid(inst, ms):
            best = max(best, (len({m.attendee for m in ms}), len(ms)))
    return best


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    slots = draw(st.integers(1, 3))
    n_a, n_e = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    every = list(range(slots))
    subset = st.lists(st.sampled_from(every), max_size=slots, unique=True).map(frozenset)
    atts = [Attendee(f"a{i}", draw(subset)) for i in range(n_a)]
    exhs = [Exhibitor(f"e{j}", draw(st.integers(0, 2)), draw(subset)) for j in range(n_e)]
    all_pairs = [(a.id, e.id) for a in atts for e in exhs]
    reqs = draw(st.lists(st.sampled_from(all_pairs), max_size=6, unique=True))
    # Fixed meetings: some requests already confirmed in a valid slot, added one by one while
    # they stay valid (capacity and the attendee's hour).
    fixed: list[Meeting] = []
    rng = random.Random(draw(st.integers(0, 10**6)))
    for a, e in reqs:
        if rng.random() < 0.25:
            s = rng.randrange(slots)
            trial = [*fixed, Meeting(a, e, s)]
            probe = make_instance(slots, atts, exhs, reqs, [])
            seats = sum(1 for m in trial if (m.exhibitor, m.slot) == (e, s))
            if (
                not any(m.attendee == a and m.slot == s for m in fixed)
                and seats <= probe.exhibitor_map()[e].capacity
            ):
                fixed = trial
    return make_instance(slots, atts, exhs, reqs, fixed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_matches_brute_force(inst: Instance) -> None:
    sol = solve(inst, time_limit=5)
    assert violations(inst, sol.meetings) == []
    people = len({m.attendee for m in sol.meetings})
    best_people, best_meetings = brute_force(inst)
    assert people == best_people  # first objective: exact
    assert len(sol.meetings) <= sol.upper_bound
    assert best_meetings <= sol.upper_bound  # the bound bounds every schedule
    assert sol.people_bound == best_people
    if sol.status == "optimal":
        assert len(sol.meetings) == best_meetings == sol.upper_bound
    # Small instances always close the gap (greedy or the exact step).
    assert len(sol.meetings) == best_meetings
    askers = {a for a, _ in inst.requests} | {m.attendee for m in inst.fixed}
    assert sol.attendees_without_meeting == len(askers) - people
    assert set(inst.fixed) <= set(sol.meetings)


@settings(max_examples=100, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_repair_moves_nothing_untouched(inst: Instance, rng: random.Random) -> None:
    sol = solve(inst, time_limit=5)
    cancelled = [m for m in sol.meetings if m not in inst.fixed and rng.random() < 0.5]
    fixed_kept = make_instance(
        inst.slots,
        list(inst.attendees),
        list(inst.exhibitors),
        list(inst.requests),
        list(inst.fixed),
    )
    after = repair(fixed_kept, sol, cancelled)
    untouched = set(sol.meetings) - set(cancelled)
    assert untouched <= set(after.meetings)
    assert violations(inst, after.meetings) == []
    assert not {m.pair for m in cancelled} & {m.pair for m in after.meetings}
    assert len(after.meetings) <= after.upper_bound


def test_repair_offers_the_freed_seat_to_someone_waiting() -> None:
    one = frozenset({0})
    inst = make_instance(
        1,
        [Attendee("a", one), Attendee("b", one)],
        [Exhibitor("x", 1, one)],
        [("a", "x"), ("b", "x")],
        [],
    )
    sol = solve(inst, time_limit=5)
    assert len(sol.meetings) == 1 and sol.status == "optimal"
    after = repair(inst, sol, sol.meetings)
    waiting = "b" if sol.meetings[0].attendee == "a" else "a"
    assert after.meetings == [Meeting(waiting, "x", 0)]


def test_people_first_then_meetings() -> None:
    # x has one seat in each of two slots. Greedy by meetings alone could give a both slots;
    # people first gives b one of them.
    both = frozenset({0, 1})
    inst = make_instance(
        2,
        [Attendee("a", both), Attendee("b", frozenset({1}))],
        [Exhibitor("x", 1, both), Exhibitor("y", 1, both)],
        [("a", "x"), ("a", "y"), ("b", "x")],
        [],
    )
    sol = solve(inst, time_limit=5)
    assert sol.attendees_without_meeting == 0
    assert Meeting("b", "x", 1) in sol.meetings
    assert len(sol.meetings) == 3 and sol.status == "optimal"


def test_fixed_meetings_stay_even_outside_availability() -> None:
    inst = make_instance(
        2,
        [Attendee("a", frozenset({1}))],
        [Exhibitor("x", 1, frozenset({1}))],
        [("a", "x")],
        [Meeting("a", "x", 0)],
    )
    sol = solve(inst, time_limit=5)
    assert sol.meetings == [Meeting("a", "x", 0)]  # the pair meets once: not again in slot 1
    assert sol.upper_bound == 1 and sol.status == "optimal"


def test_bound_and_solution_on_a_seeded_random_expo() -> None:
    rng = random.Random(7)
    every = list(range(6))
    atts = [Attendee(f"a{i}", frozenset(rng.sample(every, rng.randint(2, 6)))) for i in range(60)]
    exhs = [
        Exhibitor(f"e{j}", rng.randint(1, 2), frozenset(rng.sample(every, 5))) for j in range(12)
    ]
    reqs = list({(a.id, f"e{min(int(rng.expovariate(0.4)), 11)}") for a in atts for _ in range(4)})
    inst = make_instance(6, atts, exhs, reqs, [])
    prep = prepare(inst)
    people, cover = people_flow(prep)
    assert violations(inst, cover) == []
    assert len({m.attendee for m in cover}) == len(cover) == people
    sol = solve(inst, time_limit=10)
    assert violations(inst, sol.meetings) == []
    assert len(sol.meetings) <= sol.upper_bound <= meetings_bound(prep)
    assert len({m.attendee for m in sol.meetings}) == people
