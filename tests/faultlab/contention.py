"""Contention (issue 14, scenario 6): many writers at once on one database, SQLite then
PostgreSQL.

One real `expo serve` per database (in-process broker). `--writers` accounts, each with its own
websocket and the HTTP API, write as fast as their answers come for `--seconds`: chat messages,
questions and votes, reactions, booth chat, queue joins and leaves (over the websocket and over
HTTP), leaving and withdrawing a business card, renaming themselves. A writer told
`database.busy` waits its `retry_after` and tries again (counted).

Checks (any size, each database): no answer says "database is locked" (nor any other driver
text), no 500 / `internal`, every refusal is a documented code, the server lived on. The figures
are what the writers got done: writes a second, p50/p99 per write, `database.busy` answers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

from expo.ratelimit import DEFAULT_RATES
from tests.cluster import PASSWORD, Process, start, stop
from tests.faultlab.outcome import Outcome
from tests.live import prepare_demo_database
from tests.services import fresh_postgres_database

# What a driver says when it fails: none of it may reach a client.
DRIVER_TEXT = re.compile(
    r"database is locked|OperationalError|sqlite3|asyncpg|psycopg|Traceback|deadlock",
    re.IGNORECASE,
)
FORUMS = 8
BOOTHS = 10
# Refusals a writer may meet doing this honestly (a full queue, a ticket already left...):
# documented codes, counted; anything else fails the check.
PLAIN_REFUSALS = re.compile(
    r"^(queue\.|chat\.|question\.|booth\.|lead\.|database\.busy$|conflict$)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--writers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="of writing, per database")
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )


@dataclass
class Tally:
    done: Counter[str] = field(default_factory=Counter)  # action -> writes answered ok
    refused: Counter[str] = field(default_factory=Counter)  # "action -> code"
    busy: int = 0  # database.busy answers (each retried)
    dropped: int = 0  # HTTP requests sent again after their kept-alive connection closed
    leaks: list[str] = field(default_factory=list)  # answers that carried driver text
    failures: list[str] = field(default_factory=list)  # 500s, `internal`, undocumented codes
    latencies: list[float] = field(default_factory=list)

    def answered(self, action: str, ok: bool, code: str, text: str, seconds: float) -> None:
        self.latencies.append(seconds)
        if DRIVER_TEXT.search(text) and len(self.leaks) < 20:
            self.leaks.append(f"{action}: {text[:300]}")
        if ok:
            self.done[action] += 1
            return
        self.refused[f"{action} -> {code}"] += 1
        if code == "database.busy":
            self.busy += 1
        elif not PLAIN_REFUSALS.match(code) and len(self.failures) < 50:
            self.failures.append(f"{action} -> {code}: {text[:200]}")


class Writer:
    """One account writing through its socket and the HTTP API, one write at a time."""

    def __init__(self, n: int, cookie: str, ws: Any, http: httpx.AsyncClient, tally: Tally):
        self.n, self.cookie, self.ws, self.http, self.tally = n, cookie, ws, http, tally
        self.forum = 1 + n % FORUMS
        self.booth = 1 + n % BOOTHS
        self.ticket: int | None = None
        self._ids = 0

    async def command(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """Send a command, retried while the answer is `database.busy`; its last reply."""
        while True:
            self._ids += 1
            began = time.monotonic()
            await self.ws.send(orjson.dumps({"type": kind, "id": self._ids, "data": data}).decode())
            async with asyncio.timeout(60):
                while True:
                    raw = await self.ws.recv()
                    reply = orjson.loads(raw)
                    if reply.get("id") == self._ids and reply.get("type") in ("ok", "error"):
                        break
            code = reply.get("error", {}).get("code", "")
            ok = reply["type"] == "ok"
            self.tally.answered(kind, ok, code, raw, time.monotonic() - began)
            if code != "database.busy":
                return reply
            await asyncio.sleep(float(reply["error"].get("retry_after", 1)))

    async def request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """An HTTP write, retried while the answer is `database.busy` (503)."""
        action = f"{method} {re.sub(r'/[0-9]+', '/{id}', path)}"
        while True:
            began = time.monotonic()
            try:
                response = await self.http.request(
                    method, path, json=body, headers={"Cookie": self.cookie}
                )
            except httpx.TransportError:
                # A kept-alive connection the server closed (idle 5 s) as this one reused it:
                # HTTP/1.1's race, not an answer; sent again on a fresh connection, counted.
                self.tally.dropped += 1
                continue
            code = ""
            if response.status_code >= 400:
                try:
                    code = response.json()["error"]["code"]
                except Exception:  # not our error body: an undocumented answer
                    code = f"http {response.status_code}"
            if response.status_code >= 500 and code not in ("database.busy",):
                code = code or f"http {response.status_code}"
            self.tally.answered(
                action, response.status_code < 400, code, response.text, time.monotonic() - began
            )
            if code != "database.busy":
                return response
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))

    async def round(self, k: int) -> None:
        """The k-th write of this writer: each kind in turn."""
        step = (self.n + k) % 8
        if step == 0:
            await self.command("chat.send", {"forum": self.forum, "text": f"w{self.n} {k}"})
        elif step == 1:
            await self.command(
                "question.ask", {"forum": self.forum, "text": f"Question {k} from {self.n}?"}
            )
        elif step == 2:
            await self.command("reaction.send", {"forum": self.forum, "reaction": "clap"})
        elif step == 3:
            await self.command(
                "booth.chat.send", {"exhibitor": self.booth, "text": f"w{self.n} at the booth"}
            )
        elif step == 4:
            if self.ticket is None:
                reply = await self.command("queue.join", {"exhibitor": self.booth})
                if reply["type"] == "ok":
                    self.ticket = reply["data"]["ticket"]["id"]
            else:
                await self.command("queue.leave", {"ticket": self.ticket})
                self.ticket = None
        elif step == 5:
            booth = 1 + (self.booth + 1) % BOOTHS
            response = await self.request("POST", f"/api/match/queues/{booth}/tickets", {})
            if response.status_code in (200, 201):
                ticket = response.json()["ticket"]["id"]
                await self.request("DELETE", f"/api/match/queue-tickets/{ticket}")
        elif step == 6:
            path = f"/api/exhibitors/{self.booth}/card"
            await self.request("POST", path, {"consent": True, "source": "card"})
            await self.request("DELETE", path)
        else:
            await self.request("PATCH", "/api/me", {"display_name": f"Writer {self.n}.{k}"})


async def register(http: httpx.AsyncClient, n: int) -> str:
    email = f"writer{n}-{secrets.token_hex(3)}@example.com"
    body = {"email": email, "password": PASSWORD + "!w", "display_name": f"Writer {n}"}
    for _ in range(30):  # the passwords' queue is bounded: `account.busy` says when to retry
        response = await http.post("/api/accounts", json=body)
        if response.status_code != 503:
            break
        await asyncio.sleep(float(response.headers.get("retry-after", "1")))
    response.raise_for_status()
    return f"expo_session={response.cookies['expo_session']}"


@asynccontextmanager
async def database(kind: str, workdir: Path) -> AsyncIterator[str]:
    """A fresh demo database of this kind."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'expo.db'}"
        await prepare_demo_database(url)
        yield url
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            yield url


