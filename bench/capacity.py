"""Capacity inputs: what one audience member's events cost Redis, PostgreSQL and a server process.

    .venv/bin/python bench/capacity.py                   # 2,000 sockets, about 5 minutes
    .venv/bin/python bench/capacity.py --sockets 6000 --duration 60   # bigger
    .venv/bin/python bench/capacity.py --database sqlite # no PostgreSQL
    .venv/bin/python bench/capacity.py --model bench/results/capacity-<UTC>.json  # the model

Everything runs on 127.0.0.1: a redis-server of the bench's own on a free port (every command it
counts is ours), a fresh PostgreSQL database on EXPO_TEST_POSTGRES_URL's server (or a SQLite
file), and two `expo serve` processes, A and B, sharing both, with every rate limit lifted (the
checks still run: each is one Redis script call).

Counts (robust to a busy machine: they are counts, not times). For each kind of event, done K
times, the deltas of Redis's `INFO commandstats` (commands inside Lua scripts included; the
bench's own INFO probes left out), `total_net_input_bytes` / `total_net_output_bytes` (the
probes' own bytes left out) and Redis's CPU (`used_cpu_user + used_cpu_sys`), minus what the
idle servers do over the same seconds (measured first, in an idle window), divided by K:

  chat.send             a chat message: the rate-limit check, stored in the database, numbered,
                        kept in the replay log and published; both processes are subscribed,
                        so Redis sends it twice (its bytes out are per subscribed process × 2)
  handshake             an anonymous websocket opened (the per-address limit), then closed
  subscribe             a subscribe to a forum the process already follows (the common case)
  resume                a subscribe with `since` 10 events back and the epoch: 10 replayed
  signed-in handshake   a socket with a session cookie (the per-account socket quota), then its
                        `account:<id>` subscribe, its forum subscribe and its close
  presence              per process per round (EXPO_PRESENCE_INTERVAL) and per signed-in socket
                        per round: the idle rate with and without N signed-in sockets; then
                        with --peers processes added to the registry (each process reads every
                        live one's counts: the cost grows with the processes)
  reactions             per process and second while its viewers react (the shared pile)
  queue                 join (`POST …/tickets`), position read (`GET /api/match/queue-tickets/
                        {id}`), call and served, over HTTP on process A
  rate-limit check      RedisLimiter.hit from this process, the script every limit runs

PostgreSQL: `pg_stat_database` deltas of the bench's own database (transactions committed, rows
inserted / updated) per chat message and per queue action; those statistics reach the view up
to 10 s late, so each is read after --pg-settle seconds.

Per process (CPU-seconds from /proc/<pid>/stat, robust on a shared machine, rather than rates
per wall second): --sockets anonymous subscribers of `forum:2`, half on A and half on B, opened
by bench/fanout.py's load generator (after a warm-up): memory per idle socket (VmRSS delta),
handshakes (with a subscribe) per CPU-second; CPU per event from --fixed-rate chat messages a
second with one subscriber per process, then per delivery from --rate messages a second with
all of them, each process's idle CPU taken off (B only fans out what Redis brings it; A also
runs the chat.send commands, so only B's split is clean). The baseline in the same run:
bench/baselines.py's bare `websockets.broadcast` server with half the sockets, measured alike.
And `redis-benchmark` on the bench's Redis: operations per second and per Redis CPU-second for
SET, GET and PUBLISH.

Progress on stderr; a table on stdout; every figure in bench/results/capacity-<UTC>.json.
Every wait is bounded; the whole run by --max-seconds. docs/capacity.md models from these
(`model()` below, the assumptions in `Mix`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import math
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

# Run as a script, this file's folder comes first on sys.path, and bench/matchmaking.py would
# hide the package of that name; the repository's root is what it needs.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import asyncpg  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402
from sqlalchemy import update  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from expo.db import make_engine, make_sessionmaker  # noqa: E402
from expo.ratelimit import DEFAULT_RATES, Rate, RedisLimiter  # noqa: E402
from expo.realtime.redis_broker import PRESENCE_PREFIX, PROCESSES, ROSTER_PREFIX  # noqa: E402
from matchmaking.models import MatchSettings  # noqa: E402
from tests.cluster import Process, free_port, start, stop  # noqa: E402
from tests.live import prepare_demo_database  # noqa: E402
from tests.meetings_setup import Db, new_exhibitor, new_people  # noqa: E402
from tests.queue_crowd import Http, Page, close_pages, signed_in  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.services import _asyncpg_dsn, fresh_postgres_database  # noqa: E402


def _load_fanout() -> ModuleType:
    """bench/fanout.py, for its load generator, publisher and /proc readers (not on sys.path:
    see above)."""
    spec = importlib.util.spec_from_file_location("bench_fanout", ROOT / "bench" / "fanout.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_fanout"] = module
    spec.loader.exec_module(module)
    return module


fanout = _load_fanout()

RESULTS = ROOT / "bench" / "results"
FORUM = 2
TOPIC = f"forum:{FORUM}"
# The bench's own probes and the Redis clients' housekeeping, not the servers' work.
PROBES = {"info", "ping", "config|resetstat", "client|setinfo", "hello", "flushall"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] capacity: {message}", file=sys.stderr, flush=True)


# --- counting Redis -----------------------------------------------------------------------------


@dataclass
class Snap:
    t: float
    calls: dict[str, int]
    net_in: int
    net_out: int
    cpu: float


class RedisMeter:
    """Snapshots of the bench's redis-server: commands by name, network bytes, CPU."""

    def __init__(self, url: str) -> None:
        self.client = aioredis.from_url(url)
        self.probe_in = 0  # bytes one snapshot adds to the counters (its INFO request and reply)
        self.probe_out = 0
        self.probe_cpu = 0.0  # and Redis CPU-seconds

    async def snap(self) -> Snap:
        info = await self.client.info("commandstats", "stats", "cpu")
        calls = {
            name.removeprefix("cmdstat_"): int(value["calls"])
            for name, value in info.items()
            if name.startswith("cmdstat_")
        }
        return Snap(
            time.monotonic(),
            calls,
            int(info["total_net_input_bytes"]),
            int(info["total_net_output_bytes"]),
            float(info["used_cpu_user"]) + float(info["used_cpu_sys"]),
        )

    async def calibrate(self) -> None:
        """The bytes and CPU of one snapshot, from back-to-back snapshots (the smallest bytes
        of 20, the median CPU)."""
        ins, outs, cpus = [], [], []
        last = await self.snap()
        for _ in range(20):
            now = await self.snap()
            ins.append(now.net_in - last.net_in)
            outs.append(now.net_out - last.net_out)
            cpus.append(now.cpu - last.cpu)
            last = now
        self.probe_in, self.probe_out = min(ins), min(outs)
        self.probe_cpu = sorted(cpus)[len(cpus) // 2]

    async def close(self) -> None:
        await self.client.aclose()


@dataclass
class Background:
    """What the idle servers do to Redis per second (presence rounds, heartbeats, leases)."""

    seconds: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    net_in: float = 0.0
    net_out: float = 0.0
    cpu: float = 0.0

    def per_second(self) -> dict[str, Any]:
        s = self.seconds or 1e-9
        return {
            "commands_per_s": round(sum(self.calls.values()) / s, 2),
            "by_kind_per_s": {k: round(v / s, 2) for k, v in self.calls.most_common(12)},
            "net_in_bytes_per_s": round(self.net_in / s, 1),
            "net_out_bytes_per_s": round(self.net_out / s, 1),
            "redis_cpu_share": round(self.cpu / s, 5),
        }


@dataclass
class Tally:
    """Redis's counters over the intervals of one kind of event, less the background."""

    meter: RedisMeter
    events: int = 0
    seconds: float = 0.0
    intervals: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    net_in: int = 0
    net_out: int = 0
    cpu: float = 0.0

    async def around(self, action: Callable[[], Awaitable[Any]], events: int = 1) -> Any:
        before = await self.meter.snap()
        result = await action()
        after = await self.meter.snap()
        self.add(before, after, events)
        return result

    def add(self, before: Snap, after: Snap, events: int) -> None:
        self.events += events
        self.intervals += 1
        self.seconds += after.t - before.t
        for name, n in after.calls.items():
            if name not in PROBES and n - before.calls.get(name, 0):
                self.calls[name] += n - before.calls.get(name, 0)
        self.net_in += after.net_in - before.net_in - self.meter.probe_in
        self.net_out += after.net_out - before.net_out - self.meter.probe_out
        self.cpu += after.cpu - before.cpu - self.meter.probe_cpu

    def per_event(self, background: Background) -> dict[str, Any]:
        """Per event, the background of the same seconds taken off (never below zero)."""
        share = self.seconds / (background.seconds or 1e-9)
        n = self.events or 1
        kinds = {
            name: max(0.0, count - background.calls.get(name, 0) * share) / n
            for name, count in self.calls.items()
        }
        kinds = {k: round(v, 2) for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]) if v}
        return {
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "commands": round(sum(kinds.values()), 2),
            "by_kind": {k: v for k, v in kinds.items() if v >= 0.05},
            "net_in_bytes": round(max(0.0, self.net_in - background.net_in * share) / n, 1),
            "net_out_bytes": round(max(0.0, self.net_out - background.net_out * share) / n, 1),
            "redis_cpu_us": round(max(0.0, self.cpu - background.cpu * share) / n * 1e6, 1),
            "background_commands_taken_off": round(sum(background.calls.values()) * share, 1),
        }


