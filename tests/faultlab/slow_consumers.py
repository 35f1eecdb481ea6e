"""Slow consumers (issue 14, scenario 5): clients that stop reading, among many in one room.

One real `expo serve` (SQLite, in-process broker). `--clients` follow `forum:1` while one
account posts chat at `--rate` messages a second. First only the well-behaved ones follow it
(the baseline), then `--slow` more join and stop reading (a small kernel receive buffer, reading
paused). The server must cut each slow one once its send budget (EXPO_MAX_SEND_BUFFER) is
spent, with 4008 (or 1006 if it never reads its buffer: docs/protocol.md "Slow consumers"),
without slowing the room; each slow one then reads what it had, reconnects and resubscribes
with `since` and `epoch`, and gets exactly what it missed (or `reload: true` when that is
older than the replay window).

Checks (any size): every slow client cut, with a documented code; no well-behaved client cut or
missing a message; every slow client caught up by seq (or told to reload); the server lived on.
Target (full size): the well-behaved clients' p99 with the slow ones in the room stays within
their p99 without them (measured first, same run) + 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.frames import Close, Opcode

from expo.ratelimit import DEFAULT_RATES
from tests.cluster import ATTENDEE, Process, sign_in, start, stop
from tests.faultlab.abuse_wire import RawSocket
from tests.faultlab.outcome import Outcome
from tests.live import prepare_demo_database

TOPIC = "forum:1"
SLOW_RECEIVE_BUFFER = 4096  # the slow clients' own kernel buffer: they hold little of the room
# A chat message near the 500 characters people may write: each event is about 1.3 KB, so a
# slow client's budget fills in seconds, not minutes.
FILLER = "数" * 400
SLOW_CODES = {4008, 1006}  # docs/protocol.md "Slow consumers"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=950, help="well-behaved clients")
    parser.add_argument("--slow", type=int, default=50, help="clients that stop reading")
    parser.add_argument("--rate", type=float, default=10.0, help="chat messages a second")
    parser.add_argument(
        "--send-buffer", type=int, default=1024 * 1024, help="EXPO_MAX_SEND_BUFFER (bytes)"
    )
    parser.add_argument("--baseline-seconds", type=float, default=30.0)
    parser.add_argument(
        "--slow-seconds", type=float, default=180.0, help="bound on waiting for every cut"
    )
    parser.add_argument("--replay-window", type=int, default=10_000, help="EXPO_REPLAY_WINDOW")
    parser.add_argument(
        "--away-seconds",
        type=float,
        default=30.0,
        help="how long half the slow ones stay away after the cut (the others come back at once)",
    )


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


class Room:
    """What the clients saw: the poster's send times and each phase's latencies."""

    def __init__(self) -> None:
        self.sent_at: dict[int, float] = {}
        self.phase = "baseline"
        self.latencies: dict[str, list[float]] = {"baseline": [], "slow": []}


class Follower:
    """A well-behaved client: reads every frame as it comes and times each chat message."""

    def __init__(self, sock: RawSocket, room: Room, first_seq: int) -> None:
        self.sock, self.room = sock, room
        self.seqs: list[int] = []
        self.first_seq = first_seq
        self.closed: int | None = None
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                opcode, payload = await self.sock.frame()
                if opcode == Opcode.CLOSE.value:
                    self.closed = Close.parse(payload).code if payload else 1005
                    return
                if opcode != Opcode.TEXT.value:
                    continue
                event = orjson.loads(payload)
                if event.get("type") != "chat.message_posted":
                    continue
                self.seqs.append(event["seq"])
                sent = self.room.sent_at.get(int(event["data"]["text"].split(" ", 1)[0]))
                if sent is not None:
                    self.room.latencies[self.room.phase].append(time.monotonic() - sent)
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed = 1006


async def subscribe(
    sock: RawSocket, since: int | None = None, epoch: str | None = None
) -> tuple[dict[str, Any], list[int]]:
    """Subscribe to the room; the reply's data and the seqs of events replayed before it."""
    data: dict[str, Any] = {"topic": TOPIC}
    if since is not None:
        data |= {"since": since, "epoch": epoch}
    await sock.send_text(orjson.dumps({"type": "subscribe", "id": "s", "data": data}))
    replayed: list[int] = []
    async with asyncio.timeout(30):
        while True:
            opcode, payload = await sock.frame()
            if opcode != Opcode.TEXT.value:
                continue
            message = orjson.loads(payload)
            if message.get("id") == "s":
                if message["type"] != "ok":
                    raise RuntimeError(f"subscribe refused: {message}")
                return message["data"], replayed
            if message.get("type") == "chat.message_posted":
                replayed.append(message["seq"])


