"""The control room's second, at the expo's size: nine stages and 300 booths.

One command: `PYTHONPATH=. python bench/control.py`. It composes the figures of one second
(control/figures.py `compose`, what the aggregating process does after its reads) from facts
for nine live stages with nginx's statistics and three processes' reports, and a hall of 300
booths in ten industries with 300 queues, and measures what the page receives each second: the
size of the `control.figures` data (JSON, as sent) and the time to compose it. The baseline in
the same run is the same figures with the hall sent the naive way, a row per booth (its
staff, visitors and queue), which is what a page would get without the sections and the ten
longest waits. Figures go to bench/results/control-<time>.json.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

# Run as a script, this folder comes first on the path, where a bench named like one of the
# platform's packages (bench/matchmaking.py) would be imported in its place.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from control.config import ControlConfig  # noqa: E402
from control.figures import Facts, Memory, compose  # noqa: E402
from control.reports import Report  # noqa: E402
from control.store import Booth, Room, Session  # noqa: E402
from matchmaking.control_figures import QueueFigure, QueueTotals  # noqa: E402
from streams.public import RoomAir  # noqa: E402
from streams.stat import StreamStat  # noqa: E402

STAGES = 9
BOOTHS = 300
INDUSTRIES = 10
ROUNDS = 300  # seconds composed, each timed
NOW = datetime(2026, 5, 26, 10, 30, tzinfo=UTC)


def expo_facts(second: int) -> Facts:
    minute = timedelta(minutes=1)
    rooms = [
        Room(i, f"room-{i}", "stage" if i == 1 else "forum", f"会场{i}号", f"Room {i}")
        for i in range(1, STAGES + 1)
    ]
    sessions = {
        r.id: [
            Session(100 * r.id + k, r.id, NOW + (60 * k - 30) * minute,
                    NOW + (60 * k + 30) * minute, f"场次{k}", f"Session {k}")
            for k in range(6)
        ]
        for r in rooms
    }  # fmt: skip
    airs = {
        r.id: RoomAir(r.id, r.slug, "live", NOW - 20 * minute, None, "main", 3, external=False)
        for r in rooms
    }
    stat = {
        r.slug: StreamStat(r.slug, 2500.0 - second % 7, 2350.0, 128.0, 25.0, 1280, 720, "H264",
                           1200.0 + second, True)
        for r in rooms
    }  # fmt: skip
    counts = {"chat": {str(r.id): {"60": 40 + second % 5, "600": 400} for r in rooms}}
    reports = [Report(f"host:{p}:x", 0.4, {"sockets": 3000, "counts": counts}) for p in range(3)]
    booths = [
        Booth(b, f"展商{b}", f"Exhibitor {b}", f"industry-{b % INDUSTRIES}")
        for b in range(1, BOOTHS + 1)
    ]
    queues = [
        QueueFigure(b.id, b.id % 17, NOW - timedelta(seconds=b.id * 7), "open") for b in booths
    ]
    longest = sorted(queues, key=lambda q: q.waiting_since)[:10]
    return Facts(
        now=NOW + timedelta(seconds=second),
        mono=float(second),
        rooms=rooms,
        airs=airs,
        sessions=sessions,
        open_polls={r.id: 1 for r in rooms},
        stat=stat,
        viewers={r.id: 1500 + second % 13 for r in rooms},
        peaks={r.id: 2000 for r in rooms},
        reports=reports,
        booths=booths,
        visitors={b.id: b.id % 9 for b in booths},
        staff={b.id: b.id % 3 for b in booths},
        queues=QueueTotals(sum(q.length for q in queues), len(queues), longest),
        meetings_now=42,
        leader="host:0:x",
    )


def per_booth_rows(facts: Facts) -> list[dict[str, Any]]:
    """The naive hall: a row per booth, with its queue."""
    by_booth = {q.exhibitor_id: q for q in (facts.queues.longest or [])}
    return [
        {
            "exhibitor": b.id,
            "name": {"zh": b.name_zh, "en": b.name_en},
            "industry": b.industry,
            "staff_online": facts.staff.get(b.id, 0),
            "visitors": facts.visitors.get(b.id, 0),
            "queue": None if b.id not in by_booth else by_booth[b.id].length,
        }
        for b in facts.booths
    ]


def main() -> int:
    cfg, memory = ControlConfig(), Memory()
    times, sizes, naive_sizes = [], [], []
    for second in range(ROUNDS):
        facts = expo_facts(second)
        started = time.perf_counter()
        figures = compose(facts, memory, cfg)
        body = orjson.dumps(figures)
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(len(body))
        naive = {**figures, "hall": {**figures["hall"], "booths_rows": per_booth_rows(facts)}}
        naive_sizes.append(len(orjson.dumps(naive)))
    result = {
        "stages": STAGES,
        "booths": BOOTHS,
        "rounds": ROUNDS,
        "compose_ms_p50": round(statistics.median(times), 3),
        "compose_ms_p99": round(sorted(times)[int(ROUNDS * 0.99) - 1], 3),
        "figures_bytes": int(statistics.median(sizes)),
        "baseline_row_per_booth_bytes": int(statistics.median(naive_sizes)),
        "machine": os.uname().nodename,
        "cpus": os.cpu_count(),
        "load": os.getloadavg()[0],
    }
    out = ROOT / "bench" / "results" / f"control-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
