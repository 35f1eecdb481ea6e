"""Fault scenarios at full size (issue 14): one command each, on 127.0.0.1 only.

    python bench/faults.py --list
    python bench/faults.py worker-dies            # full size (each scenario's defaults)
    python bench/faults.py worker-dies --help     # a scenario's own options (sizes, durations)

Each scenario lives in `tests/faultlab/<module>.py`, where the fast variants in the test suite
(tests/faults/) run the very same code at a small size and assert its correctness checks. A
scenario exposes `add_arguments(parser)` (its options and full-size defaults) and
`async run(options, progress) -> Outcome`: `checks` (promises that hold at any size: nothing
acknowledged lost, no duplicates, no 500s...) and `targets` (figures held against the issue's
targets at full size, measured against a baseline in the same run). This file prints them,
writes them to bench/results/faults-<scenario>-<UTC time>.json and exits 1 if a check or a
target failed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import resource
import sys
import time
from pathlib import Path

# Run as a script, this folder comes first on the path, where a bench named like one of the
# platform's packages (bench/matchmaking.py) would be imported in its place.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from tests.faultlab.outcome import Outcome  # noqa: E402

SCENARIOS = {
    "worker-dies": "worker_dies",
    "redis-restart": "redis_restart",
    "postgres-restart": "postgres_restart",
    "abuse": "abuse",
    "slow-consumers": "slow_consumers",
    "contention": "contention",
    "reconnect-storm": "reconnect_storm",
}


def _progress(line: str) -> None:
    print(f"faults: {line}", file=sys.stderr, flush=True)


def _raise_nofile() -> None:
    # Thousands of clients need thousands of descriptors on each side.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("--list", "-l", "-h", "--help"):
        print(__doc__)
        print("scenarios:", ", ".join(SCENARIOS))
        return 0 if argv else 2
    name = argv[0]
    if name not in SCENARIOS:
        print(f"unknown scenario {name!r}; one of: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    try:
        scenario = importlib.import_module(f"tests.faultlab.{SCENARIOS[name]}")
    except ModuleNotFoundError as error:
        print(f"scenario {name!r} is not written yet ({error})", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"bench/faults.py {name}", description=scenario.__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    scenario.add_arguments(parser)
    options = parser.parse_args(argv[1:])
    _raise_nofile()
    started = time.time()
    outcome: Outcome = asyncio.run(scenario.run(options, _progress))
    print(outcome.table())
    options.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started))
    path = options.out / f"faults-{name}-{stamp}.json"
    record = {"scenario": name, "started": stamp, "seconds": round(time.time() - started, 1)}
    record |= {"options": {k: str(v) for k, v in vars(options).items()}} | outcome.as_dict()
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    _progress(f"figures in {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    sys.exit(main())
