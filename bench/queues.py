"""Booth queues at scale: joins per second and a call's latency, with 10,000 people in 100 queues
over two server processes on Redis and PostgreSQL, against the same over one process.

For each configuration (`two`: two `expo serve` processes; `one`: one), in the same run, on a
fresh PostgreSQL database (EXPO_TEST_POSTGRES_URL's server) and a redis-server of the bench's
own, both on 127.0.0.1:

  setup   100 booths with one staff member each and 10,000 attendees, written straight into the
          database with a session each (signing 10,000 people in would measure Argon2); every
          booth's line loaded (empty); every attendee's booth page open (a websocket to process
          i % N), as a person in line keeps it open;
  joins   every attendee joins one booth's queue (person i, booth i % 100) with
          `POST /api/match/queues/{booth}/tickets` to process i % N and their page then follows
          the ticket, as the booth page does, `--concurrency` at a time: joins/s over the whole
          phase, each join's own latency p50/p99, and the servers' CPU per join (its follow
          included);
  calls   every booth's staff member, all at once, calls the next person (on process
          booth % N), waits for the called person's page to hear `queue.ticket_changed` with
          status `called`, marks them served, `--calls` times: the latency from sending the call
          to the page hearing it, p50/p99 (half the pages are on the other process when N = 2:
          the event crosses Redis), and the call's own reply.

The baseline is the same workload on one process: the database, Redis, clients and people are
the same, so the difference is what a second process buys (or costs: the line and the events
cross Redis either way). A third figure, `line`, is the floor under a join: the same 10,000
joins straight into the Redis line (`RedisQueueIndex.join`, one Lua call each), no HTTP, no
database.

    .venv/bin/python bench/queues.py                         # 10,000 people, 100 queues
    .venv/bin/python bench/queues.py --people 2000 --queues 20 --calls 3   # quick, ~2 minutes
    .venv/bin/python bench/queues.py --configs two           # without the baseline

Before each configuration the bench waits up to --quiet-wait seconds for the machine's load to
fall below its CPUs (the load at each start is in the summary). Progress goes to stderr; the
summary to stdout and bench/results/queues-<UTC>.txt; every figure
to bench/results/queues-<UTC>.json. Every wait is bounded; the whole run by --max-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path, and bench/matchmaking.py would
# hide the package of that name; the repository's root is what it needs.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from sqlalchemy import update  # noqa: E402

from expo.db import make_engine, make_sessionmaker  # noqa: E402
from expo.ratelimit import DEFAULT_RATES  # noqa: E402
from matchmaking.models import MatchSettings  # noqa: E402
from matchmaking.queue_index import RedisQueueIndex  # noqa: E402
from matchmaking.queue_line import Line  # noqa: E402
from tests.cluster import Process, free_port, start, stop  # noqa: E402
from tests.live import prepare_demo_database  # noqa: E402
from tests.meetings_setup import Db, new_exhibitor, new_people  # noqa: E402
from tests.queue_crowd import Http, Page, close_pages, error_code, open_pages, signed_in  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.services import fresh_postgres_database  # noqa: E402

RESULTS = ROOT / "bench" / "results"
EVENT_WAIT = 15.0  # seconds a called person's page may take to hear the call (else: missed)
HTTP_TIMEOUT = 120.0  # seconds a request may take before it counts as refused


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] queues: {message}", file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def servers_cpu(processes: list[Process]) -> float:
    return sum(cpu_seconds(p.child.pid) for p in processes)


def spread(values: list[float]) -> dict[str, float | int | None]:
    """p50, p99 and max in milliseconds of `values` (seconds)."""
    if not values:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def add_people(db: Db, count: int, chunk: int = 2000) -> list[int]:
    made: list[int] = []
    for start_at in range(0, count, chunk):
        made += [a for a, _ in await new_people(db, min(chunk, count - start_at), name="排队者")]
    return made


async def prepare(db: Db, secret_key: str, args: argparse.Namespace) -> dict[str, Any]:
    """Booths with one staff member each, the attendees, a session each."""
    booths = [await new_exhibitor(db, seats=1) for _ in range(args.queues)]
    staff = [(await new_people(db, 1, exhibitor_id=b, name="展商"))[0][0] for b in booths]
    people = await add_people(db, args.people)
    cookies = await signed_in(db, secret_key, staff + people)
    async with db() as session:  # a page that reconnects drops nobody
        await session.execute(update(MatchSettings).values(queue_grace=3600))
        await session.commit()
    return {"booths": booths, "staff": staff, "people": people, "cookies": cookies}


async def at_most(limit: int, jobs: list[Any]) -> list[Any]:
    """Run the coroutines `jobs`, `limit` at a time, in order of starting."""
    slots = asyncio.Semaphore(limit)

    async def one(job: Any) -> Any:
        async with slots:
            return await job

    return list(await asyncio.gather(*(one(j) for j in jobs)))


async def measure(
    name: str, processes: list[Process], db: Db, env: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    n = len(processes)
    made = await prepare(db, env["EXPO_SECRET_KEY"], args)
    booths, staff, people, cookies = made["booths"], made["staff"], made["people"], made["cookies"]
    log(f"{name}: {len(people)} people and {len(booths)} booths written")
    http = [Http(p.base, connections=args.concurrency, timeout=HTTP_TIMEOUT) for p in processes]
    per_queue = -(-len(people) // len(booths))
    for k, booth in enumerate(booths):  # the cap, if need be, and every line loaded
        path, cookie = f"/api/match/queues/{booth}", cookies[staff[k]]
        if per_queue > 200:
            status, body = await http[0].send("PATCH", path, cookie, {"max_length": 2000})
            assert status == 200, body
        status, body = await http[0].send("GET", f"{path}/line", cookie)
        assert status == 200, body

    def opened(count: int) -> None:
        if count % 2000 == 0 or count == len(people):
            log(f"{name}: pages {count}/{len(people)}")

    targets = [(processes[i % n].ws_url, cookies[a]) for i, a in enumerate(people)]
    t0 = time.monotonic()
    pages = await open_pages(targets, at_once=args.batch, on_open=opened)
    pages_s = time.monotonic() - t0
    try:
        # --- joins ---------------------------------------------------------------------------
        done = 0

        async def join(i: int) -> tuple[float, int, dict[str, Any]]:
            """Join, then follow the ticket at once, as the booth page does (a ticket nobody
            follows is marked away by the sweeper)."""
            nonlocal done
            booth, sent = booths[i % len(booths)], time.monotonic()
            path = f"/api/match/queues/{booth}/tickets"
            try:
                status, body = await http[i % n].send("POST", path, cookies[people[i]], {})
            except TimeoutError:
                return time.monotonic() - sent, 0, {"error": "no answer within the timeout"}
            took = time.monotonic() - sent
            if status == 201:
                topic = {"topic": f"queue-ticket:{body['ticket']['id']}"}
                reply = await pages[i].command("subscribe", topic, timeout=HTTP_TIMEOUT)
                if reply["type"] != "ok":
                    status, body = 0, reply
            done += 1
            if done % 2000 == 0:
                log(f"{name}: joins {done}/{len(people)}")
            return took, status, body

        await asyncio.sleep(2.0)  # the pages' first rounds over
        cpu0, client0, t0 = servers_cpu(processes), time.process_time(), time.monotonic()
        joined = await at_most(args.concurrency, [join(i) for i in range(len(people))])
        joins_s = time.monotonic() - t0
        joins_cpu, client_cpu = servers_cpu(processes) - cpu0, time.process_time() - client0
        refused = [(s, b) for _, s, b in joined if s != 201]
        ticket = {i: b["ticket"]["id"] for i, (_, s, b) in enumerate(joined) if s == 201}
        log(f"{name}: {len(ticket)} joins in {joins_s:.1f} s ({len(ticket) / joins_s:.0f}/s)")

        # --- calls ---------------------------------------------------------------------------
        page_of = {t: pages[i] for i, t in ticket.items()}
        heard_latency: list[float] = []
        reply_latency: list[float] = []
        missed: list[int] = []
        errors: list[str] = []

        async def serve(k: int) -> None:
            booth, cookie, where = booths[k], cookies[staff[k]], k % n
            for _ in range(args.calls):
                sent = time.monotonic()
                status, body = await http[where].send(
                    "POST", f"/api/match/queues/{booth}/call", cookie
                )
                if status != 200:
                    errors.append(f"call {booth}: {status} {error_code(body) or body}")
                    return
                reply_latency.append(time.monotonic() - sent)
                called = body["ticket"]["id"]
                at = await heard_at(page_of[called], called, sent)
                if at is None:
                    missed.append(called)
                else:
                    heard_latency.append(at - sent)
                path = f"/api/match/queue-tickets/{called}/served"
                status, body = await http[where].send("POST", path, cookie)
                if status != 200:
                    errors.append(f"served {called}: {status} {error_code(body) or body}")
                    return

        await asyncio.sleep(2.0)
        cpu0, t0 = servers_cpu(processes), time.monotonic()
        await asyncio.gather(*(serve(k) for k in range(len(booths))))
        calls_s, calls_cpu = time.monotonic() - t0, servers_cpu(processes) - cpu0
        calls = len(reply_latency)
        log(f"{name}: {calls} calls in {calls_s:.1f} s, {len(missed)} not heard")
    finally:
        for h in http:
            await h.close()
        await close_pages(pages)
    return {
        "processes": n,
        "people": len(people),
        "queues": len(booths),
        "pages_open_s": round(pages_s, 1),
        "joins": {
            "count": len(ticket),
            "refused": len(refused),
            "refused_sample": [str(r)[:200] for r in refused[:3]],
            "seconds": round(joins_s, 2),
            "per_second": round(len(ticket) / joins_s, 1),
            "latency": spread([lat for lat, s, _ in joined if s == 201]),
            "server_cpu_ms_per_join": round(joins_cpu / max(len(ticket), 1) * 1000, 2),
            "bench_cpu_ms_per_join": round(client_cpu / max(len(ticket), 1) * 1000, 2),
            "concurrency": args.concurrency,
        },
        "calls": {
            "count": calls,
            "seconds": round(calls_s, 2),
            "heard": spread(heard_latency),
            "reply": spread(reply_latency),
            "not_heard": len(missed),
            "errors": errors[:5],
            "server_cpu_ms_per_call_and_served": round(calls_cpu / max(calls, 1) * 1000, 2),
        },
    }


async def heard_at(page: Page, ticket: int, since: float) -> float | None:
    """When the page heard its ticket called (monotonic), or None within EVENT_WAIT."""
    deadline = time.monotonic() + EVENT_WAIT
    while True:
        page.heard.clear()  # before looking: an event read meanwhile sets it again
        for at, frame in page.heard_of("queue.ticket_changed"):
            data = frame.get("data") or {}
            if at >= since and data.get("id") == ticket and data.get("status") == "called":
                return at
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            await asyncio.wait_for(page.heard.wait(), left)
        except TimeoutError:
            return None


async def quiet(wait: float) -> None:
    """Wait up to `wait` seconds for the machine's 1-minute load to fall below its CPUs."""
    cpus, deadline = os.cpu_count() or 1, time.monotonic() + wait
    while os.getloadavg()[0] >= cpus and time.monotonic() < deadline:
        await asyncio.sleep(5)
    if os.getloadavg()[0] >= cpus:
        log(f"the machine is busy (load {os.getloadavg()[0]:.1f}): its figures are disturbed")


