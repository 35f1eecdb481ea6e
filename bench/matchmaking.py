"""The matchmaking scheduler on seeded synthetic expos: instant placement vs the optimal scheduler.

For each instance (seeded; default 2,000 attendees, 300 exhibitors, 12 slots, Zipf-skewed
popularity of exhibitors, ~6 accepted requests per attendee, 1-3 seats per exhibitor, each
attendee free in 60-100 % of the slots) the bench reports:

  bound      the upper bound on meetings (max flow) and the exact most people with a meeting;
  instant    placement at accept time, simulated: requests in the order they were accepted,
             each in the earliest common slot with a free seat, or left unplaced
             (what matchmaking.placement_store does live): meetings as % of the bound, people
             who asked and have none;
  optimal    matchmaking.solver.solve: % of the bound, people with none, seconds, status;
  repair     after cancelling --cancel random meetings of the optimal schedule, the time to
             re-offer the freed seats (matchmaking.solver.repair) and the meetings it added;
             it is checked to move no untouched meeting.

Targets (issue 11): optimal within 0.1 % of the bound in <= 60 s with nobody left without a
meeting wherever feasible; instant >= 95 % of the bound; repair <= 2 s.

    PYTHONPATH=. python bench/matchmaking.py                 # the default expo, 3 seeds
    PYTHONPATH=. python bench/matchmaking.py --attendees 500 --exhibitors 80 --seeds 1
    PYTHONPATH=. python bench/matchmaking.py --skew 1.4 --requests 8   # more skewed, busier

Results go to stdout and bench/results/matchmaking.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path and its own name (matchmaking)
# would hide the package it measures.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

from matchmaking.solver import repair, solve  # noqa: E402
from matchmaking.solver_bound import meetings_bound, people_flow, prepare  # noqa: E402
from matchmaking.solver_model import (  # noqa: E402
    Attendee,
    Exhibitor,
    Instance,
    Meeting,
    make_instance,
    violations,
)

RESULTS = Path(__file__).parent / "results" / "matchmaking.json"


def synthetic(
    seed: int,
    attendees: int,
    exhibitors: int,
    slots: int,
    skew: float,
    requests: float,
    seats: tuple[int, int],
) -> Instance:
    """A seeded expo: exhibitor k is asked for with weight 1/(k+1)^skew (a few booths everyone
    wants, a long tail); each attendee asks 1..2×`requests` distinct exhibitors (mean
    `requests`), is free in a random 60-100 % of the slots; exhibitors are free in 80-100 %."""
    rng = random.Random(seed)
    every = list(range(slots))
    exh = [
        Exhibitor(
            f"x{k}",
            rng.randint(*seats),
            frozenset(rng.sample(every, max(1, round(slots * rng.uniform(0.8, 1.0))))),
        )
        for k in range(exhibitors)
    ]
    weights = [1 / (k + 1) ** skew for k in range(exhibitors)]
    att = []
    pairs: list[tuple[str, str]] = []
    for i in range(attendees):
        a = f"p{i}"
        att.append(
            Attendee(a, frozenset(rng.sample(every, max(1, round(slots * rng.uniform(0.6, 1.0))))))
        )
        want = rng.randint(1, max(1, round(2 * requests - 1)))
        chosen: set[int] = set()
        while len(chosen) < min(want, exhibitors):
            chosen.update(rng.choices(range(exhibitors), weights, k=want - len(chosen)))
        pairs.extend((a, f"x{k}") for k in chosen)
    rng.shuffle(pairs)  # the order requests were accepted in
    return make_instance(slots, att, exh, pairs, [])


def instant(instance: Instance) -> list[Meeting]:
    """Accept-time placement: each request, in order, in the earliest common slot where the
    attendee is free and the exhibitor has a seat; else it waits (unplaced)."""
    att = instance.attendee_map()
    exh = instance.exhibitor_map()
    busy: dict[str, set[int]] = defaultdict(set)
    seats: dict[tuple[str, int], int] = defaultdict(int)
    out: list[Meeting] = []
    for a, e in instance.requests:
        for s in sorted(att[a].available & exh[e].available - busy[a]):
            if seats[(e, s)] < exh[e].capacity:
                busy[a].add(s)
                seats[(e, s)] += 1
                out.append(Meeting(a, e, s))
                break
    return out


def pct(n: int, bound: int) -> float:
    return round(100 * n / bound, 3) if bound else 100.0


def run_one(args: argparse.Namespace, seed: int) -> dict[str, Any]:
    inst = synthetic(
        seed, args.attendees, args.exhibitors, args.slots, args.skew, args.requests,
        (args.min_seats, args.max_seats),
    )  # fmt: skip
    askers = {a for a, _ in inst.requests}
    t = time.perf_counter()
    prep = prepare(inst)
    people_max, _ = people_flow(prep)
    bound = meetings_bound(prep)
    bound_s = time.perf_counter() - t
    fast = instant(inst)
    sol = solve(inst, time_limit=args.time_limit, progress=None)
    broken = violations(inst, sol.meetings)
    assert not broken, broken[:5]
    rng = random.Random(seed + 1)
    cancelled = rng.sample(sol.meetings, min(args.cancel, len(sol.meetings)))
    fixed_inst = make_instance(
        inst.slots, list(inst.attendees), list(inst.exhibitors), list(inst.requests), []
    )
    t = time.perf_counter()
    repaired = repair(fixed_inst, sol, cancelled)
    repair_s = time.perf_counter() - t
    untouched = set(sol.meetings) - set(cancelled)
    assert untouched <= set(repaired.meetings), "repair moved a meeting"
    assert not violations(inst, repaired.meetings)
    row = {
        "seed": seed,
        "attendees": len(inst.attendees),
        "exhibitors": len(inst.exhibitors),
        "slots": inst.slots,
        "requests": len(inst.requests),
        "askers": len(askers),
        "bound": {
            "meetings": bound,
            "meetings_final": sol.upper_bound,
            "people_with_a_meeting": people_max,
            "seconds": round(bound_s, 3),
        },
        "instant": {
            "meetings": len(fast),
            "pct_of_bound": pct(len(fast), sol.upper_bound),
            "people_with_none": len(askers - {m.attendee for m in fast}),
        },
        "optimal": {
            "meetings": len(sol.meetings),
            "pct_of_bound": pct(len(sol.meetings), sol.upper_bound),
            "people_with_none": sol.attendees_without_meeting,
            "people_with_none_at_best": len(askers) - people_max,
            "seconds": round(sol.seconds, 3),
            "status": sol.status,
            "phases": {k: round(v, 3) for k, v in sol.phases.items()},
        },
        "repair": {
            "cancelled": len(cancelled),
            "added": len(repaired.meetings) - len(untouched),
            "seconds": round(repair_s, 4),
        },
    }
    return row


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--attendees", type=int, default=2000)
    p.add_argument("--exhibitors", type=int, default=300)
    p.add_argument("--slots", type=int, default=12)
    p.add_argument("--skew", type=float, default=1.0, help="Zipf exponent of popularity")
    p.add_argument("--requests", type=float, default=6.0, help="mean requests per attendee")
    p.add_argument("--min-seats", type=int, default=1)
    p.add_argument("--max-seats", type=int, default=3)
    p.add_argument("--seeds", type=int, default=3, help="instances (seeds 1..N)")
    p.add_argument("--time-limit", type=float, default=60)
    p.add_argument("--cancel", type=int, default=50, help="meetings cancelled before repair")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args()
    rows = []
    for seed in range(1, args.seeds + 1):
        print(f"expo: instance {seed}/{args.seeds}", file=sys.stderr)
        row = run_one(args, seed)
        rows.append(row)
        b, i, o, r = row["bound"], row["instant"], row["optimal"], row["repair"]
        print(
            f"seed {seed}: {row['requests']} requests, bound {b['meetings_final']} meetings "
            f"(flow {b['meetings']}), {b['people_with_a_meeting']}/{row['askers']} people at best"
            " | "
            f"instant {i['meetings']} = {i['pct_of_bound']}%, {i['people_with_none']} with none | "
            f"optimal {o['meetings']} = {o['pct_of_bound']}%, {o['people_with_none']} with none, "
            f"{o['seconds']} s, {o['status']} | repair {r['seconds'] * 1000:.1f} ms, "
            f"+{r['added']} of {r['cancelled']}"
        )
    result = {
        "bench": "matchmaking",
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "instances": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
