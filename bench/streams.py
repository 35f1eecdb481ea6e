"""The ingest's two latencies, end to end on 127.0.0.1: ffmpeg starting a push under a room's
key -> the room's `stream.state` live event heard on two processes' sockets, and ffmpeg stopping
-> the offline event (both in ms).

One command: `python bench/streams.py [--runs N]`. Each run is the end-to-end test
(tests/integration/test_stream_ingest.py: two `expo serve` processes on the test Redis and
PostgreSQL, nginx from `expo rtmp-config`, ffmpeg's test pattern); the figures of every run and
their medians are written to bench/results/streams-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/integration/test_stream_ingest.py::test_a_push_turns_the_room_live_everywhere_and_offline_when_it_stops"  # noqa: E501


def one_run() -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "EXPO_STREAMS_RESULTS": str(out)}
        command = [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:randomly", TEST]
        subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=600)
        figures: dict[str, int] = json.loads(out.read_text())
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    result = {
        "runs": runs,
        "median_publish_to_live_ms": statistics.median(r["publish_to_live_ms"] for r in runs),
        "median_stop_to_offline_ms": statistics.median(r["stop_to_offline_ms"] for r in runs),
        "machine": os.uname().nodename,
        "cpus": os.cpu_count(),
    }
    target = ROOT / "bench" / "results" / f"streams-{time.strftime('%Y%m%d-%H%M%S')}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