async def configuration(name: str, count: int, args: argparse.Namespace) -> dict[str, Any]:
    await quiet(args.quiet_wait)
    before = machine()["load_average"]
    figures = await measured(name, count, args)
    return figures | {
        "load_average_before": before,
        "load_average_after": machine()["load_average"],
    }


async def measured(name: str, count: int, args: argparse.Namespace) -> dict[str, Any]:
    redis = RedisServer(free_port())
    await redis.start()
    try:
        async with fresh_postgres_database() as url:
            log(f"{name}: migrating and seeding a fresh database")
            await prepare_demo_database(url)
            env = {
                **os.environ,
                "EXPO_DATABASE_URL": url,
                "EXPO_REDIS_URL": redis.url,
                "EXPO_SECRET_KEY": secrets.token_urlsafe(24),
                "EXPO_LOG_JSON": "1",
                # A crowd from one address, far faster than people: every limit lifted.
                "EXPO_RATE_LIMITS": ",".join(f"{rate}=1000000/1" for rate in DEFAULT_RATES),
            }
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            engine = make_engine(url)
            processes: list[Process] = []
            try:
                with tempfile.TemporaryDirectory() as logs:
                    for k in range(count):
                        processes.append(await start(env, log=Path(logs) / f"{name}-{k}.log"))
                    log(f"{name}: {count} server process(es) up")
                    return await measure(name, processes, make_sessionmaker(engine), env, args)
            finally:
                for p in processes:
                    await stop(p)
                await engine.dispose()
    finally:
        await redis.stop()


