"""What a broker outage's backlog costs the Announcer (expo/realtime/announce.py): the time to
keep events for a retry while nothing is taken, past the cap, against the Announcer of another
git revision in the same run (the baseline, `main` by default).

    python bench/announce_backlog.py                       # 15,000 events, cap 10,000
    python bench/announce_backlog.py --baseline f3bb1c8 --topics 10,1000,10000

No server, no broker: a publish that always fails. Prints one JSON object: per revision and
number of topics, the milliseconds to keep every event and how many wait at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import logging
import subprocess
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import expo.realtime.announce as current
from expo.errors import Unavailable

HERE = Path(__file__).resolve().parent


def announce_at(revision: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{revision}:expo/realtime/announce.py"],
        cwd=HERE,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "announce_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("announce_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def refused(topic: str, kind: str, data: Any) -> Any:
    raise Unavailable(message="The event broker cannot be reached.")


async def reachable() -> None:
    pass


async def backlog(module: ModuleType, events: int, cap: int, topics: int) -> dict[str, Any]:
    # Retries that never come during the run: only keeping is measured.
    announcer = module.Announcer(refused, reachable, delays=(3600,), limit=cap)
    started = time.perf_counter()
    for i in range(events):
        await announcer.stored([(f"forum:{i % topics}", "chat.message_posted", {"n": i})])
    elapsed = time.perf_counter() - started
    waiting = announcer.waiting()
    announcer.close()
    return {"topics": topics, "ms": round(elapsed * 1000, 1), "waiting": waiting}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare against")
    parser.add_argument("--events", type=int, default=15_000)
    parser.add_argument("--cap", type=int, default=10_000)
    parser.add_argument("--topics", default="10,10000", help="comma-separated topic counts")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # every keep and drop logs; not what is measured
    revisions = {args.baseline: announce_at(args.baseline), "this tree": current}
    results = {
        name: [
            await backlog(module, args.events, args.cap, int(topics))
            for topics in args.topics.split(",")
        ]
        for name, module in revisions.items()
    }
    print(json.dumps({"events": args.events, "cap": args.cap, "results": results}, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
