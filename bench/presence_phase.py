"""The fanout bench's presence phase: what idle sockets cost Redis, signed in or not.

Every signed-in page follows its own `account:<id>` topic besides the room it shows. This phase
runs our server as production does with Redis (`expo serve`, EXPO_REDIS_URL on a redis-server
of its own, so every command counted is the server's) and, for each size N, measures over a
window of idle time:

  idle         no client at all
  anonymous    N anonymous sockets, each following `forum:2`
  signed in    N signed-in sockets, each following its `account:<id>` and `forum:2`

reporting Redis commands/s (from INFO commandstats deltas, the bench's own probes left out),
the commands of the busiest kinds, and the server's CPU share. Presence is the only periodic
Redis work of an idle server, so the figures are what presence costs. Accounts and their
sessions are written straight into the database before the server starts (signing 2,000 people
in over HTTP would measure Argon2). See bench/README.md, "Presence phase".
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
ROOM = "forum:2"
PASSWORD_HASH = "-"  # these accounts never sign in with a password: their sessions are made here
# Commands that are the bench's probes or the Redis client's own housekeeping, not presence.
PROBES = {"info", "ping", "config|resetstat", "client|setinfo", "hello"}


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] presence: {msg}", file=sys.stderr, flush=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _proc_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _prepare_database(url: str, secret_key: str, people: int) -> list[tuple[int, str]]:
    """Migrate and seed the demo expo, add `people` attendees with a session each; returns
    (account id, Cookie header) per attendee."""
    from expo.db import make_engine, make_sessionmaker
    from expo.features import load_features
    from expo.migrate import upgrade_async
    from expo.models import Account, AccountSession, utcnow
    from expo.security import SESSION_COOKIE, SESSION_MAX_AGE, TokenSigner
    from expo.seed import seed_demo
    from expo.sessions import token_hash

    features = load_features()
    await upgrade_async(url, features)
    engine = make_engine(url)
    signer = TokenSigner(secret_key)
    cookies: list[tuple[int, str]] = []
    try:
        async with make_sessionmaker(engine)() as db:
            await seed_demo(db, features)
            accounts = [
                Account(
                    email=f"bench-{i}@presence.bench",
                    password_hash=PASSWORD_HASH,
                    display_name=f"观众 Viewer {i}",
                )
                for i in range(people)
            ]
            db.add_all(accounts)
            await db.flush()
            expires = utcnow() + timedelta(seconds=SESSION_MAX_AGE)
            for account in accounts:
                assert account.id is not None
                token = secrets.token_urlsafe(32)
                db.add(
                    AccountSession(id=token_hash(token), account_id=account.id, expires_at=expires)
                )
                cookies.append((account.id, f"{SESSION_COOKIE}={signer.dumps(token)}"))
            await db.commit()
    finally:
        await engine.dispose()
    return cookies


class Redis:
    """A redis-server of the phase's own: nobody else's commands in its counts."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                HOST,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def commands(self) -> dict[str, int]:
        import redis.asyncio as aioredis

        client = aioredis.from_url(self.url)
        try:
            stats = await client.info("commandstats")
        finally:
            await client.aclose()
        return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}

    async def wait_ready(self) -> None:
        from redis.exceptions import ConnectionError as RedisConnectionError

        for _ in range(200):
            try:
                await self.commands()
                return
            except RedisConnectionError:
                await asyncio.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Server:
    """`expo serve` on the prepared database and the phase's Redis."""

    def __init__(self, workdir: Path, env: dict[str, str], cpus: set[int] | None) -> None:
        self.port = _free_port()
        self.log_path = workdir / "expo-presence.log"
        with self.log_path.open("wb") as sink:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "expo.cli", "serve"]
                + ["--host", HOST, "--port", str(self.port)],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        if cpus:
            os.sched_setaffinity(self.proc.pid, cpus)

    async def wait_ready(self, timeout: float) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{self.port}", timeout=2) as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        tail = self.log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"expo serve did not become ready:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


async def _open(port: int, cookie: str | None, topics: list[str]) -> Any:
    """One idle socket: connected, subscribed to `topics`, then left alone (the library
    answers the server's pings)."""
    from websockets.asyncio.client import connect

    ws = await connect(
        f"ws://{HOST}:{port}/ws",
        additional_headers={"Cookie": cookie} if cookie else None,
        open_timeout=30,
        ping_interval=None,  # the server pings; idle clients only answer
        compression=None,
    )
    for n, topic in enumerate(topics):
        await ws.send(json.dumps({"type": "subscribe", "id": n, "data": {"topic": topic}}))
        while True:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if reply.get("id") == n and reply["type"] in ("ok", "error"):
                break
        if reply["type"] != "ok":
            await ws.close()
            raise RuntimeError(f"subscribe {topic}: {reply}")
    return ws


async def _open_all(
    makers: list[Callable[[], Awaitable[Any]]], batch: int, label: str
) -> list[Any]:
    sockets: list[Any] = []
    for start in range(0, len(makers), batch):
        opened = await asyncio.gather(*(m() for m in makers[start : start + batch]))
        sockets.extend(opened)
    _log(f"{label}: {len(sockets)} sockets open")
    return sockets