async def write_for(process: Process, options: argparse.Namespace, tally: Tally) -> float:
    """Every writer at once for the run's seconds; returns the seconds it took."""
    limits = httpx.Limits(
        max_connections=options.writers, max_keepalive_connections=options.writers
    )
    async with httpx.AsyncClient(base_url=process.base, timeout=60, limits=limits) as http:
        cookies = []
        for first in range(0, options.writers, 20):  # accounts made 20 at a time
            batch = range(first, min(options.writers, first + 20))
            cookies += await asyncio.gather(*(register(http, n) for n in batch))
        # The events of their rooms pile up while a writer waits on HTTP: unbounded, or the
        # client stops reading, answers no keepalive ping and the server cuts it (1011).
        sockets = [
            await websockets.connect(
                process.ws_url,
                additional_headers={"Cookie": cookie},
                open_timeout=30,
                max_queue=None,
            )
            for cookie in cookies
        ]
        try:
            writers = [
                Writer(n, cookie, ws, http, tally)
                for n, (cookie, ws) in enumerate(zip(cookies, sockets, strict=True))
            ]
            for writer in writers:  # reactions need the room followed
                await writer.command("subscribe", {"topic": f"forum:{writer.forum}"})
            tally.done.clear()
            tally.refused.clear()
            tally.latencies.clear()
            began = time.monotonic()
            stop_at = began + options.seconds

            async def keep_writing(writer: Writer) -> None:
                k = 0
                try:
                    while time.monotonic() < stop_at:
                        await writer.round(k)
                        k += 1
                except websockets.ConnectionClosed as closed:
                    tally.failures.append(f"writer {writer.n}'s socket closed: {closed}")

            await asyncio.gather(*(keep_writing(w) for w in writers))
            return time.monotonic() - began
        finally:
            for ws in sockets:
                await ws.close()