async def idle_window(meter: RedisMeter, seconds: float) -> Background:
    before = await meter.snap()
    await asyncio.sleep(seconds)
    after = await meter.snap()
    background = Background(seconds=after.t - before.t)
    for name, n in after.calls.items():
        if name not in PROBES and n - before.calls.get(name, 0):
            background.calls[name] = n - before.calls.get(name, 0)
    background.net_in = after.net_in - before.net_in - meter.probe_in
    background.net_out = after.net_out - before.net_out - meter.probe_out
    background.cpu = after.cpu - before.cpu - meter.probe_cpu
    return background


# --- counting PostgreSQL ------------------------------------------------------------------------

PG_FIELDS = ("xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted")


PgSnap = tuple[float, dict[str, int]] | None


class PgMeter:
    """pg_stat_database of the bench's own database. Backends report their statistics when
    idle, at most once a second and at the latest after 10 s: read after a settle. What the
    idle servers do meanwhile (their periodic reads) is measured and taken off."""

    def __init__(self, url: str | None, settle: float) -> None:
        self.url, self.settle = url, settle
        self.database = url.rsplit("/", 1)[1] if url else ""
        self.idle_per_s = dict.fromkeys(PG_FIELDS, 0.0)

    async def snap(self) -> PgSnap:
        if self.url is None:
            return None
        await asyncio.sleep(self.settle)
        conn = await asyncpg.connect(_asyncpg_dsn(self.url))
        try:
            row = await conn.fetchrow(
                f"SELECT {', '.join(PG_FIELDS)} FROM pg_stat_database WHERE datname = $1",
                self.database,
            )
        finally:
            await conn.close()
        assert row is not None
        return time.monotonic(), {name: int(row[name]) for name in PG_FIELDS}

    def _delta(self, before: PgSnap, after: PgSnap) -> tuple[float, dict[str, int]]:
        assert before is not None and after is not None
        # Our own snapshot's read is one of the commits counted: taken off.
        delta = {k: after[1][k] - before[1][k] - (k == "xact_commit") for k in PG_FIELDS}
        return after[0] - before[0], delta

    async def calibrate(self) -> PgSnap:
        """The idle servers' own work per second, over one settle; the last snapshot."""
        first = await self.snap()
        second = await self.snap()
        if first is not None and second is not None:
            seconds, delta = self._delta(first, second)
            self.idle_per_s = {k: v / seconds for k, v in delta.items()}
        return second

    def per_event(self, before: PgSnap, after: PgSnap, events: int) -> dict[str, Any] | None:
        if before is None or after is None:
            return None
        seconds, delta = self._delta(before, after)
        figures: dict[str, Any] = {
            k: round(max(0.0, v - self.idle_per_s[k] * seconds) / max(events, 1), 2)
            for k, v in delta.items()
        }
        figures["idle_taken_off"] = {
            k: round(v * seconds, 1) for k, v in self.idle_per_s.items() if v
        }
        return figures


# --- the servers and the crowd ------------------------------------------------------------------


@dataclass
class Crowd:
    cookies: dict[int, str]
    viewers: list[int]  # signed-in sockets
    queuers: list[int]
    staff: int
    booth: int
    publisher: int


async def make_crowd(db: Db, secret_key: str, args: argparse.Namespace) -> Crowd:
    booth = await new_exhibitor(db, seats=1)
    staff = (await new_people(db, 1, exhibitor_id=booth, name="展商"))[0][0]
    people: list[int] = []
    need = args.signed_in + args.queue_people + 1
    while len(people) < need:
        people += [a for a, _ in await new_people(db, min(1000, need - len(people)), name="观众")]
    cookies = await signed_in(db, secret_key, [staff, *people])
    async with db() as session:  # nobody follows the queuers' tickets: none is marked away
        await session.execute(update(MatchSettings).values(queue_grace=3600))
        await session.commit()
    return Crowd(
        cookies=cookies,
        viewers=people[: args.signed_in],
        queuers=people[args.signed_in : args.signed_in + args.queue_people],
        staff=staff,
        booth=booth,
        publisher=people[-1],
    )


def rss_kib(process: Process) -> int:
    return int(fanout.proc_rss_kib(process.child.pid))


def cpu_s(process: Process) -> float:
    return float(fanout.proc_cpu(process.child.pid))


async def open_anonymous(ws_url: str) -> Page:
    ws = await connect(ws_url, open_timeout=30, ping_interval=None, compression=None)
    return Page(ws)


async def in_batches(jobs: list[Callable[[], Awaitable[Any]]], batch: int) -> list[Any]:
    done: list[Any] = []
    for at in range(0, len(jobs), batch):
        done += await asyncio.gather(*(job() for job in jobs[at : at + batch]))
    return done


