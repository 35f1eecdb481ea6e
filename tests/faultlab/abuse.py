"""Abuse (issue 14, scenario 4): malformed websocket messages, malformed handshakes and heads
that never end, thrown at one real `expo serve` (SQLite, no Redis) while a few well-behaved
clients follow a room's chat at a steady rate.

Checks (any size): the server process is the one it was (same pid, /healthz answers); every
malformed message got the error reply or the close code docs/protocol.md gives it, and every
bad handshake its status; nothing aimed at other people's booths, meetings, tickets and
conversations acted (their rows are as they were, and each got an error); no reply said
`internal` and the log holds no traceback; the well-behaved clients got every chat message.
Targets (full size): each answer within 1 s, the server's RSS grows < 50 MB, the well-behaved
clients' p99 < 2x their p99 without the abuse (measured first, in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

from expo.ratelimit import DEFAULT_RATES
from tests.cluster import ATTENDEE, PASSWORD, Process, start, stop
from tests.faultlab.outcome import Outcome
from tests.live import prepare_demo_database

EXHIBITOR = "exhibitor@demo.shubo.live"
ROOT = str(Path(__file__).resolve().parents[2])  # the attacker's process imports from here
ROOM = "forum:1"
# The rate limits that are defences under test here, kept at their defaults.
DEFENCES = ("refusals", "commands", "strikes")
# What the server counted of them (its /metrics), reported with the figures.
DEFENDED = ("expo_ws_paced_total", "expo_ws_strikes_total", "expo_ws_tarpitted_total")
# Tables of what the attackers aim at: none of their rows may change during the attack.
GUARDED = (
    "meeting",
    "meeting_request",
    "meeting_place",
    "meeting_message",
    "queue_ticket",
    "queue_message",
    "conversation",
    "private_message",
    "booth_sanction",
    "room_sanction",
    "booth_duty",
    "staff_duty",
    "booth_chat_message",
    "moderation_entry",
    "question",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=100_000, help="malformed messages")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--handshakes", type=int, default=10_000, help="malformed handshakes")
    parser.add_argument("--handshake-concurrency", type=int, default=20)
    parser.add_argument(
        "--fragments", type=int, default=1_000_000, help="pieces of the one fragmented message"
    )
    parser.add_argument("--slowloris", type=int, default=50, help="heads that never end")
    parser.add_argument("--slowloris-seconds", type=float, default=60.0)
    parser.add_argument(
        "--head-timeout", type=float, default=20.0, help="EXPO_HEAD_TIMEOUT (its default: 20)"
    )
    parser.add_argument("--watchers", type=int, default=5, help="well-behaved subscribers")
    parser.add_argument("--chat-rate", type=float, default=20.0, help="chat messages a second")
    parser.add_argument("--baseline-seconds", type=float, default=30.0)
    parser.add_argument("--max-seconds", type=float, default=900.0, help="the attack's bound")
    parser.add_argument(
        "--tarpit-seconds",
        type=float,
        default=None,
        help="EXPO_TARPIT_SECONDS: how long an address past its strikes is held (default: 0.5)",
    )
    parser.add_argument(
        "--without-closes",
        action="store_true",
        help="leave out the messages that close the socket (and so the reconnects they cost)",
    )


def counters(exposition: str, names: tuple[str, ...]) -> dict[str, float]:
    """The values of the counters `names` in a Prometheus text exposition (0 when absent)."""
    found = dict.fromkeys(names, 0.0)
    for line in exposition.splitlines():
        name, _, value = line.partition(" ")
        if name in found:
            found[name] = float(value)
    return found


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return -1.0


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


class Chat:
    """Well-behaved clients: one account posts in a room at a steady rate, `watchers` anonymous
    tabs follow it and time each message from its sending to its arrival (one clock: all in
    this process)."""

    def __init__(self, process: Process, cookie: str, watchers: int, rate: float) -> None:
        self.process, self.cookie, self.rate = process, cookie, rate
        self.watchers = watchers
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.received = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = asyncio.Event()
        self._subscribed = 0
        self._running = True

    async def __aenter__(self) -> Chat:
        self._tasks = [asyncio.create_task(self._watch()) for _ in range(self.watchers)]
        async with asyncio.timeout(30):
            await self._ready.wait()
        self._tasks.append(asyncio.create_task(self._post()))
        return self

    async def __aexit__(self, *_: object) -> None:
        self._running = False
        await asyncio.sleep(1)  # the last messages arrive
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def take(self) -> list[float]:
        """The latencies measured since the last take."""
        taken, self.latencies = self.latencies, []
        return taken

    async def _watch(self) -> None:
        async with self.process.connect() as ws:
            await ws.send(
                orjson.dumps({"type": "subscribe", "id": 1, "data": {"topic": ROOM}}).decode()
            )
            self._subscribed += 1
            if self._subscribed == self.watchers:
                self._ready.set()
            async for raw in ws:
                event = orjson.loads(raw)
                if event.get("type") == "chat.message_posted":
                    sent = self.sent_at.get(event["data"]["text"])
                    if sent is not None:
                        self.latencies.append(time.monotonic() - sent)
                        self.received += 1

    async def _post(self) -> None:
        async with self.process.connect(self.cookie) as ws:
            started, n = time.monotonic(), 0
            while self._running:
                n += 1
                text = f"steady {n}"
                self.sent_at[text] = time.monotonic()
                await ws.send(
                    orjson.dumps(
                        {"type": "chat.send", "id": n, "data": {"forum": 1, "text": text}}
                    ).decode()
                )
                await ws.recv()  # its reply (or its event first: either keeps the pace)
                await asyncio.sleep(max(0.0, started + n / self.rate - time.monotonic()))


def guarded_rows(database: Path) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """Each guarded table's rows by rowid: what the attackers must not have changed."""
    rows: dict[str, dict[Any, tuple[Any, ...]]] = {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table in GUARDED:
            if table in present:
                cursor = db.execute(f"SELECT rowid, * FROM {table}")  # noqa: S608
                names = [c[0] for c in cursor.description]
                rows[table] = {r[0]: tuple(zip(names[1:], r[1:], strict=True)) for r in cursor}
    return rows


def changes(before: dict[str, dict[Any, Any]], after: dict[str, dict[Any, Any]]) -> list[str]:
    """What differs, named: `queue_ticket 3: status waiting -> left`, `booth_sanction +1 row`."""
    found = []
    for table, rows in before.items():
        now = after.get(table, {})
        if len(now) != len(rows):
            found.append(f"{table} {len(now) - len(rows):+d} rows")
        for rowid, row in rows.items():
            if rowid in now and now[rowid] != row:
                diff = [
                    f"{a[0]} {a[1]!r} -> {b[1]!r}"
                    for a, b in zip(row, now[rowid], strict=True)
                    if a != b
                ]
                found.append(f"{table} {rowid}: {', '.join(diff)}")
    return found


def other_peoples(database: Path, attackers: set[int], own_booth: int) -> dict[str, Any]:
    """Ids of objects none of the attackers has a part in."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:

        def ids(query: str) -> list[int]:
            return [row[0] for row in db.execute(query)][:40]

        them = ",".join(map(str, attackers))
        return {
            "tickets": ids(f"SELECT id FROM queue_ticket WHERE account_id NOT IN ({them})"),
            "conversations": ids(
                f"SELECT id FROM conversation WHERE visitor_id NOT IN ({them})"
                f" AND exhibitor_id != {own_booth}"
            ),
            "meetings": ids(
                f"SELECT id FROM meeting WHERE requester_id NOT IN ({them})"
                f" AND recipient_id NOT IN ({them})"
            ),
            "requests": ids(
                f"SELECT id FROM meeting_request WHERE requester_id NOT IN ({them})"
                f" AND recipient_id NOT IN ({them})"
            ),
            "exhibitors": ids(f"SELECT id FROM exhibitor WHERE id != {own_booth}"),
        }


async def signed_in(http: httpx.AsyncClient, email: str) -> tuple[str, dict[str, Any]]:
    response = await http.post("/api/session", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    cookie = f"expo_session={response.cookies['expo_session']}"
    me = await http.get("/api/me", headers={"Cookie": cookie})
    return cookie, me.json()


@asynccontextmanager
async def victim_in_line(process: Process, cookie: str, booth: int) -> AsyncIterator[None]:
    """The demo attendee holds a ticket at a booth and a conversation with it: real objects of
    someone else's for the attackers to aim at. The socket stays open throughout: a ticket
    whose holder leaves is marked away (a change of its row nobody else made)."""
    async with process.connect(cookie) as ws:

        async def command(n: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
            await ws.send(orjson.dumps({"type": kind, "id": n, "data": data}).decode())
            async with asyncio.timeout(10):
                while (reply := orjson.loads(await ws.recv())).get("id") != n:
                    pass
            if reply["type"] != "ok":
                raise RuntimeError(f"the victim's {kind} failed: {reply}")
            return dict(reply["data"])

        ticket = (await command(1, "queue.join", {"exhibitor": booth}))["ticket"]["id"]
        # Followed, as the page does: a ticket nobody follows is marked away by the sweeper.
        await command(2, "subscribe", {"topic": f"queue-ticket:{ticket}"})
        await command(3, "booth.private.open", {"exhibitor": booth})
        yield


async def run(options: argparse.Namespace, progress: Callable[[str], None]) -> Outcome:
    outcome = Outcome()
    workdir = Path(tempfile.mkdtemp(prefix="expo-abuse-"))
    database = workdir / "expo.db"
    await prepare_demo_database(f"sqlite+aiosqlite:///{database}")
    env = {
        **os.environ,
        "EXPO_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "EXPO_SECRET_KEY": secrets.token_urlsafe(24),
        "EXPO_LOG_JSON": "1",
        "EXPO_PING_INTERVAL": "3600",  # the attacker's raw sockets answer no pings
        "EXPO_HEAD_TIMEOUT": str(options.head_timeout),
        # The attack is of shapes, not of rates: every limit lifted (tested on their own) but
        # the defences under test here, at the platform's defaults: the budget of refused
        # commands, the pace at which one socket's commands are read, and the strikes that
        # hold the handshakes of an address that keeps breaking the protocol.
        "EXPO_RATE_LIMITS": ",".join(
            f"{name}=1000000/1" for name in DEFAULT_RATES if name not in DEFENCES
        ),
    }
    if options.tarpit_seconds is not None:
        env["EXPO_TARPIT_SECONDS"] = str(options.tarpit_seconds)
    env.pop("EXPO_REDIS_URL", None)
    log = workdir / "serve.log"
    process = await start(env, log=log)
    pid = process.child.pid
    stack = AsyncExitStack()  # the victim's socket, open until the rows are compared
    try:
        port = int(process.base.rsplit(":", 1)[1])
        async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
            victim_cookie, victim = await signed_in(http, ATTENDEE)
            exhibitor_cookie, exhibitor = await signed_in(http, EXHIBITOR)
            email = f"abuser-{secrets.token_hex(4)}@example.com"
            made = await http.post(
                "/api/accounts",
                json={"email": email, "password": PASSWORD + "!x", "display_name": "Abuser"},
            )
            made.raise_for_status()
            attendee_cookie = f"expo_session={made.cookies['expo_session']}"
            attacker = made.json()["account"]["id"]
        own_booth = exhibitor["account"]["exhibitor_id"]
        booth = 1 if own_booth != 1 else 2
        await stack.enter_async_context(victim_in_line(process, victim_cookie, booth))
        targets = other_peoples(database, {attacker, exhibitor["account"]["id"]}, own_booth)
        targets["victim"] = victim["account"]["id"]
        for name in ("tickets", "conversations", "meetings", "requests"):
            targets[name] = targets[name] or [10**6]  # none in the seed: an id of no one's
        before = guarded_rows(database)
        outcome.figures["targets"] = {
            k: v if isinstance(v, int) else len(v) for k, v in targets.items()
        }

        async with Chat(process, victim_cookie, options.watchers, options.chat_rate) as chat:
            progress(f"baseline: {options.baseline_seconds:g} s of chat without abuse")
            await asyncio.sleep(options.baseline_seconds)
            baseline = chat.take()
            rss_before = rss_mib(pid)
            cpu_before = cpu_seconds(pid)
            plan = {
                "port": port,
                "messages": options.messages,
                "connections": options.connections,
                "handshakes": options.handshakes,
                "handshake_concurrency": options.handshake_concurrency,
                "fragments": options.fragments,
                "slowloris": options.slowloris,
                "slowloris_seconds": options.slowloris_seconds,
                "slowloris_drip": min(1.0, options.slowloris_seconds / 4),
                "max_seconds": options.max_seconds,
                "closing": not options.without_closes,
                "attendee": attendee_cookie,
                "exhibitor": exhibitor_cookie,
                "targets": targets,
            }
            progress(
                f"attack: {options.messages} messages on {options.connections} sockets,"
                f" {options.handshakes} handshakes, {options.slowloris} slow heads"
            )
            attacker_process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.faultlab.abuse_attack",
                orjson.dumps(plan).decode(),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": ROOT},
            )
            peak = rss_before
            communicate = asyncio.ensure_future(attacker_process.communicate())
            while not communicate.done():
                peak = max(peak, rss_mib(pid))
                await asyncio.wait([communicate], timeout=0.5)
            stdout, stderr = communicate.result()
            under_attack = chat.take()
            rss_after = rss_mib(pid)
            server_cpu = cpu_seconds(pid) - cpu_before
        if attacker_process.returncode != 0:
            raise RuntimeError(f"the attacker failed: {stderr.decode()[-3000:]}")
        report = orjson.loads(stdout)
        after = guarded_rows(database)
        await stack.aclose()
        async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
            health = (await http.get("/healthz")).status_code
            defended = counters((await http.get("/metrics")).text, DEFENDED)
        alive = process.child.returncode is None and process.child.pid == pid
    finally:
        await stack.aclose()
        await stop(process)
    served = await asyncio.to_thread(log.read_text)
    judge(outcome, report, alive, health, before, after, served, chat)
    broke = report["handshakes"]["sent"] > 0 or not options.without_closes
    outcome.check(
        "an address that kept breaking the protocol was held (strikes)",
        defended["expo_ws_tarpitted_total"] > 0 or not broke,
        ", ".join(f"{k}: {v:g}" for k, v in defended.items()),
    )
    messages, handshakes = report["messages"], report["handshakes"]
    latencies = messages.pop("latencies") + handshakes.pop("latencies")
    outcome.target("slowest answer to a bad input", max(latencies, default=0.0), 1.0, "s")
    outcome.target("server RSS growth (peak)", peak - rss_before, 50.0, "MB")
    base = p99(baseline) * 1000
    outcome.target("well-behaved p99 under abuse", p99(under_attack) * 1000, 2 * base, "ms", base)
    outcome.figures |= {
        "rss_mib": {
            "before": round(rss_before, 1),
            "peak": round(peak, 1),
            "after": round(rss_after, 1),
        },
        "answer_p99_ms": round(p99(latencies) * 1000, 2),
        "chat": {
            "baseline_messages": len(baseline),
            "attack_messages": len(under_attack),
            "baseline_p50_ms": round(sorted(baseline)[len(baseline) // 2] * 1000, 2)
            if baseline
            else None,
        },
        "attack_seconds": report["seconds"],
        "defences": defended,
        "server_cpu_seconds_in_attack": round(server_cpu, 1),
        "messages": messages,
        "handshakes": handshakes,
        "slowloris": report["slowloris"],
    }
    return outcome


def judge(
    outcome: Outcome,
    report: dict[str, Any],
    alive: bool,
    health: int,
    before: dict[str, dict[Any, Any]],
    after: dict[str, dict[Any, Any]],
    served: str,
    chat: Chat,
) -> None:
    messages, handshakes = report["messages"], report["handshakes"]
    outcome.check("the server process lived on (same pid)", alive)
    outcome.check("/healthz answers after the attack", health == 200, f"status {health}")
    outcome.check("the attack ran to its end (not cut by --max-seconds)", not report["timed_out"])
    outcome.check(
        "every malformed message answered",
        not messages["silent"],
        f"{messages['sent']} sent; unanswered: {messages['silent']}"
        if messages["silent"]
        else f"{messages['sent']} sent",
    )
    outcome.check(
        "every answer the documented error or close code",
        not messages["wrong"],
        f"{messages['wrong']} e.g. {messages['examples'][:3]}" if messages["wrong"] else "",
    )
    others = {k: v for k, v in messages["answers"].items() if k.startswith("others")}
    outcome.check(
        "nothing aimed at others' objects acted (no ok)",
        not any(k.endswith("-> ok") for k in others),
        ", ".join(f"{k}: {v}" for k, v in others.items()),
    )
    changed = changes(before, after)
    outcome.check("others' booths, meetings, tickets unchanged", not changed, "; ".join(changed))
    outcome.check(
        "every bad handshake got its status",
        not handshakes["wrong"],
        f"{handshakes['sent']} sent; wrong: {handshakes['wrong']}",
    )
    internal = [k for k in messages["answers"] if k.endswith("-> internal")]
    tracebacks = served.count("Traceback")
    outcome.check(
        "no internal error, no traceback in the log",
        not internal and tracebacks == 0,
        f"internal: {internal}, tracebacks: {tracebacks}",
    )
    sent = len(chat.sent_at)
    outcome.check(
        "well-behaved clients got every chat message",
        chat.received >= chat.watchers * (sent - 1),  # the last may still be on its way
        f"{chat.received} of {chat.watchers * sent}",
    )
    slow = report["slowloris"]
    outcome.check(
        "heads that never end are let go",
        slow["held_to_the_end"] == 0,
        f"{slow['held_to_the_end']} of {slow['heads']} held after {slow['waited_seconds']:g} s",
    )
