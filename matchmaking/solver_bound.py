"""Upper bounds for the scheduler, and the shared reading of an instance they start from.

Pure: no I/O. Two bounds, both max flows (OR-Tools' `SimpleMaxFlow`, well under a second at
2,000 attendees × 300 exhibitors × 12 slots):

- **people**: attendee → (exhibitor, slot) seat → sink, an attendee with capacity 1, a seat
  with what the exhibitor has left in that slot after the fixed meetings. Giving each
  attendee at most one meeting is always possible within any schedule, and any such flow is a
  valid schedule (one meeting per person never double-books them), so the max flow is *exactly*
  the most attendees who can each have a meeting (plus those a fixed meeting already covers).
  Its flow is also a schedule, which the solver starts from.

- **meetings**: attendee → exhibitor (one arc per open request, capacity 1: a pair meets once)
  with an attendee's capacity = the slots they could still meet in (free, and some requested
  exhibitor has a seat left then), and an exhibitor's capacity = Σ over its slots of
  min(seats left, requesters who could meet then). Any schedule's open meetings are a flow
  here, so max flow + fixed meetings bounds the meetings of every schedule. It forgets *which*
  slot each meeting takes (the cut that would need the full pair × slot model), and is tight
  when the scarce resource is exhibitors' seats, as in real expos (popular booths are booked
  out, see docs/matchmaking.md). The solver may lower it further with its exact placement
  model's own bound.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.graph.python import max_flow  # type: ignore[import-untyped]  # no stubs

from matchmaking.solver_model import Instance, Meeting


@dataclass(slots=True)
class Prepared:
    """The instance as the solver sees it: what fixed meetings took, and every open request
    with the slots it could still take (free for the attendee, in both availabilities, a seat
    left after fixed meetings)."""

    instance: Instance
    fixed_pairs: set[tuple[str, str]]
    busy: dict[str, set[int]]  # attendee -> slots taken by fixed meetings
    seats_left: dict[tuple[str, int], int]  # (exhibitor, slot) -> seats after fixed meetings
    open_pairs: list[tuple[str, str]]  # requests not fixed, with at least one possible slot
    common: dict[tuple[str, str], tuple[int, ...]]  # pair -> possible slots, earliest first
    askers: set[str]  # attendees with at least one request (fixed or open)


def prepare(instance: Instance) -> Prepared:
    att = instance.attendee_map()
    exh = instance.exhibitor_map()
    busy: dict[str, set[int]] = defaultdict(set)
    used: dict[tuple[str, int], int] = defaultdict(int)
    for m in instance.fixed:
        busy[m.attendee].add(m.slot)
        used[(m.exhibitor, m.slot)] += 1
    seats_left = {
        (e.id, s): e.capacity - used.get((e.id, s), 0)
        for e in instance.exhibitors
        for s in e.available
    }
    fixed_pairs = {m.pair for m in instance.fixed}
    common: dict[tuple[str, str], tuple[int, ...]] = {}
    open_pairs: list[tuple[str, str]] = []
    for a, e in instance.requests:
        if (a, e) in fixed_pairs:
            continue
        taken = busy.get(a, set())
        slots = tuple(
            sorted(
                s
                for s in att[a].available & exh[e].available
                if s not in taken and seats_left.get((e, s), 0) > 0
            )
        )
        if slots:
            common[(a, e)] = slots
            open_pairs.append((a, e))
    askers = {a for a, _ in instance.requests} | {m.attendee for m in instance.fixed}
    return Prepared(instance, fixed_pairs, dict(busy), seats_left, open_pairs, common, askers)


def people_flow(prep: Prepared) -> tuple[int, list[Meeting]]:
    """The most attendees who can each have at least one meeting (exact), and one meeting for
    each attendee a max flow covers who no fixed meeting covers already."""
    covered = {m.attendee for m in prep.instance.fixed}
    flow = max_flow.SimpleMaxFlow()
    nodes: dict[object, int] = {}

    def node(key: object) -> int:
        n = nodes.get(key)
        if n is None:
            n = nodes[key] = len(nodes)
        return n

    source, sink = node("source"), node("sink")
    pair_arcs: list[tuple[int, str, str, int]] = []
    seat_nodes: set[tuple[str, int]] = set()
    for a, e in prep.open_pairs:
        if a in covered:
            continue
        an = node(("a", a))
        for s in prep.common[(a, e)]:
            pair_arcs.append((flow.add_arc_with_capacity(an, node(("x", e, s)), 1), a, e, s))
            seat_nodes.add((e, s))
    for a in {a for _, a, _, _ in pair_arcs}:
        flow.add_arc_with_capacity(source, nodes[("a", a)], 1)
    for e, s in seat_nodes:
        flow.add_arc_with_capacity(nodes[("x", e, s)], sink, prep.seats_left[(e, s)])
    if not pair_arcs:
        return len(covered), []
    status = flow.solve(source, sink)
    if status != flow.OPTIMAL:  # pragma: no cover - a max flow on integers always solves
        raise RuntimeError(f"max flow failed: {status}")
    chosen = [Meeting(a, e, s) for arc, a, e, s in pair_arcs if flow.flow(arc) > 0]
    return len(covered) + len(chosen), chosen


def meetings_bound(prep: Prepared) -> int:
    """No schedule (keeping the fixed meetings) has more meetings than this; see the module."""
    exh_slots: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    att_slots: dict[str, set[int]] = defaultdict(set)
    for a, e in prep.open_pairs:
        for s in prep.common[(a, e)]:
            exh_slots[e][s] += 1  # requesters who could meet e in s
            att_slots[a].add(s)
    flow = max_flow.SimpleMaxFlow()
    index: dict[object, int] = {"source": 0, "sink": 1}

    def node(key: object) -> int:
        n = index.get(key)
        if n is None:
            n = index[key] = len(index)
        return n

    for a, slots in att_slots.items():
        flow.add_arc_with_capacity(0, node(("a", a)), len(slots))
    for e, per_slot in exh_slots.items():
        cap = sum(min(prep.seats_left[(e, s)], n) for s, n in per_slot.items())
        flow.add_arc_with_capacity(node(("e", e)), 1, cap)
    for a, e in prep.open_pairs:
        flow.add_arc_with_capacity(index[("a", a)], index[("e", e)], 1)
    if not prep.open_pairs:
        return len(prep.instance.fixed)
    status = flow.solve(0, 1)
    if status != flow.OPTIMAL:  # pragma: no cover
        raise RuntimeError(f"max flow failed: {status}")
    return len(prep.instance.fixed) + int(flow.optimal_flow())
