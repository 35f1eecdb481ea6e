"""The Redis broker's hot path on a Redis Cluster against one Redis, in the same run.

For each configuration (`single`: one redis-server; `cluster`: three masters started as the
tests start them, tests/redis_cluster.py), both the bench's own on 127.0.0.1, with two brokers
(`RedisBroker`) standing for two server processes: one publishes, the other listens to every
topic, as a process with subscribers does.

  publish   --events events over --topics topics (`forum:<n>`), --concurrency at a time, each
            one call of the script that numbers, logs and publishes it: events/s over the
            phase, each publish's latency p50/p99;
  deliver   when the last of them reached the listening broker, and whether every topic's
            seqs arrived complete and in order;
  commands  Redis commands per event (INFO commandstats, summed over the servers, the
            listener's subscribes left out), and how the events spread over the masters.

The masters share this machine's cores with the client, so the cluster is no faster here: the
figures say what a cluster costs per event (routing, a pub/sub connection per master) and how
the work spreads, the inputs of a capacity model; on separate hosts each master takes its share.

    .venv/bin/python bench/redis_cluster.py                      # 20,000 events, 200 topics
    .venv/bin/python bench/redis_cluster.py --events 2000        # quick

The summary goes to stdout and bench/results/redis_cluster-<UTC>.txt, every figure to
bench/results/redis_cluster-<UTC>.json. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from expo.realtime.broker import Event  # noqa: E402
from expo.realtime.redis_broker import RedisBroker  # noqa: E402
from tests.cluster import free_port  # noqa: E402
from tests.redis_cluster import running_cluster  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DELIVERY_WAIT = 60.0  # seconds the last event may take to reach the listener


class Heard:
    def __init__(self, expected: int) -> None:
        self.seqs: dict[str, list[int]] = {}
        self.count, self.expected = 0, expected
        self.done = asyncio.Event()
        self.last_at = 0.0

    def deliver(self, event: Event) -> None:
        self.seqs.setdefault(event.topic, []).append(event.seq)
        self.count += 1
        if self.count >= self.expected:
            self.last_at = time.perf_counter()
            self.done.set()

    def resync(self) -> None:
        pass

    def control(self, message: bytes) -> None:
        pass


@asynccontextmanager
async def single(workdir: Path) -> AsyncIterator[tuple[str, list[int]]]:
    server = RedisServer(free_port())
    await server.start()
    try:
        yield server.url, [server.port]
    finally:
        await server.stop()


@asynccontextmanager
async def cluster(workdir: Path) -> AsyncIterator[tuple[str, list[int]]]:
    with running_cluster(workdir) as found:
        yield found.url, list(found.ports)


def commands(ports: list[int]) -> dict[int, dict[str, int]]:
    found = {}
    for port in ports:
        with redis.Redis(port=port) as client:
            stats = client.info("commandstats")
        found[port] = {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items()}
    return found


def cpu_seconds(ports: list[int]) -> dict[int, float]:
    """Each server's CPU time so far (user + system; its main thread does the commands)."""
    found = {}
    for port in ports:
        with redis.Redis(port=port) as client:
            cpu = client.info("cpu")
        found[port] = float(cpu["used_cpu_user_main_thread"]) + float(
            cpu["used_cpu_sys_main_thread"]
        )
    return found


def spent(before: dict[int, dict[str, int]], after: dict[int, dict[str, int]]) -> dict[int, int]:
    """Commands per server between two readings, without the bench's own reading (INFO)."""
    return {
        port: sum(n - before[port].get(name, 0) for name, n in now.items() if name != "info")
        for port, now in after.items()
    }


async def run(name: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    setups = {"single": single, "cluster": cluster}
    async with setups[name](workdir) as (url, ports):
        topics = [f"forum:{n}" for n in range(args.topics)]
        heard = Heard(args.events)
        publisher, listener = RedisBroker(url), RedisBroker(url)
        await publisher.start(Heard(0))
        await listener.start(heard)
        try:
            for topic in topics:
                await listener.listen(topic)
            before, cpu_before = commands(ports), cpu_seconds(ports)
            latencies: list[float] = []
            queue = list(range(args.events))

            async def worker() -> None:
                while queue:
                    n = queue.pop()
                    started = time.perf_counter()
                    await publisher.publish(
                        topics[n % len(topics)], "chat.message_posted", {"n": n}
                    )
                    latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            published = time.perf_counter() - started
            try:
                await asyncio.wait_for(heard.done.wait(), DELIVERY_WAIT)
                delivered: float | None = heard.last_at - started
            except TimeoutError:
                delivered = None
            per_server = spent(before, commands(ports))
            cpu = {p: t - cpu_before[p] for p, t in cpu_seconds(ports).items()}
        finally:
            await publisher.close()
            await listener.close()
    in_order = all(seqs == sorted(seqs) for seqs in heard.seqs.values())
    complete = sum(len(seqs) for seqs in heard.seqs.values()) == args.events
    latencies.sort()
    total = sum(per_server.values())
    return {
        "events": args.events,
        "topics": args.topics,
        "concurrency": args.concurrency,
        "events_per_s": round(args.events / published),
        "publish_p50_ms": round(statistics.median(latencies) * 1000, 3),
        "publish_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
        "all_delivered_after_s": None if delivered is None else round(delivered, 3),
        "delivered_complete_and_in_order": complete and in_order,
        "commands_per_event": round(total / args.events, 2),
        # Redis's own CPU per event, summed over the servers: the capacity model's input (one
        # core's worth of a master carries 1e6 / this many events a second).
        "redis_cpu_us_per_event": round(sum(cpu.values()) / args.events * 1e6, 1),
        "share_of_commands_per_server": {
            str(port): round(n / total, 3) for port, n in per_server.items()
        },
    }


def summary(results: dict[str, Any]) -> str:
    lines = [
        f"{'config':8} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'all heard s':>11} "
        f"{'ok':>3} {'cmd/event':>9} {'redis µs/event':>14}  share per server"
    ]
    for name, r in results["configs"].items():
        shares = " ".join(f"{s:.2f}" for s in r["share_of_commands_per_server"].values())
        ok = "yes" if r["delivered_complete_and_in_order"] else "NO"
        lines.append(
            f"{name:8} {r['events_per_s']:>9} {r['publish_p50_ms']:>7} {r['publish_p99_ms']:>7} "
            f"{r['all_delivered_after_s']!s:>11} {ok:>3} "
            f"{r['commands_per_event']:>9} {r['redis_cpu_us_per_event']:>14}  {shares}"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--topics", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--configs", default="single,cluster")
    args = parser.parse_args()
    results: dict[str, Any] = {"load_before": os.getloadavg()[0], "configs": {}}
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.configs.split(","):
            print(f"{name}: {args.events} events over {args.topics} topics", file=sys.stderr)
            workdir = Path(tempfile.mkdtemp(prefix=name, dir=scratch))
            results["configs"][name] = await run(name, args, workdir)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    RESULTS.mkdir(exist_ok=True)
    text = summary(results)
    (RESULTS / f"redis_cluster-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / f"redis_cluster-{stamp}.txt").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    asyncio.run(main())