async def run_on(
    kind: str, options: argparse.Namespace, progress: Callable[[str], None]
) -> tuple[Tally, dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix=f"expo-contention-{kind}-"))
    async with database(kind, workdir) as url:
        env = {
            **os.environ,
            "EXPO_DATABASE_URL": url,
            "EXPO_SECRET_KEY": secrets.token_urlsafe(24),
            "EXPO_LOG_JSON": "1",
            "EXPO_TEST_FAST_PASSWORD_HASH": "1",  # accounts are made, not what is measured
            "EXPO_MAX_SOCKETS_PER_ACCOUNT": "1000",
            "EXPO_RATE_LIMITS": ",".join(f"{name}=1000000/1" for name in DEFAULT_RATES),
        }
        env.pop("EXPO_REDIS_URL", None)
        log = workdir / "serve.log"
        process = await start(env, log=log)
        pid = process.child.pid
        tally = Tally()
        try:
            progress(f"{kind}: {options.writers} writers for {options.seconds:g} s")
            seconds = await write_for(process, options, tally)
            async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
                health = (await http.get("/healthz")).status_code
            alive = process.child.returncode is None and process.child.pid == pid and health == 200
        finally:
            await stop(process)
        served = await asyncio.to_thread(log.read_text)
    ordered = sorted(tally.latencies)
    writes = sum(tally.done.values())
    figures = {
        "alive": alive,
        "writes": writes,
        "writes_per_second": round(writes / seconds, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1) if ordered else None,
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 1) if ordered else None,
        "database_busy": tally.busy,
        "http_resent_after_keepalive_close": tally.dropped,
        "locked_in_log": served.count("database is locked"),
        "done": dict(sorted(tally.done.items())),
        "refused": dict(sorted(tally.refused.items())),
    }
    return tally, figures


async def run(options: argparse.Namespace, progress: Callable[[str], None]) -> Outcome:
    outcome = Outcome()
    for kind in options.databases.split(","):
        tally, figures = await run_on(kind, options, progress)
        outcome.figures[kind] = figures
        outcome.check(f"{kind}: the server lived on", figures["alive"])
        outcome.check(
            f"{kind}: writes were done", figures["writes"] > 0, f"{figures['writes']} writes"
        )
        outcome.check(
            f'{kind}: no "database is locked" (or driver text) reached a client',
            not tally.leaks,
            "; ".join(tally.leaks[:3]),
        )
        outcome.check(
            f"{kind}: no 500, no internal, only documented refusals",
            not tally.failures,
            "; ".join(tally.failures[:5]),
        )
    return outcome