async def _measure(redis: Redis, server: Server, window: float, label: str) -> dict[str, Any]:
    """Redis commands/s and server CPU over `window` seconds of idle sockets."""
    await asyncio.sleep(2.0)  # let the last subscriptions' first presence rounds pass
    before, cpu0, t0 = await redis.commands(), _proc_cpu(server.proc.pid), time.monotonic()
    await asyncio.sleep(window)
    after, cpu1, t1 = await redis.commands(), _proc_cpu(server.proc.pid), time.monotonic()
    delta = {k: after[k] - before.get(k, 0) for k in after if k not in PROBES}
    delta = {k: n for k, n in delta.items() if n}
    wall = t1 - t0
    total = sum(delta.values())
    figures = {
        "window_s": round(wall, 2),
        "redis_commands": total,
        "redis_commands_per_s": round(total / wall, 1),
        "redis_commands_by_kind": dict(sorted(delta.items(), key=lambda kv: -kv[1])[:8]),
        "server_cpu_share": round((cpu1 - cpu0) / wall, 4),
    }
    _log(f"{label}: {figures['redis_commands_per_s']} Redis commands/s")
    return figures


async def _close(sockets: list[Any]) -> None:
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    await asyncio.sleep(3.0)  # the server forgets them; their presence is withdrawn


async def run_presence_phase(
    sizes: list[int],
    window: float,
    workdir: Path,
    server_cpus: set[int] | None,
    # Sockets opened at once. Small: this phase measures idle sockets, not a connection storm,
    # and a storm exhausts the server's Redis connection pool (redis-py's default is 100, and
    # it fails rather than waits: subscribes come back `unavailable`).
    batch: int = 25,
    start_timeout: float = 120.0,
) -> dict[str, Any]:
    """Idle, then per size N anonymous and signed-in sockets; Redis commands/s of each."""
    if shutil.which("redis-server") is None:
        return {"error": "redis-server is not installed"}
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    secret_key = secrets.token_urlsafe(32)
    url = f"sqlite+aiosqlite:///{workdir}/presence.db"
    _log(f"preparing the database with {max(sizes)} signed-in attendees")
    cookies = await _prepare_database(url, secret_key, max(sizes))
    redis = Redis(workdir)
    server: Server | None = None
    result: dict[str, Any] = {"sizes": sizes, "window_s": window, "room": ROOM}
    try:
        await redis.wait_ready()
        env = dict(os.environ)
        env.update(
            {
                "EXPO_DATABASE_URL": url,
                "EXPO_REDIS_URL": redis.url,
                "EXPO_SECRET_KEY": secret_key,
                # Thousands of sockets from one address: lift the per-address handshake limit.
                "EXPO_RATE_LIMITS": "connect=1000000/1",
            }
        )
        server = Server(workdir, env, server_cpus)
        await server.wait_ready(start_timeout)
        result["presence_interval_s"] = float(env.get("EXPO_PRESENCE_INTERVAL", "1.0"))
        result["idle"] = await _measure(redis, server, window, "idle, no sockets")
        cases: dict[str, Any] = {}
        port = server.port
        for n in sizes:
            anonymous = await _open_all(
                [partial(_open, port, None, [ROOM]) for _ in range(n)], batch, f"{n} anonymous"
            )
            cases[f"anonymous_{n}"] = await _measure(redis, server, window, f"{n} anonymous")
            await _close(anonymous)
            signed_in = await _open_all(
                [
                    partial(_open, port, cookie, [f"account:{account_id}", ROOM])
                    for account_id, cookie in cookies[:n]
                ],
                batch,
                f"{n} signed in",
            )
            cases[f"signed_in_{n}"] = await _measure(redis, server, window, f"{n} signed in")
            await _close(signed_in)
        result["cases"] = cases
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
        _log(f"FAILED: {result['error']}")
    finally:
        if server is not None:
            lines = server.log_path.read_text(errors="replace").splitlines()
            # What the server warned about while running (before its shutdown's own lines).
            result["log_warnings"] = [
                line[:2000]
                for line in lines
                if '"level":"warning"' in line or '"level":"error"' in line
            ][:10]
            await asyncio.to_thread(server.stop)
        redis.stop()
    return result


def print_presence_table(result: dict[str, Any]) -> None:
    if "error" in result:
        print(f"\npresence phase failed: {result['error']}")
        return
    print(f"\nPresence: idle sockets on `expo serve` with Redis, {result['window_s']} s windows")
    print(f"{'case':<34}{'Redis commands/s':>18}{'server CPU share':>18}")
    rows = [("no sockets", result["idle"])]
    for n in result["sizes"]:
        rows.append((f"{n:,} anonymous ({ROOM})", result["cases"][f"anonymous_{n}"]))
        rows.append((f"{n:,} signed in (+ account:<id>)", result["cases"][f"signed_in_{n}"]))
    for label, figures in rows:
        print(
            f"{label:<34}{figures['redis_commands_per_s']:>18,.1f}"
            f"{figures['server_cpu_share']:>18.4f}"
        )


if __name__ == "__main__":
    raise SystemExit("run it through bench/fanout.py (--signed-in, --servers '')")