async def expect_ok(page: Page, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    reply = await page.command(kind, data, timeout=30)
    if reply["type"] != "ok":
        raise RuntimeError(f"{kind} {data}: {reply}")
    return reply


async def closed(pages: list[Page]) -> None:
    """Close the pages, then give the servers a moment: they let go of a socket (its quota,
    its topics) after the closing handshake, which ends here first."""
    await close_pages(pages)
    await asyncio.sleep(2.0)


def chat_text(k: int) -> str:
    """The text fanout.py's load generator reads (event number, send time): its sockets are
    subscribed to the forum while everything here runs, and parse every chat event."""
    return f"{k % 1000000:06d} {time.monotonic_ns():019d}"


# --- the counting phases ------------------------------------------------------------------------


async def count_events(
    servers: list[Process],
    meter: RedisMeter,
    pg: PgMeter,
    crowd: Crowd,
    background: Background,
    args: argparse.Namespace,
    redis_url: str,
) -> dict[str, Any]:
    a, b = servers
    k = args.events
    out: dict[str, Any] = {}

    def tally() -> Tally:
        return Tally(meter)

    # The rate-limit script, from this process: what every limited action adds.
    limiter = RedisLimiter(redis_url)
    try:
        t = tally()
        rate = Rate(1_000_000, 1)

        async def hits() -> None:
            for i in range(k):
                await limiter.hit(f"chat:{i % 50}", rate)

        await t.around(hits, k)
        out["rate_limit_check"] = t.per_event(background)
    finally:
        await limiter.close()
    log(f"rate-limit check: {out['rate_limit_check']['commands']} commands")

    # A chat message, sent on A; both processes follow the forum (the load generator's sockets).
    publisher = await Page.open(a.ws_url, crowd.cookies[crowd.publisher])
    try:
        await expect_ok(publisher, "subscribe", {"topic": TOPIC})
        pg0 = await pg.calibrate()
        t = tally()

        async def chats() -> None:
            for i in range(k):
                await expect_ok(publisher, "chat.send", {"forum": FORUM, "text": chat_text(i)})

        await t.around(chats, k)
        out["chat_send"] = t.per_event(background) | {
            "postgres": pg.per_event(pg0, await pg.snap(), k),
            "subscribed_processes": 2,
        }
    finally:
        await publisher.close()
    log(f"chat.send: {out['chat_send']['commands']} commands")

    # Anonymous handshakes, then their subscribes, then resumes (10 events back).
    t_open, t_sub, t_close, t_resume = tally(), tally(), tally(), tally()
    urls = [servers[i % 2].ws_url for i in range(k)]
    pages: list[Page] = await t_open.around(
        lambda: in_batches([lambda u=u: open_anonymous(u) for u in urls], args.batch), k
    )
    replies = await t_sub.around(
        lambda: in_batches(
            [lambda p=p: expect_ok(p, "subscribe", {"topic": TOPIC}) for p in pages], args.batch
        ),
        k,
    )
    await t_close.around(lambda: closed(pages), k)
    seq, epoch = replies[-1]["data"]["seq"], replies[-1]["data"]["epoch"]
    since = {"topic": TOPIC, "since": max(0, seq - 10), "epoch": epoch}
    pages = await in_batches([lambda u=u: open_anonymous(u) for u in urls], args.batch)
    try:
        await asyncio.sleep(1.0)
        resumed = await t_resume.around(
            lambda: in_batches([lambda p=p: expect_ok(p, "subscribe", since) for p in pages], 50),
            k,
        )
    finally:
        await close_pages(pages)
    out["handshake_anonymous"] = t_open.per_event(background)
    out["close_anonymous"] = t_close.per_event(background)
    out["subscribe_forum"] = t_sub.per_event(background)
    out["resume_forum"] = t_resume.per_event(background) | {
        "replayed_per_resume": resumed[0]["data"]["replayed"],
        "reload": any(r["data"]["reload"] for r in resumed),
    }
    log(
        f"handshake {out['handshake_anonymous']['commands']}, subscribe "
        f"{out['subscribe_forum']['commands']}, resume {out['resume_forum']['commands']} commands"
    )

    # Signed-in sockets: handshake, account topic, forum, an idle window, close.
    n = len(crowd.viewers)
    t_open, t_account, t_forum, t_close = tally(), tally(), tally(), tally()
    rss0 = [rss_kib(s) for s in servers]
    signed = await t_open.around(
        lambda: in_batches(
            [
                lambda i=i, v=v: Page.open(servers[i % 2].ws_url, crowd.cookies[v])
                for i, v in enumerate(crowd.viewers)
            ],
            args.batch,
        ),
        n,
    )
    await t_account.around(
        lambda: in_batches(
            [
                lambda p=p, v=v: expect_ok(p, "subscribe", {"topic": f"account:{v}"})
                for p, v in zip(signed, crowd.viewers, strict=True)
            ],
            args.batch,
        ),
        n,
    )
    await t_forum.around(
        lambda: in_batches(
            [lambda p=p: expect_ok(p, "subscribe", {"topic": TOPIC}) for p in signed], args.batch
        ),
        n,
    )
    await asyncio.sleep(3.0)  # every page's first presence push has gone
    rss1 = [rss_kib(s) for s in servers]
    # Reactions: a process offers its room's reactions to a shared pile four times a second
    # (forums/reactions.py) while its viewers react, whatever their number: counted per
    # process and second of reacting, the background taken off.
    t_react = tally()
    reactors = signed[: min(20, n)]

    async def react() -> int:
        sent, until = 0, time.monotonic() + args.idle_window
        while time.monotonic() < until:
            page = reactors[sent % len(reactors)]
            await expect_ok(page, "reaction.send", {"forum": FORUM, "reaction": "clap"})
            sent += 1
            await asyncio.sleep(0.01)
        await asyncio.sleep(2.0)  # the last offers
        return sent

    reactions_sent = await t_react.around(react)
    reacted = t_react.per_event(background)
    # Each reaction's own rate-limit check taken off: what is left is the piles' and bursts'.
    piles = reacted["commands"] - reactions_sent * out["rate_limit_check"]["commands"]
    out["reactions"] = reacted | {
        "reactions_sent": reactions_sent,
        "commands_per_process_per_s": round(max(0.0, piles) / t_react.seconds / 2, 2),
    }
    with_signed = await idle_window(meter, args.idle_window)
    await t_close.around(lambda: closed(signed), n)
    out["handshake_signed_in"] = t_open.per_event(background)
    out["subscribe_account"] = t_account.per_event(background)
    out["subscribe_forum_signed_in"] = t_forum.per_event(background)
    out["close_signed_in"] = t_close.per_event(background)
    rounds = with_signed.seconds / args.presence_interval  # per process
    idle_rate = sum(background.calls.values()) / background.seconds
    signed_rate = sum(with_signed.calls.values()) / with_signed.seconds
    out["presence"] = {
        "interval_s": args.presence_interval,
        "processes": 2,
        "idle": background.per_second(),
        "with_signed_in": with_signed.per_second(),
        "signed_in_sockets": n,
        "commands_per_process_per_round": round(idle_rate * args.presence_interval / 2, 2),
        "commands_per_signed_in_socket_per_round": round(
            (signed_rate - idle_rate) * with_signed.seconds / max(rounds * 2 * n, 1), 4
        ),
        "rss_kib_per_signed_in_socket": round(
            sum(rss1[i] - rss0[i] for i in range(2)) / max(n, 1), 2
        ),
    }
    log(
        f"signed in: handshake {out['handshake_signed_in']['commands']} commands; presence "
        f"{out['presence']['commands_per_process_per_round']} per process-round, "
        f"{out['presence']['commands_per_signed_in_socket_per_round']} per signed-in socket"
    )

    out["queue"] = await count_queue(a, meter, pg, crowd, background, args)
    return out


async def count_queue(
    server: Process,
    meter: RedisMeter,
    pg: PgMeter,
    crowd: Crowd,
    background: Background,
    args: argparse.Namespace,
) -> dict[str, Any]:
    http = Http(server.base, connections=20, timeout=60)
    booth, staff = crowd.booth, crowd.cookies[crowd.staff]
    try:
        status, body = await http.send("GET", f"/api/match/queues/{booth}/line", staff)
        assert status == 200, body
        t_join, t_read, t_call, t_serve = (Tally(meter) for _ in range(4))
        tickets: list[int] = []

        async def joins() -> None:
            for person in crowd.queuers:
                path = f"/api/match/queues/{booth}/tickets"
                status, body = await http.send("POST", path, crowd.cookies[person], {})
                assert status == 201, body
                tickets.append(body["ticket"]["id"])

        async def reads() -> None:
            """The position of everyone still in line (the first `calls` were served)."""
            for person, ticket in list(zip(crowd.queuers, tickets, strict=True))[calls:]:
                path = f"/api/match/queue-tickets/{ticket}"
                status, body = await http.send("GET", path, crowd.cookies[person])
                assert status == 200, body

        pg0 = await pg.snap()
        await t_join.around(joins, len(crowd.queuers))
        pg1 = await pg.snap()
        calls = min(args.queue_calls, len(tickets))
        for _ in range(calls):
            path = f"/api/match/queues/{booth}/call"
            status, body = await t_call.around(lambda p=path: http.send("POST", p, staff))
            assert status == 200, body
            path = f"/api/match/queue-tickets/{body['ticket']['id']}/served"
            status, body = await t_serve.around(lambda p=path: http.send("POST", p, staff))
            assert status == 200, body
        pg2 = await pg.snap()
        await t_read.around(reads, len(tickets) - calls)
    finally:
        await http.close()
    result: dict[str, Any] = {
        "join": t_join.per_event(background) | {"postgres": pg.per_event(pg0, pg1, len(tickets))},
        "position_read": t_read.per_event(background),
        "call": t_call.per_event(background),
        "served": t_serve.per_event(background),
        "call_and_served_postgres": pg.per_event(pg1, pg2, calls),
        "people_in_line": len(tickets),
    }
    log(
        "queue: join {}, read {}, call {}, served {} commands".format(
            *(result[x]["commands"] for x in ("join", "position_read", "call", "served"))
        )
    )
    return result


async def presence_with_peers(
    meter: RedisMeter, servers: list[Process], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """An idle window per number of peer processes in the registry. Each process reads every
    live process's presence each round, so a round grows with the processes; the peers here
    are entries the bench writes, alive for an hour (no heartbeat needed), each with counts
    for the nine rooms, and removed afterwards. The two real processes do all the reading."""
    client = meter.client
    seconds, micros = await client.time()
    alive_until = int(seconds) * 1000 + int(micros) // 1000 + 3_600_000
    rooms = {f"forum:{n}": 100 for n in range(1, 10)}
    names: list[str] = []
    out = []
    try:
        for peers in args.peers:
            while len(names) < peers:
                name = f"bench-peer-{len(names)}"
                async with client.pipeline(transaction=False) as pipe:
                    pipe.zadd(PROCESSES, {name: alive_until})
                    pipe.hset(PRESENCE_PREFIX + name, mapping=rooms)
                    pipe.hset(ROSTER_PREFIX + name, mapping=dict.fromkeys(rooms, "[]"))
                    await pipe.execute()
                names.append(name)
            await asyncio.sleep(2 * args.presence_interval)
            cpu0 = [cpu_s(s) for s in servers]
            window = await idle_window(meter, args.idle_window)
            cpu = [cpu_s(s) - c for s, c in zip(servers, cpu0, strict=True)]
            rounds = window.seconds / args.presence_interval * len(servers)
            figures = window.per_second() | {
                "peer_processes": peers,
                "live_processes": peers + len(servers),
                "commands_per_process_per_round": round(sum(window.calls.values()) / rounds, 2),
                "net_out_bytes_per_process_per_round": round(window.net_out / rounds, 1),
                "redis_cpu_us_per_process_per_round": round(window.cpu / rounds * 1e6, 1),
                "server_cpu_share": [round(c / window.seconds, 4) for c in cpu],
            }
            out.append(figures)
            log(
                f"presence with {peers + len(servers)} live processes: "
                f"{figures['commands_per_process_per_round']} commands and "
                f"{figures['redis_cpu_us_per_process_per_round']} µs of Redis per process-round"
            )
    finally:
        if names:
            await client.zrem(PROCESSES, *names)
            await client.delete(*(p + n for n in names for p in (PRESENCE_PREFIX, ROSTER_PREFIX)))
    return out


# --- per process: sockets, handshakes, deliveries -----------------------------------------------


def port_of(process: Process) -> int:
    return int(process.base.rsplit(":", 1)[1])


async def connect_loaders(
    pool: Any, ports: list[int], per_port: int, args: argparse.Namespace, label: str
) -> list[dict[str, Any]]:
    """`per_port` more anonymous sockets on `forum:2` to each port, loader i to ports[i]."""
    pool.progress, pool.progress_total, pool.progress_label = {}, per_port * len(ports), label
    msgs = [("connect", port, per_port, args.batch, 30.0) for port in ports]
    msgs += [("connect", ports[0], 0, args.batch, 30.0)] * (len(pool.conns) - len(ports))
    replies = await pool.ask_all(msgs, timeout=args.max_seconds)
    # A loader answers with every socket it holds, these and those it opened before.
    return [{"holding": r[1], "failed": r[2], "errors": r[3]} for r in replies[: len(ports)]]


async def sustained(
    pool: Any,
    publisher: Any,
    pids: list[int],
    rate: float,
    duration: float,
    args: argparse.Namespace,
    label: str,
) -> dict[str, Any]:
    """`rate` events a second for `duration` seconds on a fixed schedule, then every delivery
    waited for; per server process (loader i's sockets are on pids[i]) the deliveries and the
    CPU-seconds it used."""
    # The processes' own idle work first (presence rounds, pings, the control room's figures):
    # taken off the phase's CPU in the costs, so what is left is the events'.
    idle0, t_idle = [fanout.proc_cpu(p) for p in pids], time.monotonic()
    await asyncio.sleep(args.idle_window)
    idle_s = time.monotonic() - t_idle
    idle_share = [(fanout.proc_cpu(p) - c) / idle_s for p, c in zip(pids, idle0, strict=True)]
    await pool.ask_all(("begin",), 30)
    cpu0 = [fanout.proc_cpu(p) for p in pids]
    busy0, _ = fanout.system_cpu()
    loader0, bench0, t0 = pool.cpu(), fanout.proc_cpu(os.getpid()), time.monotonic()
    events = int(rate * duration)
    for k in range(events):
        await publisher.publish(k + 1)
        pause = t0 + (k + 1) / rate - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        if (k + 1) % int(rate * 10) == 0:
            log(f"{label}: {(k + 1) / rate:.0f}/{duration:.0f} s")
    # On a busy machine the server may refuse some chat.send (`rate_limited`: more than
    # EXPO_MAX_PENDING_COMMANDS waiting): those events never exist. Wait for the last one
    # that does; count per event what was published.
    await asyncio.sleep(1.0)
    refused = set()
    for error in publisher.errors:
        if error.startswith("{"):
            refused.add(json.loads(error).get("id"))
    last = max((k for k in range(1, events + 1) if k not in refused), default=events)
    await pool.ask_all(("wait", last, 20.0), 30)
    await asyncio.sleep(0.5)
    wall = time.monotonic() - t0
    cpu = [fanout.proc_cpu(p) - c for p, c in zip(pids, cpu0, strict=True)]
    busy1, _ = fanout.system_cpu()
    loader_cpu, bench_cpu = pool.cpu() - loader0, fanout.proc_cpu(os.getpid()) - bench0
    collected = [r[1] for r in await pool.ask_all(("collect",), 60)]
    foreign = max(0.0, (busy1 - busy0) - sum(cpu) - loader_cpu - bench_cpu)
    published = max(len(c["per_k"]) for c in collected[: len(pids)])
    per_process = []
    for i, pid_cpu in enumerate(cpu):
        got = collected[i]
        delivered = sum(n for n, _, _ in got["per_k"].values())
        per_process.append(
            {
                "sockets": got["live"],
                "deliveries": delivered,
                "expected": got["live"] * published,
                "cpu_s": round(pid_cpu, 3),
                "cpu_share": round(pid_cpu / wall, 3),
                "idle_cpu_share": round(idle_share[i], 4),
                "cpu_s_less_idle": round(max(0.0, pid_cpu - idle_share[i] * wall), 3),
                "deliveries_per_cpu_s": round(delivered / pid_cpu) if pid_cpu else None,
            }
        )
    return {
        "events_sent": events,
        "events": published,
        "refused": len(refused),
        "rate": rate,
        "wall_s": round(wall, 2),
        "publisher_errors": publisher.errors[:3],
        "per_process": per_process,
        "loader_cpu_s": round(loader_cpu, 2),
        "other_processes_cpu_share": round(foreign / wall, 2),
    }


def costs(
    fixed: dict[str, Any], full: dict[str, Any], i: int, split: bool = True
) -> dict[str, Any]:
    """Process i's CPU (its idle work taken off) as (per event) + (per delivery): per event
    from the phase with one subscriber, per delivery from the full phase less that. Not
    `split` for the process that takes the chat.send commands: its per-event cost is mostly
    the command's (milliseconds, moving with the machine's load by more than its deliveries
    cost), so its deliveries' share cannot be told apart; the other process's can."""
    one, many = fixed["per_process"][i], full["per_process"][i]
    per_event = one["cpu_s_less_idle"] / max(fixed["events"], 1)
    figures: dict[str, Any] = {
        "idle_cpu_share": many["idle_cpu_share"],
        "cpu_us_per_event": round(per_event * 1e6, 1),
        "cpu_us_per_delivery": None,
        "deliveries_per_cpu_s": None,
    }
    if split:
        rest = many["cpu_s_less_idle"] - per_event * full["events"]
        per_delivery = rest / max(many["deliveries"] - full["events"], 1)
        figures["cpu_us_per_delivery"] = round(per_delivery * 1e6, 2)
        figures["deliveries_per_cpu_s"] = round(1 / per_delivery) if per_delivery > 0 else None
    return figures


async def connect_measured(
    pool: Any,
    pids: list[int],
    ports: list[int],
    per: int,
    held: int,
    args: argparse.Namespace,
    label: str,
) -> list[dict[str, Any]]:
    """`per` sockets more on each port (each loader holding `held` already) in two halves:
    memory and CPU per socket of both and of the second alone (the marginal cost, once
    whatever a process sets up on first use is done)."""
    rss0, cpu0 = [fanout.proc_rss_kib(p) for p in pids], [fanout.proc_cpu(p) for p in pids]
    first = await connect_loaders(pool, ports, per // 2, args, f"{label}: ")
    cpu1 = [fanout.proc_cpu(p) for p in pids]
    await asyncio.sleep(3.0)
    rss1 = [fanout.proc_rss_kib(p) for p in pids]
    second = await connect_loaders(pool, ports, per - per // 2, args, f"{label}: ")
    cpu2 = [fanout.proc_cpu(p) for p in pids]
    await asyncio.sleep(3.0)
    rss2 = [fanout.proc_rss_kib(p) for p in pids]
    out = []
    for i in range(len(pids)):
        n1 = first[i]["holding"] - held
        n2 = second[i]["holding"] - first[i]["holding"]
        out.append(
            {
                "connected": n1 + n2,
                "failed": first[i]["failed"] + second[i]["failed"],
                "errors": first[i]["errors"] | second[i]["errors"],
                "cpu_s": round(cpu2[i] - cpu0[i], 3),
                "handshakes_per_cpu_s": round((n1 + n2) / (cpu2[i] - cpu0[i]))
                if cpu2[i] > cpu0[i]
                else None,
                "handshakes_per_cpu_s_second_half": round(n2 / (cpu2[i] - cpu1[i]))
                if cpu2[i] > cpu1[i]
                else None,
                "rss_kib": [rss0[i], rss1[i], rss2[i]],
                "rss_kib_per_socket": round((rss2[i] - rss0[i]) / max(n1 + n2, 1), 2),
                "rss_kib_per_socket_second_half": round((rss2[i] - rss1[i]) / max(n2, 1), 2),
            }
        )
    return out


async def warm_up(pool: Any, ports: list[int], args: argparse.Namespace, label: str) -> None:
    """Some sockets opened and closed first: a process sets things up on first use (imports,
    caches, pools) that would count as the sockets' memory and CPU."""
    await connect_loaders(pool, ports, args.warm_up, args, f"{label} warm-up: ")
    await pool.ask_all(("close_all",), 60)
    await asyncio.sleep(2.0)


async def expo_connect(pool: Any, servers: list[Process], args: argparse.Namespace) -> Any:
    """Warm up both processes, measure the fixed cost of an event with one subscriber on each,
    then open the sockets (half on each) and measure them."""
    ports, pids = [port_of(s) for s in servers], [s.child.pid for s in servers]
    await warm_up(pool, ports, args, "expo")
    await connect_loaders(pool, ports, 1, args, "expo one subscriber: ")
    publisher = fanout.Publisher("expo", ports[0])
    await publisher.open()
    try:
        fixed = await sustained(
            pool, publisher, pids, args.fixed_rate, args.fixed_duration, args, "expo, one each"
        )
    finally:
        await publisher.close()
    connected = await connect_measured(pool, pids, ports, args.sockets // 2 - 1, 1, args, "expo")
    log(
        "expo: {} sockets; {} KiB each (second half); {} handshakes per CPU-second".format(
            sum(c["connected"] for c in connected),
            [c["rss_kib_per_socket_second_half"] for c in connected],
            [c["handshakes_per_cpu_s"] for c in connected],
        )
    )
    return {"connect": connected, "one_subscriber": fixed}


async def expo_fanout(
    pool: Any, servers: list[Process], result: dict[str, Any], args: argparse.Namespace
) -> None:
    publisher = fanout.Publisher("expo", port_of(servers[0]))
    await publisher.open()
    try:
        full = await sustained(
            pool, publisher, [s.child.pid for s in servers], args.rate, args.duration, args, "expo"
        )
    finally:
        await publisher.close()
    result["fanout"] = full
    result["costs"] = [costs(result["one_subscriber"], full, i, split=i == 1) for i in range(2)]
    log(f"expo: {result['costs']}")


async def baseline(pool: Any, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """bench/baselines.py's websockets.broadcast server, measured as one expo process is."""
    server = fanout.ServerProcess("websockets", workdir, None)
    server.start()
    try:
        await server.wait_ready(30)
        ports, pids = [server.port], [server.pid]
        await warm_up(pool, ports, args, "websockets")
        await connect_loaders(pool, ports, 1, args, "websockets one subscriber: ")
        publisher = fanout.Publisher("websockets", server.port)
        await publisher.open()
        try:
            fixed = await sustained(
                pool, publisher, pids, args.fixed_rate, args.fixed_duration, args, "websockets, one"
            )
            connected = await connect_measured(
                pool, pids, ports, args.sockets // 2 - 1, 1, args, "websockets"
            )
            full = await sustained(
                pool, publisher, pids, args.rate, args.duration, args, "websockets"
            )
        finally:
            await publisher.close()
        await pool.ask_all(("close_all",), 60)
    finally:
        await asyncio.to_thread(server.stop)
    result = {
        "connect": connected,
        "one_subscriber": fixed,
        "fanout": full,
        "costs": [costs(fixed, full, 0)],
    }
    log(f"websockets baseline: {result['costs']}")
    return result


# --- redis-benchmark ----------------------------------------------------------------------------


def redis_benchmark(redis: RedisServer, requests: int) -> dict[str, Any]:
    """redis-benchmark against the bench's Redis, one test at a time: requests/s (wall, shared
    machine) and requests per CPU-second of redis-server (robust)."""
    if shutil.which("redis-benchmark") is None or redis._child is None:
        return {"error": "redis-benchmark is not installed"}
    pid = redis._child.pid
    tests = {
        "SET": ["-t", "set"],
        "GET": ["-t", "get"],
        "PUBLISH": ["publish", "expo-bench", "x" * 200],  # no subscriber: the command alone
    }
    out: dict[str, Any] = {"requests": requests, "clients": 50, "pipeline": 1}
    for name, test in tests.items():
        cpu0 = fanout.proc_cpu(pid)
        done = subprocess.run(
            ["redis-benchmark", "-h", "127.0.0.1", "-p", str(redis.port), "-q"]
            + ["-n", str(requests), *test],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        cpu = fanout.proc_cpu(pid) - cpu0
        line = [x for x in done.stdout.replace("\r", "\n").splitlines() if "requests per" in x]
        line = [x.replace("x" * 200, "<200 bytes>") for x in line]
        rps = float(line[-1].split(":", 1)[1].split()[0]) if line else None
        out[name] = {
            "requests_per_s": rps,
            "redis_cpu_s": round(cpu, 3),
            "requests_per_redis_cpu_s": round(requests / cpu) if cpu else None,
            "line": line[-1].strip() if line else done.stdout[-300:],
        }
        log(
            f"redis-benchmark {name}: {out[name]['line']}; {out[name]['requests_per_redis_cpu_s']}"
            " per Redis CPU-second"
        )
    return out


# --- the run ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def git(*argv: str) -> str:
        try:
            return subprocess.run(
                ["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    return {
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": git("rev-parse", "HEAD"),
        "files_changed_since_commit": git("status", "--porcelain", "--untracked-files=no"),
    }


async def run(args: argparse.Namespace, pool: Any, workdir: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine_before": machine(),
    }
    redis = RedisServer(free_port())
    await redis.start()
    try:
        log(f"redis-server of the bench's own on port {redis.port}")
        result["redis_benchmark"] = await asyncio.to_thread(redis_benchmark, redis, 100_000)
        meter = RedisMeter(redis.url)
        await meter.client.flushall()
        await meter.client.config_resetstat()
        try:
            if args.database == "postgres":
                async with fresh_postgres_database() as url:
                    result |= await with_database(url, url, redis, meter, pool, args, workdir)
            else:
                url = f"sqlite+aiosqlite:///{workdir}/capacity.db"
                result |= await with_database(url, None, redis, meter, pool, args, workdir)
        finally:
            await meter.close()
    finally:
        await redis.stop()
    result["machine_after"] = machine()
    return result


async def with_database(
    url: str,
    pg_url: str | None,
    redis: RedisServer,
    meter: RedisMeter,
    pool: Any,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, Any]:
    log(f"migrating and seeding the demo expo ({args.database})")
    await prepare_demo_database(url)
    secret_key = secrets.token_urlsafe(24)
    engine = make_engine(url)
    try:
        crowd = await make_crowd(make_sessionmaker(engine), secret_key, args)
    finally:
        await engine.dispose()
    env = {
        **os.environ,
        "EXPO_DATABASE_URL": url,
        "EXPO_REDIS_URL": redis.url,
        "EXPO_SECRET_KEY": secret_key,
        "EXPO_PRESENCE_INTERVAL": str(args.presence_interval),
        "EXPO_LOG_JSON": "1",
        # The crowd comes from one address, far faster than people: every limit lifted (each
        # check still runs, one script call, and is counted).
        "EXPO_RATE_LIMITS": ",".join(f"{rate}=1000000/1" for rate in DEFAULT_RATES),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    servers: list[Process] = []
    out: dict[str, Any] = {}
    try:
        for name in ("a", "b"):
            servers.append(await start(env, log=workdir / f"expo-{name}.log"))
        log("two expo serve processes up")
        out["per_process"] = await expo_connect(pool, servers, args)
        await asyncio.sleep(2.0)
        await meter.calibrate()
        background = await idle_window(meter, args.idle_window)
        log(f"idle: {background.per_second()['commands_per_s']} Redis commands/s")
        out["counts"] = await count_events(
            servers, meter, PgMeter(pg_url, args.pg_settle), crowd, background, args, redis.url
        )
        out["counts"]["idle"] = background.per_second()
        out["presence_with_peers"] = await presence_with_peers(meter, servers, args)
        await expo_fanout(pool, servers, out["per_process"], args)
        await pool.ask_all(("close_all",), 60)
        for s in servers:
            await stop(s)
        servers = []
        out["baseline_websockets"] = await baseline(pool, workdir, args)
    finally:
        for s in servers:
            await stop(s)
        warnings = []
        for name in ("a", "b"):
            path = workdir / f"expo-{name}.log"
            if path.exists():
                warnings += [
                    line[:500]
                    for line in path.read_text(errors="replace").splitlines()
                    if '"level":"warning"' in line or '"level":"error"' in line
                ]
        out["server_warnings"] = warnings[:10]
    return out


def table(result: dict[str, Any]) -> str:
    c = result["counts"]
    q = c["queue"]
    rows = [
        ("chat.send (2 processes subscribed)", c["chat_send"]),
        ("handshake, anonymous", c["handshake_anonymous"]),
        ("close, anonymous", c["close_anonymous"]),
        ("subscribe forum", c["subscribe_forum"]),
        ("resume forum (10 replayed)", c["resume_forum"]),
        ("handshake, signed in", c["handshake_signed_in"]),
        ("subscribe account:<id>", c["subscribe_account"]),
        ("subscribe forum, signed in", c["subscribe_forum_signed_in"]),
        ("close, signed in", c["close_signed_in"]),
        ("queue join", q["join"]),
        ("queue position read", q["position_read"]),
        ("queue call", q["call"]),
        ("queue served", q["served"]),
        ("rate-limit check", c["rate_limit_check"]),
    ]
    r = c["reactions"]
    lines = [
        f"capacity inputs, {result['when']}, load average before "
        f"{result['machine_before']['load_average']}",
        "",
        f"{'per event':<36}{'Redis cmds':>11}{'bytes in':>10}{'bytes out':>10}"
        f"{'Redis µs':>9}  busiest commands",
    ]
    for label, f in rows:
        busiest = ", ".join(f"{k} {v}" for k, v in list(f["by_kind"].items())[:4])
        lines.append(
            f"{label:<36}{f['commands']:>11}{f['net_in_bytes']:>10}{f['net_out_bytes']:>10}"
            f"{f['redis_cpu_us']:>9}  {busiest}"
        )
    p = c["presence"]
    lines += [
        "",
        f"reactions: {r['commands_per_process_per_s']} commands per process per second while "
        f"its viewers react ({r['reactions_sent']} reactions, busiest: "
        + ", ".join(f"{k} {v}" for k, v in list(r["by_kind"].items())[:4])
        + ")",
        f"presence: {p['commands_per_process_per_round']} commands per process per round, "
        f"{p['commands_per_signed_in_socket_per_round']} per signed-in socket per round "
        f"({p['signed_in_sockets']} signed in), {p['rss_kib_per_signed_in_socket']} KiB RSS "
        "per signed-in socket",
    ]
    pg = [
        ("chat.send", c["chat_send"].get("postgres")),
        ("queue join", q["join"].get("postgres")),
        ("queue call + served", q["call_and_served_postgres"]),
    ]
    for label, figures in pg:
        if figures:
            lines.append(
                f"PostgreSQL per {label}: {figures['xact_commit']} commits, "
                f"{figures['tup_inserted']} rows inserted, {figures['tup_updated']} updated"
            )
    for peers in result["presence_with_peers"]:
        lines.append(
            f"presence with {peers['live_processes']} live processes: "
            f"{peers['commands_per_process_per_round']} commands, "
            f"{peers['net_out_bytes_per_process_per_round']} bytes out and "
            f"{peers['redis_cpu_us_per_process_per_round']} µs of Redis CPU per process per round"
        )
    pp, base = result["per_process"], result["baseline_websockets"]
    sides = [(pp, 0), (pp, 1), (base, 0)]
    lines += ["", f"{'per process':<40}{'expo A':>12}{'expo B':>12}{'websockets':>12}"]

    def row(label: str, pick: Callable[[dict[str, Any], int], Any]) -> None:
        cells = [pick(d, i) for d, i in sides]
        lines.append(f"{label:<40}" + "".join(f"{'-' if v is None else v!s:>12}" for v in cells))

    row(
        "memory per idle socket, KiB (2nd half)",
        lambda d, i: d["connect"][i]["rss_kib_per_socket_second_half"],
    )
    row(
        "handshakes + subscribe per CPU-second",
        lambda d, i: d["connect"][i]["handshakes_per_cpu_s"],
    )
    row("idle CPU share of a core", lambda d, i: d["costs"][i]["idle_cpu_share"])
    row("CPU µs per event (one subscriber)", lambda d, i: d["costs"][i]["cpu_us_per_event"])
    row("CPU µs per delivery (marginal)", lambda d, i: d["costs"][i]["cpu_us_per_delivery"])
    row("deliveries per CPU-second (marginal)", lambda d, i: d["costs"][i]["deliveries_per_cpu_s"])
    row(
        "deliveries per CPU-second (whole)",
        lambda d, i: d["fanout"]["per_process"][i]["deliveries_per_cpu_s"],
    )
    row(
        "delivered / expected, thousands",
        lambda d, i: "{}/{}".format(
            *(round(d["fanout"]["per_process"][i][k] / 1000) for k in ("deliveries", "expected"))
        ),
    )
    lines.append(
        "other processes' CPU share during the sustained phases: "
        f"{pp['one_subscriber']['other_processes_cpu_share']}, "
        f"{pp['fanout']['other_processes_cpu_share']} (expo); "
        f"{base['one_subscriber']['other_processes_cpu_share']}, "
        f"{base['fanout']['other_processes_cpu_share']} (websockets); chat.send refused as "
        f"too many waiting: {pp['one_subscriber']['refused']} of "
        f"{pp['one_subscriber']['events_sent']}, {pp['fanout']['refused']} of "
        f"{pp['fanout']['events_sent']}"
    )
    rb = result["redis_benchmark"]
    if "error" not in rb:
        lines.append("")
        for name in ("SET", "GET", "PUBLISH"):
            lines.append(
                f"redis-benchmark {name}: {rb[name]['requests_per_s']} requests/s, "
                f"{rb[name]['requests_per_redis_cpu_s']} per Redis CPU-second"
            )
    return "\n".join(lines)


# --- the model: docs/capacity.md ----------------------------------------------------------------


@dataclass(frozen=True)
class Mix:
    """What an audience does. Every field is an assumption, named as such in docs/capacity.md;
    the figures each is multiplied by are measured (`inputs`)."""

    main_stage: float = 0.60  # share of the audience in the main stage's room
    forums: float = 0.25  # in the eight forum rooms, evenly
    hall: float = 0.10  # on hall and booth pages
    queues_meetings: float = 0.05  # in a booth queue, a call or a meeting room
    signed_in: float = 0.70  # sockets of signed-in people (they also follow account:<id>)
    chat_main: float = 20.0  # chat messages a second shown in the main stage
    chat_forum: float = 5.0  # in each forum room
    reactions: float = 1.0  # reaction bursts a second per room (at most one: forums/reactions.py)
    presence: float = 1.0  # presence pushes a second per room (EXPO_PRESENCE_INTERVAL = 1 s)
    other: float = 0.5  # other room events a second: Q&A, polls, stage and session changes
    hall_events: float = 0.5  # events a second a hall or booth page gets
    queue_events: float = 0.2  # events a second a queue or meeting page gets
    socket_life_s: float = 1800.0  # a socket's mean life (page changes, reconnects)
    queue_turn_s: float = 600.0  # one person's join, call and served, spread over this
    position_reads_per_min: float = 1.0  # queue position reads per person in line
    utilisation: float = 0.5  # of a core per process: room for a dead process's sockets
    redis_core_ops: float = 100_000.0  # simple commands a second one Redis core does
    redis_target: float = 0.5  # of a shard's core we plan to use
    forum_rooms: int = 8


def inputs(r: dict[str, Any]) -> dict[str, float]:
    """The measured figures the model uses, from a results file of this bench."""
    pp, c, rb = r["per_process"], r["counts"], r["redis_benchmark"]
    costs, conn = pp["costs"], pp["connect"]
    low, high = r["presence_with_peers"][-2], r["presence_with_peers"][-1]
    span = high["live_processes"] - low["live_processes"]

    def slope(name: str) -> float:
        return float(high[name] - low[name]) / float(span)

    def cmds(*names: str) -> float:
        return float(sum(c[name]["commands"] for name in names))

    queue = c["queue"]
    return {
        "delivery_us": costs[1]["cpu_us_per_delivery"],  # B: a process that only fans out
        "event_us": costs[1]["cpu_us_per_event"],  # B: a process that only fans out
        "chat_command_us": costs[0]["cpu_us_per_event"] - costs[1]["cpu_us_per_event"],
        "idle_share": max(x["idle_cpu_share"] for x in costs),
        "kib_per_socket": max(
            *(x["rss_kib_per_socket_second_half"] for x in conn),
            c["presence"]["rss_kib_per_signed_in_socket"],
        ),
        "base_rss_mib": max(x["rss_kib"][0] for x in conn) / 1024,
        "handshakes_per_cpu_s": min(x["handshakes_per_cpu_s"] for x in conn),
        "chat_cmds": cmds("chat_send"),
        "publish_cmds": cmds("chat_send") - cmds("rate_limit_check"),
        "publish_out_bytes_per_process": c["chat_send"]["net_out_bytes"] / 2,
        "signed_socket_cmds": cmds(
            "handshake_signed_in",
            "subscribe_account",
            "subscribe_forum_signed_in",
            "close_signed_in",
        ),
        "anonymous_socket_cmds": cmds("handshake_anonymous", "subscribe_forum", "close_anonymous"),
        "queue_turn_cmds": float(sum(queue[x]["commands"] for x in ("join", "call", "served"))),
        "position_read_cmds": queue["position_read"]["commands"],
        "presence_cmds": c["presence"]["commands_per_process_per_round"],
        "presence_cmds_per_peer": slope("commands_per_process_per_round"),
        "presence_redis_us_per_peer": slope("redis_cpu_us_per_process_per_round"),
        "presence_bytes_per_peer": slope("net_out_bytes_per_process_per_round"),
        "reaction_cmds_per_process_s": c["reactions"]["commands_per_process_per_s"],
        "pg_rows_per_chat": (c["chat_send"].get("postgres") or {}).get("tup_inserted", 1.0),
        "pg_commits_per_queue_turn": (queue["join"].get("postgres") or {}).get("xact_commit", 3.0)
        + (queue.get("call_and_served_postgres") or {}).get("xact_commit", 2.0),
        "redis_ops_per_cpu_s": min(rb[x]["requests_per_redis_cpu_s"] for x in ("SET", "GET")),
    }


def model(m: dict[str, float], audience: int, mix: Mix) -> dict[str, float]:
    """Processes, Redis and PostgreSQL for `audience` concurrent sockets."""
    rooms = 1 + mix.forum_rooms
    room_extra = mix.reactions + mix.presence + mix.other
    main = audience * mix.main_stage
    deliveries = (
        main * (mix.chat_main + room_extra)
        + audience * mix.forums * (mix.chat_forum + room_extra)
        + audience * mix.hall * mix.hall_events
        + audience * mix.queues_meetings * mix.queue_events
    )
    chat = mix.chat_main + mix.forum_rooms * mix.chat_forum
    # Every process has viewers in every room, so it gets (and frames once) every room event.
    room_events = chat + rooms * room_extra
    fixed = m["idle_share"] + room_events * m["event_us"] / 1e6
    work = deliveries * m["delivery_us"] / 1e6 + chat * m["chat_command_us"] / 1e6
    processes = max(2, math.ceil(work / (mix.utilisation - fixed)))
    per_process = audience / processes
    # Redis: published events (chat with its rate-limit check; bursts, Q&A and the like),
    # presence (per process and round, growing with the processes: every process reads every
    # other's counts), reaction piles, sockets coming and going, queues.
    published = chat * m["chat_cmds"] + rooms * (mix.reactions + mix.other) * m["publish_cmds"]
    presence = (
        processes
        * (m["presence_cmds"] + m["presence_cmds_per_peer"] * (processes - 2))
        / mix.presence
    )
    presence_core = processes * processes * m["presence_redis_us_per_peer"] / 1e6 / mix.presence
    reactions = processes * rooms * m["reaction_cmds_per_process_s"]
    sockets = (
        audience
        / mix.socket_life_s
        * (
            mix.signed_in * m["signed_socket_cmds"]
            + (1 - mix.signed_in) * m["anonymous_socket_cmds"]
        )
    )
    in_line = audience * mix.queues_meetings / 2  # half of those in queues, half in meetings
    queues = (
        in_line / mix.queue_turn_s * m["queue_turn_cmds"]
        + in_line * mix.position_reads_per_min / 60 * m["position_read_cmds"]
    )
    spread = published + reactions + sockets + queues  # over the shards, by hash slot
    shards = max(1, math.ceil(spread / (mix.redis_core_ops * mix.redis_target)))
    pubsub_out = (chat + rooms * (mix.reactions + mix.other)) * processes
    return {
        "audience": audience,
        "deliveries_per_s": deliveries,
        "delivery_cores": deliveries * m["delivery_us"] / 1e6,
        "processes": processes,
        "sockets_per_process": per_process,
        "process_gib": (m["base_rss_mib"] + per_process * m["kib_per_socket"] / 1024) / 1024,
        "fixed_share": fixed,
        "failover_s": per_process
        / ((processes - 1) * (1 - mix.utilisation) * m["handshakes_per_cpu_s"]),
        "everyone_back_s": audience / (processes * m["handshakes_per_cpu_s"]),
        "redis_published": published,
        "redis_presence": presence,
        "redis_presence_core": presence_core,
        "redis_reactions": reactions,
        "redis_sockets": sockets,
        "redis_queues": queues,
        "redis_total": spread + presence,
        "shards": shards,
        "pubsub_messages_out_per_s": pubsub_out,
        "pubsub_mb_out_per_s": pubsub_out * m["publish_out_bytes_per_process"] / 1e6,
        "presence_mb_out_per_s": processes
        * processes
        * m["presence_bytes_per_peer"]
        / 1e6
        / mix.presence,
        "pg_writes_per_s": chat * m["pg_rows_per_chat"]
        + in_line / mix.queue_turn_s * m["pg_commits_per_queue_turn"],
    }


def model_table(result: dict[str, Any], sizes: list[int], mix: Mix) -> str:
    m = inputs(result)
    rows = [model(m, n, mix) for n in sizes]
    spec = [
        ("deliveries/s", "deliveries_per_s", 0),
        ("cores for deliveries alone", "delivery_cores", 1),
        ("server processes (one core each)", "processes", 0),
        ("sockets per process", "sockets_per_process", 0),
        ("memory per process, GiB", "process_gib", 2),
        ("share of a core every process spends anyway", "fixed_share", 3),
        ("one process dies: its sockets back, s", "failover_s", 2),
        ("every socket at once (a balancer restarts), s", "everyone_back_s", 1),
        ("Redis: published events, commands/s", "redis_published", 0),
        ("Redis: presence, commands/s (one master)", "redis_presence", 0),
        ("Redis: presence, cores of that master", "redis_presence_core", 2),
        ("Redis: reaction piles, commands/s", "redis_reactions", 0),
        ("Redis: sockets opening/closing, commands/s", "redis_sockets", 0),
        ("Redis: queues, commands/s", "redis_queues", 0),
        ("Redis: all, commands/s", "redis_total", 0),
        ("Redis shards for all but presence", "shards", 0),
        ("Redis pub/sub messages out/s", "pubsub_messages_out_per_s", 0),
        ("Redis pub/sub MB/s out", "pubsub_mb_out_per_s", 2),
        ("Redis presence MB/s out", "presence_mb_out_per_s", 2),
        ("PostgreSQL writes/s", "pg_writes_per_s", 0),
    ]
    head = "| | " + " | ".join(f"{n:,}" for n in sizes) + " |"
    lines = [head, "|---" * (len(sizes) + 1) + "|"]
    for label, key, digits in spec:
        cells = [f"{row[key]:,.{digits}f}" for row in rows]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Measured inputs: " + ", ".join(f"{k} {v:,.4g}" for k, v in m.items()))
    return "\n".join(lines)


async def amain(args: argparse.Namespace, pool: Any) -> int:
    pool.attach()
    with tempfile.TemporaryDirectory(prefix="expo-capacity-") as tmp:
        async with asyncio.timeout(args.max_seconds):
            result = await run(args, pool, Path(tmp))
    print(table(result))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"capacity-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    log(f"written: {path}")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=2000, help="anonymous sockets, half each")
    parser.add_argument("--rate", type=float, default=20, help="chat messages/s, sustained")
    parser.add_argument("--duration", type=float, default=20, help="seconds of sustained fanout")
    parser.add_argument("--events", type=int, default=100, help="K: each counted event, K times")
    parser.add_argument("--signed-in", type=int, default=500, help="signed-in sockets")
    parser.add_argument("--queue-people", type=int, default=60, help="people joining a queue")
    parser.add_argument("--queue-calls", type=int, default=30, help="calls (and served)")
    parser.add_argument("--fixed-rate", type=float, default=30, help="events/s, one subscriber")
    parser.add_argument("--fixed-duration", type=float, default=20, help="seconds of that")
    parser.add_argument("--warm-up", type=int, default=100, help="sockets opened and closed first")
    parser.add_argument(
        "--peers",
        type=lambda text: [int(x) for x in text.split(",") if x],
        default=[0, 48, 198],
        help="peer processes added to the registry, per presence window",
    )
    parser.add_argument("--idle-window", type=float, default=5.0, help="seconds per idle window")
    parser.add_argument("--presence-interval", type=float, default=1.0)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--pg-settle", type=float, default=11.0, help="see PgMeter")
    parser.add_argument("--batch", type=int, default=50, help="sockets opening at once")
    parser.add_argument("--loaders", type=int, default=2, help="load-generator processes (≥ 2)")
    parser.add_argument("--max-seconds", type=float, default=900, help="bound on the whole run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--model",
        type=Path,
        help="no run: docs/capacity.md's model from this results file, as a Markdown table",
    )
    parser.add_argument(
        "--audiences",
        type=lambda text: [int(x) for x in text.split(",") if x],
        default=[10_000, 100_000, 1_000_000],
        help="the model's audience sizes",
    )
    args = parser.parse_args(argv)
    args.loaders = max(2, args.loaders)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.model is not None:
        result = json.loads(args.model.read_text())
        print(model_table(result, args.audiences, Mix()))
        return 0
    # Before any thread or event loop: the servers and the load generator inherit the limit,
    # and the load generator's processes are forked here.
    fanout.raise_nofile(args.sockets + args.signed_in + args.events + 1000)
    pool = fanout.LoaderPool(args.loaders, None)
    try:
        return asyncio.run(amain(args, pool))
    finally:
        pool.stop()


if __name__ == "__main__":
    raise SystemExit(main())
