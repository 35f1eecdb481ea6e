"""The optimal scheduler: place accepted requests in slots, most people first, then most meetings.

Pure: no I/O (the app runs it in a worker thread, the CLI on a file). Objective, in order:
1. the most attendees (who asked) with at least one meeting,
2. then the most meetings,
keeping every fixed (already confirmed) meeting where it is. A meeting needs a request between
the two and a slot in both availabilities; an attendee has at most one meeting per slot, an
exhibitor at most `capacity`, a pair meets once.

One model of every (pair, slot) is known to stall at expo size, so it is decomposed
(docs/matchmaking.md has the measurements):

1. **people** — a max flow gives exactly the most attendees who can each have one meeting,
   with a meeting for each (solver_bound.people_flow). Nothing later removes an attendee's
   only meeting, so objective 1 is optimal from here on.
2. **bound** — a second max flow bounds the number of meetings (solver_bound.meetings_bound).
3. **greedy + repair** — the remaining requests are placed round-robin over attendees (so
   meetings spread), each in its earliest possible slot; a request with no free slot is placed
   by moving one or two meetings already placed to other slots free for them (an augmenting
   chain, depth-limited); the people step's meetings may move but are never dropped.
4. **exact placement** — only when greedy falls short of the bound, and time is left: CP-SAT
   over (pair, slot) for the open requests, hinted with the greedy schedule, every covered
   attendee kept covered; its own proven bound lowers the upper bound.

The result is "optimal" only when its meetings equal the (lowest) upper bound.

`repair` re-offers the seats a cancellation frees, moving no other meeting.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from ortools.sat.python import cp_model

from matchmaking.solver_bound import Prepared, meetings_bound, people_flow, prepare
from matchmaking.solver_model import Instance, Meeting, Solution

Progress = Callable[[str, float], None]  # (phase, percent done 0..100)
Pair = tuple[str, str]
REPAIR_DEPTH = 2  # meetings moved in one chain to make room; deeper chains rarely pay here
TRADE_CANDIDATES = 40  # attendees waiting for a booth tried for a seat a trade frees


class Board:
    """The schedule being built: who is busy when, which seats are taken, where each pair is."""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.att: dict[str, dict[int, Pair | None]] = defaultdict(dict)  # None: a fixed meeting
        self.seats: dict[tuple[str, int], list[str]] = defaultdict(list)  # open meetings only
        self.placed: dict[Pair, int] = {}
        # Seats an exhibitor has in all its slots, and how many are taken: a booth booked out
        # in every slot cannot take a request however meetings move, so no chain is tried.
        self.room: dict[str, int] = defaultdict(int)
        self.hosting: dict[str, int] = defaultdict(int)
        for (e, _), n in prep.seats_left.items():
            self.room[e] += max(0, n)
        for a, slots in prep.busy.items():
            for s in slots:
                self.att[a][s] = None

    def fits(self, pair: Pair, slot: int) -> bool:
        a, e = pair
        return (
            slot not in self.att[a] and len(self.seats[(e, slot)]) < self.prep.seats_left[(e, slot)]
        )

    def put(self, pair: Pair, slot: int) -> None:
        a, e = pair
        self.att[a][slot] = pair
        self.seats[(e, slot)].append(a)
        self.placed[pair] = slot
        self.hosting[e] += 1

    def take(self, pair: Pair) -> int:
        a, e = pair
        slot = self.placed.pop(pair)
        del self.att[a][slot]
        self.seats[(e, slot)].remove(a)
        self.hosting[e] -= 1
        return slot

    def place(self, pair: Pair, depth: int, locked: set[Pair]) -> bool:
        """Place `pair` in its earliest free slot, or make room by moving up to `depth`
        meetings along a chain (never one in `locked`, the chain so far)."""
        slots = self.prep.common[pair]
        for s in slots:
            if self.fits(pair, s):
                self.put(pair, s)
                return True
        a, e = pair
        if depth == 0 or self.hosting[e] >= self.room[e]:
            return False
        locked = locked | {pair}
        for s in slots:
            full = len(self.seats[(e, s)]) >= self.prep.seats_left[(e, s)]
            blockers: list[Pair]
            if s in self.att[a]:
                mine = self.att[a][s]
                if mine is None or full:
                    continue  # a fixed meeting, or both sides blocked: not by one move
                blockers = [mine]
            else:
                blockers = [(other, e) for other in list(self.seats[(e, s)])]
            for blocker in blockers:
                if blocker in locked:
                    continue
                self.take(blocker)
                self.put(pair, s)
                if self.place(blocker, depth - 1, locked):
                    return True
                self.take(pair)
                self.put(blocker, s)
        return False

    def meetings(self) -> list[Meeting]:
        return [Meeting(a, e, s) for (a, e), s in self.placed.items()]


def _swaps(board: Board, waiting: list[Pair], deadline: float) -> None:
    """One more meeting by a trade greedy cannot see: attendee a, booked in every slot it
    could use, waits for exhibitor e1 who has a seat in slot s where a meets e2; a meets e1
    in s instead, and e2's seat in s goes to a3, who waits for e2 and is free in s. Repeated
    until no trade is found (each adds one meeting and removes none from anybody who had only
    one: a still meets e1)."""
    wants: dict[str, set[str]] = defaultdict(set)  # exhibitor -> attendees waiting for it
    for a, e in waiting:
        if (a, e) not in board.placed:
            wants[e].add(a)
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for pair in waiting:
            if pair in board.placed:
                continue
            a, e1 = pair
            if board.place(pair, REPAIR_DEPTH, set()) or _trade(board, pair, wants):
                wants[e1].discard(a)
                improved = True
            if time.monotonic() >= deadline:
                return


def _trade(board: Board, pair: Pair, wants: dict[str, set[str]]) -> bool:
    a, e1 = pair
    prep = board.prep
    for s in prep.common[pair]:
        mine = board.att[a].get(s)
        if mine is None or len(board.seats[(e1, s)]) >= prep.seats_left[(e1, s)]:
            continue  # a is free in s (greedy would have placed it), fixed there, or e1 is full
        e2 = mine[1]
        for a3 in wants[e2]:  # someone waiting for e2 and free in s: a plain swap
            other = (a3, e2)
            if s not in board.att[a3] and other not in board.placed and s in prep.common[other]:
                board.take(mine)
                board.put(pair, s)
                board.put(other, s)
                wants[e2].discard(a3)
                wants[e2].add(a)
                return True
        board.take(mine)
        board.put(pair, s)
        # e2's seat in s is free now: someone waiting for e2 takes it, or any other of e2's
        # seats, by a short chain if need be (TRADE_CANDIDATES of them tried).
        for a3 in list(wants[e2])[:TRADE_CANDIDATES]:
            other = (a3, e2)
            if other not in board.placed and board.place(other, 1, {pair}):
                wants[e2].discard(a3)
                wants[e2].add(a)
                return True
        board.take(pair)
        board.put(mine, s)
    return False


def _round_robin(prep: Prepared, skip: set[Pair]) -> list[Pair]:
    """Open requests in the order greedy tries them: each attendee's first, then each one's
    second...; within an attendee, the least asked-for exhibitor first (a popular booth's seats
    are wanted by others too)."""
    demand: dict[str, int] = defaultdict(int)
    for _, e in prep.open_pairs:
        demand[e] += 1
    mine: dict[str, list[Pair]] = defaultdict(list)
    for pair in prep.open_pairs:
        if pair not in skip:
            mine[pair[0]].append(pair)
    for pairs in mine.values():
        pairs.sort(key=lambda p: (demand[p[1]], len(prep.common[p])))
    order: list[Pair] = []
    rank = 0
    while True:
        row = [pairs[rank] for pairs in mine.values() if rank < len(pairs)]
        if not row:
            return order
        order.extend(row)
        rank += 1


def _exact(
    prep: Prepared, board: Board, bound: int, deadline: float
) -> tuple[list[Meeting] | None, int]:
    """CP-SAT over (pair, slot), hinted with the board; every attendee the board covers stays
    covered. Returns a better schedule (or None) and the proven bound on meetings."""
    model = cp_model.CpModel()
    x: dict[tuple[Pair, int], cp_model.IntVar] = {}
    by_att_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    by_seat: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    by_att: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for pair in prep.open_pairs:
        a, e = pair
        here = []
        for s in prep.common[pair]:
            v = model.new_bool_var("")
            x[(pair, s)] = v
            here.append(v)
            by_att_slot[(a, s)].append(v)
            by_seat[(e, s)].append(v)
            by_att[a].append(v)
            model.add_hint(v, board.placed.get(pair) == s)
        model.add_at_most_one(here)
    for vs in by_att_slot.values():
        if len(vs) > 1:
            model.add_at_most_one(vs)
    for (e, s), vs in by_seat.items():
        if len(vs) > prep.seats_left[(e, s)]:
            model.add(sum(vs) <= prep.seats_left[(e, s)])
    for a in {a for a, _ in board.placed}:
        model.add_bool_or(by_att[a])  # objective 1 already optimal: keep it
    fixed = len(prep.instance.fixed)
    total = sum(x.values())
    model.add(total <= bound - fixed)  # so reaching the flow bound ends the search at once
    model.maximize(total)
    solver = cp_model.CpSolver()
    # Building the model takes seconds at expo size: the solver gets what is left of the run.
    left = deadline - time.monotonic()
    if left < 0.5:
        return None, bound
    solver.parameters.max_time_in_seconds = left
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, bound
    proven = min(bound, fixed + int(solver.best_objective_bound + 1e-6))
    if solver.objective_value <= len(board.placed):
        return None, proven
    found = [Meeting(p[0], p[1], s) for (p, s), v in x.items() if solver.boolean_value(v)]
    return found, proven


def solve(instance: Instance, time_limit: float = 60, progress: Progress | None = None) -> Solution:
    started = time.monotonic()
    report = progress or (lambda phase, percent: None)
    phases: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.monotonic()
        phases[name] = now - since
        return now

    t = started
    report("prepare", 0)
    prep = prepare(instance)
    t = lap("prepare", t)
    report("people", 5)
    people, cover = people_flow(prep)
    t = lap("people", t)
    report("bound", 15)
    bound = meetings_bound(prep)
    t = lap("bound", t)

    board = Board(prep)
    for m in cover:
        board.put(m.pair, m.slot)
    order = _round_robin(prep, set(board.placed))
    report("greedy", 25)
    step = max(1, len(order) // 20)
    deadline = started + time_limit
    for i, pair in enumerate(order):
        depth = REPAIR_DEPTH if time.monotonic() < deadline else 0
        board.place(pair, depth, set())
        if i % step == 0:
            report("greedy", 25 + 45 * i / max(1, len(order)))
    t = lap("greedy", t)
    if len(instance.fixed) + len(board.placed) < bound:
        report("trade", 65)
        _swaps(board, order, deadline)
        t = lap("trade", t)

    meetings = list(instance.fixed) + board.meetings()
    left = deadline - time.monotonic()
    if len(meetings) < bound and left > 1:
        report("exact", 70)
        better, bound = _exact(prep, board, bound, deadline - 0.5)
        if better is not None:
            meetings = list(instance.fixed) + better
        t = lap("exact", t)
    report("done", 100)
    covered = {m.attendee for m in meetings}
    return Solution(
        meetings=meetings,
        upper_bound=bound,
        people_bound=people,
        attendees_without_meeting=len(prep.askers - covered),
        seconds=time.monotonic() - started,
        status="optimal" if len(meetings) >= bound else "feasible",
        phases=phases,
    )


def repair(instance: Instance, solution: Solution, cancelled: Iterable[Meeting]) -> Solution:
    """After `cancelled` meetings are called off, offer the seats and hours they free to the
    requests still waiting, moving no other meeting. Attendees with no meeting go first, then
    those with the fewest. A cancelled pair is not placed again (they called it off)."""
    started = time.monotonic()
    gone = set(cancelled)
    gone_pairs = {m.pair for m in gone}
    kept = [m for m in solution.meetings if m not in gone]
    att = instance.attendee_map()
    exh = instance.exhibitor_map()
    busy: dict[str, set[int]] = defaultdict(set)
    count: dict[str, int] = defaultdict(int)
    seats: dict[tuple[str, int], int] = defaultdict(int)
    for m in kept:
        busy[m.attendee].add(m.slot)
        count[m.attendee] += 1
        seats[(m.exhibitor, m.slot)] += 1
    met = {m.pair for m in kept}
    # Only requests that touch a freed seat or a freed hour can fit now (the rest did not fit
    # before, and nothing else changed).
    people = {m.attendee for m in gone}
    booths = {m.exhibitor for m in gone}
    waiting = [
        (a, e)
        for a, e in instance.requests
        if (a in people or e in booths) and (a, e) not in met and (a, e) not in gone_pairs
    ]
    waiting.sort(key=lambda p: count[p[0]])
    added: list[Meeting] = []
    for a, e in waiting:
        for s in sorted(att[a].available & exh[e].available - busy[a]):
            if seats[(e, s)] < exh[e].capacity:
                busy[a].add(s)
                count[a] += 1
                seats[(e, s)] += 1
                added.append(Meeting(a, e, s))
                break
    meetings = kept + added
    askers = {a for a, _ in instance.requests} | {m.attendee for m in instance.fixed}
    covered = {m.attendee for m in meetings}
    return Solution(
        meetings=meetings,
        upper_bound=solution.upper_bound,  # a bound for the instance, still true
        people_bound=solution.people_bound,
        attendees_without_meeting=len(askers - covered),
        seconds=time.monotonic() - started,
        status="feasible",
        phases={"repair": time.monotonic() - started},
    )