class Laggard:
    """A client that subscribes, then stops reading (the room goes on without it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.seqs: list[int] = []
        self.epoch = ""
        self.closed: int | None = None
        self.caught_up: str = ""  # "replayed" | "reload" | what went wrong

    async def join(self) -> None:
        self.sock = await RawSocket.open(self.port, receive_buffer=SLOW_RECEIVE_BUFFER)
        reply, _ = await subscribe(self.sock)
        self.epoch, self.start_seq = reply["epoch"], reply["seq"]
        self.sock.writer.transport.pause_reading()  # type: ignore[attr-defined]

    async def come_back(self) -> None:
        """Read what was left in the buffers up to the close, then resume by seq."""
        self.sock.writer.transport.resume_reading()  # type: ignore[attr-defined]
        try:
            async with asyncio.timeout(30):
                while True:
                    opcode, payload = await self.sock.frame()
                    if opcode == Opcode.CLOSE.value:
                        self.closed = Close.parse(payload).code if payload else 1005
                        break
                    if opcode == Opcode.TEXT.value:
                        event = orjson.loads(payload)
                        if event.get("type") == "chat.message_posted":
                            self.seqs.append(event["seq"])
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed = 1006  # dropped with no close frame
        except TimeoutError:
            self.closed = None  # never cut
        self.sock.abort()
        expected = list(range(self.start_seq + 1, self.start_seq + 1 + len(self.seqs)))
        if self.seqs != expected:
            self.caught_up = f"a gap before the cut: {self.seqs[:5]}..."
            return
        last = self.seqs[-1] if self.seqs else self.start_seq
        try:
            sock = await RawSocket.open(self.port)
            try:
                reply, replayed = await subscribe(sock, since=last, epoch=self.epoch)
            finally:
                sock.abort()
        except (OSError, asyncio.IncompleteReadError, TimeoutError, RuntimeError) as error:
            self.caught_up = f"resubscribing failed: {type(error).__name__}"
            return
        if reply["reload"]:
            self.caught_up = "reload"
        elif replayed == list(range(last + 1, reply["seq"] + 1)):
            self.caught_up = "replayed"
        else:
            self.caught_up = f"replay from {last} to {reply['seq']} gave {replayed[:5]}..."


async def slow_cut(http: httpx.AsyncClient) -> int:
    """How many connections the server has cut for falling behind (its own counter)."""
    text = (await http.get("/metrics")).text
    found = re.search(r"^expo_ws_slow_consumers_total ([0-9.e+]+)$", text, re.MULTILINE)
    return int(float(found.group(1))) if found else 0


async def in_batches(jobs: list[Callable[[], Any]], size: int = 50) -> list[Any]:
    results = []
    for first in range(0, len(jobs), size):
        results += await asyncio.gather(*(job() for job in jobs[first : first + size]))
    return results


async def post(process: Process, cookie: str, room: Room, rate: float, stop: asyncio.Event) -> None:
    """One account posts chat at a steady rate until told to stop; replies are read aside."""
    port = int(process.base.rsplit(":", 1)[1])
    sock = await RawSocket.open(port, f"Cookie: {cookie}")
    started, n = time.monotonic(), 0
    try:
        while not stop.is_set():
            n += 1
            room.sent_at[n] = time.monotonic()
            data = {"forum": 1, "text": f"{n} {FILLER}"}
            answer = await sock.command("chat.send", n, data)
            if answer.reply is None or answer.reply["type"] != "ok":
                raise RuntimeError(f"chat.send failed: {answer}")
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
    finally:
        sock.abort()


async def run(options: argparse.Namespace, progress: Callable[[str], None]) -> Outcome:
    outcome = Outcome()
    workdir = Path(tempfile.mkdtemp(prefix="expo-slow-"))
    database_url = f"sqlite+aiosqlite:///{workdir / 'expo.db'}"
    await prepare_demo_database(database_url)
    env = {
        **os.environ,
        "EXPO_DATABASE_URL": database_url,
        "EXPO_SECRET_KEY": secrets.token_urlsafe(24),
        "EXPO_LOG_JSON": "1",
        "EXPO_MAX_SEND_BUFFER": str(options.send_buffer),
        "EXPO_REPLAY_WINDOW": str(options.replay_window),
        "EXPO_PING_INTERVAL": "3600",  # raw clients answer no pings; the budget does the cutting
        "EXPO_RATE_LIMITS": ",".join(f"{name}=1000000/1" for name in DEFAULT_RATES),
    }
    env.pop("EXPO_REDIS_URL", None)
    process = await start(env, log=workdir / "serve.log")
    pid = process.child.pid
    port = int(process.base.rsplit(":", 1)[1])
    room = Room()
    followers: list[Follower] = []
    laggards = [Laggard(port) for _ in range(options.slow)]
    try:
        cookie = await sign_in(process, ATTENDEE)

        async def follow() -> Follower:
            sock = await RawSocket.open(port)
            reply, _ = await subscribe(sock)
            return Follower(sock, room, reply["seq"])

        followers = await in_batches([follow] * options.clients)
        progress(f"{len(followers)} following {TOPIC}; baseline {options.baseline_seconds:g} s")
        stop_posting = asyncio.Event()
        poster = asyncio.create_task(post(process, cookie, room, options.rate, stop_posting))
        await asyncio.sleep(options.baseline_seconds)
        room.phase = "slow"
        await in_batches([lag.join for lag in laggards])
        progress(f"{options.slow} joined and stopped reading")
        began = time.monotonic()
        async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
            cut = 0
            while time.monotonic() - began < options.slow_seconds:
                await asyncio.sleep(0.5)
                cut = await slow_cut(http)
                if cut >= options.slow and time.monotonic() - began >= options.baseline_seconds:
                    break
            cut_after = time.monotonic() - began
            # Half come back at once, while the room goes on; half after a while away (missing
            # more than a replay may carry at this budget: told to reload).
            early, late = laggards[: len(laggards) // 2], laggards[len(laggards) // 2 :]
            progress(f"{cut} cut after {cut_after:.1f} s; {len(early)} come back at once")
            await in_batches([lag.come_back for lag in early])
            await asyncio.sleep(options.away_seconds)
            stop_posting.set()
            await poster
            await asyncio.sleep(1.0)  # the last message reaches everyone
            progress(f"{len(late)} come back after {options.away_seconds:g} s away")
            await in_batches([lag.come_back for lag in late])
            health = (await http.get("/healthz")).status_code
        alive = process.child.returncode is None and process.child.pid == pid
    finally:
        for follower in followers:
            follower.task.cancel()
            follower.sock.abort()
        await stop(process)

    posted = len(room.sent_at)
    outcome.check("the server process lived on", alive and health == 200, f"healthz {health}")
    outcome.check(
        "every slow client cut (server's count)", cut == options.slow, f"{cut} of {options.slow}"
    )
    codes = [lag.closed for lag in laggards]
    outcome.check(
        "the slow ones saw 4008 (or 1006: never read)",
        all(code in SLOW_CODES for code in codes),
        ", ".join(f"{c}: {codes.count(c)}" for c in sorted(set(codes), key=str)),
    )
    gaps = [
        f for f in followers if f.seqs != list(range(f.first_seq + 1, f.first_seq + 1 + posted))
    ]
    outcome.check(
        "no well-behaved client cut or missing a message",
        not gaps and not any(f.closed for f in followers),
        f"{len(gaps)} of {len(followers)} short of {posted} messages",
    )
    outcomes = [lag.caught_up for lag in laggards]
    outcome.check(
        "every slow client caught up by seq (or told to reload)",
        all(o in ("replayed", "reload") for o in outcomes),
        ", ".join(f"{o}: {outcomes.count(o)}" for o in sorted(set(outcomes))),
    )
    base, loaded = room.latencies["baseline"], room.latencies["slow"]
    baseline_p99 = p99(base) * 1000
    outcome.target(
        "others' p99 with slow consumers", p99(loaded) * 1000, baseline_p99 + 20, "ms", baseline_p99
    )
    outcome.figures |= {
        "posted": posted,
        "deliveries": {"baseline": len(base), "slow": len(loaded)},
        "p50_ms": {
            "baseline": round(sorted(base)[len(base) // 2] * 1000, 2) if base else None,
            "slow": round(sorted(loaded)[len(loaded) // 2] * 1000, 2) if loaded else None,
        },
        "all_cut_after_seconds": round(cut_after, 1),
        "slow_read_before_cut": sorted(len(lag.seqs) for lag in laggards)[len(laggards) // 2]
        if laggards
        else 0,
        "caught_up": {o: outcomes.count(o) for o in set(outcomes)},
        "caught_up_late": sorted({lag.caught_up for lag in laggards[len(laggards) // 2 :]}),
    }
    return outcome