async def line_floor(args: argparse.Namespace) -> dict[str, Any]:
    """The same joins straight into the Redis line: one Lua call each."""
    redis = RedisServer(free_port())
    await redis.start()
    index = RedisQueueIndex(redis.url, pool_size=args.concurrency)
    try:
        booths = list(range(1, args.queues + 1))
        for booth in booths:
            await index.rebuild(booth, Line())
        per_queue = -(-args.people // args.queues)

        async def join(i: int) -> float:
            sent = time.monotonic()
            await index.join(
                booths[i % len(booths)],
                i + 1,
                appointment=False,
                max_length=max(per_queue, 1),
                overtake_cap=2,
            )
            return time.monotonic() - sent

        t0 = time.monotonic()
        latencies = await at_most(args.concurrency, [join(i) for i in range(args.people)])
        seconds = time.monotonic() - t0
    finally:
        await index.close()
        await redis.stop()
    return {
        "count": args.people,
        "seconds": round(seconds, 3),
        "per_second": round(args.people / seconds, 1),
        "latency": spread(latencies),
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def summary(result: dict[str, Any]) -> str:
    lines = [
        f"booth queues, {result['params']['people']} people in {result['params']['queues']} "
        f"queues, {result['params']['concurrency']} joins in flight, "
        f"load average before {result['machine_before']['load_average']}",
        f"{'':6} {'joins/s':>8} {'join p50/p99 ms':>16} {'CPU ms/join':>12} "
        f"{'call heard p50/p99 ms':>22} {'reply p50':>10} {'not heard':>9}",
    ]
    for name, c in result["configs"].items():
        j, k = c["joins"], c["calls"]
        lines.append(
            f"{name:6} {j['per_second']:>8} "
            f"{j['latency']['p50_ms']:>7}/{j['latency']['p99_ms']:<8} "
            f"{j['server_cpu_ms_per_join']:>12} "
            f"{k['heard']['p50_ms']:>10}/{k['heard']['p99_ms']:<11} "
            f"{k['reply']['p50_ms']:>10} {k['not_heard']:>9}   load {c['load_average_before'][0]}"
        )
    if "line" in result:
        f = result["line"]
        lines.append(
            f"{'line':6} {f['per_second']:>8} {f['latency']['p50_ms']:>7}/"
            f"{f['latency']['p99_ms']:<8} (Lua only: no HTTP, no database)"
        )
    if {"one", "two"} <= set(result["configs"]):
        one, two = result["configs"]["one"], result["configs"]["two"]
        joins = two["joins"]["per_second"] / one["joins"]["per_second"]
        heard = (two["calls"]["heard"]["p50_ms"] or 0) / (one["calls"]["heard"]["p50_ms"] or 1)
        lines.append(f"two / one: joins/s x{joins:.2f}, call heard p50 x{heard:.2f}")
    lines.append(f"load average after {result['machine_after']['load_average']}")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.people + 1000:
        log(
            f"warning: RLIMIT_NOFILE is {hard}, {args.people} pages need about {args.people + 1000}"
        )
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": vars(args) | {"out": str(args.out)},
        "machine_before": machine(),
        "configs": {},
    }
    async with asyncio.timeout(args.max_seconds):
        for name in args.configs.split(","):
            count = {"two": 2, "one": 1}[name]
            result["configs"][name] = await configuration(name, count, args)
        log("line: the same joins straight into the Redis line")
        result["line"] = await line_floor(args)
    result["machine_after"] = machine()
    text = summary(result)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (args.out / f"queues-{stamp}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    (args.out / f"queues-{stamp}.txt").write_text(text + "\n")
    log(f"written: {args.out / f'queues-{stamp}.json'} and .txt")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000, help="attendees, one ticket each")
    parser.add_argument("--queues", type=int, default=100, help="booths, one staff member each")
    parser.add_argument("--calls", type=int, default=3, help="calls per booth, all booths at once")
    parser.add_argument("--concurrency", type=int, default=200, help="joins in flight at once")
    parser.add_argument("--batch", type=int, default=200, help="pages opening at once")
    parser.add_argument("--configs", default="two,one", help="two (processes), one, or both")
    parser.add_argument("--max-seconds", type=float, default=1800, help="bound on the whole run")
    parser.add_argument(
        "--quiet-wait", type=float, default=120, help="wait this long for a quiet machine"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    asyncio.run(main(parser.parse_args()))
