"""`expo match solve IN.json OUT.json [--time-limit S]`: the optimal scheduler on a JSON instance.

The instance and solution shapes are matchmaking/solver_model.py's. Progress goes to stderr
(`expo: greedy 40%`), the one-line summary too; OUT.json gets the solution. A malformed file
is answered with a message naming the wrong entry and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from matchmaking.solver_model import InstanceError, instance_from_json

MAX_TIME_LIMIT = 24 * 3600


def _progress(phase: str, percent: float) -> None:
    print(f"expo: {phase} {percent:.0f}%", file=sys.stderr, flush=True)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="expo match solve", description="the optimal scheduler on an instance (JSON)"
    )
    parser.add_argument("instance", type=Path, help="IN.json")
    parser.add_argument("out", type=Path, help="OUT.json")
    parser.add_argument("--time-limit", type=float, default=60.0, metavar="S")
    args = parser.parse_args(argv)
    if not 0 < args.time_limit <= MAX_TIME_LIMIT:
        print(f"expo match solve: --time-limit must be in (0, {MAX_TIME_LIMIT}]", file=sys.stderr)
        return 2
    try:
        data = json.loads(args.instance.read_text(encoding="utf-8"))
    except OSError as err:
        print(f"expo match solve: cannot read {args.instance}: {err.strerror}", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        print(f"expo match solve: {args.instance} is not JSON: {err}", file=sys.stderr)
        return 2
    try:
        instance = instance_from_json(data)
    except InstanceError as err:
        print(f"expo match solve: {args.instance}: {err}", file=sys.stderr)
        return 2
    # Open OUT before solving: a wrong path is told now, not after a long solve. Append mode
    # so an existing OUT is kept intact until the solution replaces it.
    existed = args.out.exists()
    try:
        out = args.out.open("a", encoding="utf-8")
    except OSError as err:
        print(f"expo match solve: cannot write {args.out}: {err.strerror}", file=sys.stderr)
        return 2
    with out:
        from matchmaking.solver import solve  # OR-Tools loads only when a solve runs

        try:
            solution = solve(instance, time_limit=args.time_limit, progress=_progress)
        except BaseException:  # Ctrl-C mid-solve: leave no empty OUT that was not there
            if not existed:
                args.out.unlink(missing_ok=True)
            raise
        try:
            out.seek(0)
            out.truncate()
            out.write(json.dumps(solution.to_json(), ensure_ascii=False) + "\n")
            out.flush()
        except OSError as err:
            print(f"expo match solve: cannot write {args.out}: {err.strerror}", file=sys.stderr)
            return 2
    print(
        f"expo: scheduled {len(solution.meetings)} of at most {solution.upper_bound} possible; "
        f"{solution.attendees_without_meeting} people who asked have none "
        f"({solution.status}, {solution.seconds:.1f} s)",
        file=sys.stderr,
    )
    return 0
