"""The ingest's latencies, end to end on 127.0.0.1, as heard on two processes' sockets (ms):
ffmpeg starting a push under a room's key -> the room's `stream.state` live event; ffmpeg
stopping -> `interrupted` (what viewers see: the slate) and -> `offline` (the grace, 2 s in the
test, plus the sweeper's tick); main stopping with a backup standing by -> live on the backup;
the only publisher lost -> `interrupted`.

One command: `python bench/stream_ingest.py [--runs N]`. Each run is the end-to-end test
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
FILE = "tests/integration/test_stream_ingest.py"
TESTS = [
    f"{FILE}::test_a_push_turns_the_room_live_everywhere_and_offline_when_it_stops",
    f"{FILE}::test_the_backup_takes_over_and_main_resumes_the_session_within_the_grace",
]


def one_run() -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "EXPO_STREAMS_RESULTS": str(out)}
        command = [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:randomly", *TESTS]
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
        **{
            f"median_{name}": statistics.median(r[name] for r in runs)
            for name in runs[0]
            if name.endswith("_ms")
        },
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
