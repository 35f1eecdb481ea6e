"""Fanout benchmark: N websocket clients on one forum topic, against three real servers.

    /work/main/.venv/bin/python bench/fanout.py                      # 5,000 clients, 60 s
    /work/main/.venv/bin/python bench/fanout.py --clients 500 --duration 10   # quick

Servers, each its own subprocess on 127.0.0.1 (a free port), measured the same way:
  expo        `expo demo` (our server: uvicorn + expo.realtime.transport's ws class)
  websockets  bench/baselines.py websockets  (websockets.broadcast)
  starlette   bench/baselines.py starlette   (Starlette route, send_text loop, uvicorn)

Per server: start it, connect N subscribers (memory per idle connection from VmRSS), a burst phase
(single events, each after the previous reached every client) and a sustained phase (R events/s
for D seconds; nothing may be lost). Server CPU comes from /proc/<pid>/stat. Results go to
bench/results/fanout-<UTC>.json and bench/results/latest.json; see bench/README.md.

The load generator is not the websockets client: each loader process runs a small asyncio
Protocol per client (hand-written HTTP upgrade, then a minimal parser of unmasked server frames)
and stamps every event with time.monotonic_ns() when its bytes arrive. The publisher puts its own
monotonic_ns() send time into the event text; CLOCK_MONOTONIC is system-wide on Linux, so the
difference is the delivery latency.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import base64
import ctypes
import gc
import hashlib
import http.client
import json
import multiprocessing
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from time import monotonic_ns
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
HOST = "127.0.0.1"
SERVERS = ("expo", "websockets", "starlette")
FORUM = 2
TOPIC = f"forum:{FORUM}"
ORGANIZER = ("organizer@demo.shubo.live", "shubo-demo-2026")
CLK_TCK = os.sysconf("SC_CLK_TCK")
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SUBSCRIBE = json.dumps(
    {"type": "subscribe", "id": 1, "data": {"topic": TOPIC}}, separators=(",", ":")
)
# The event text starts with two fixed-width fields, read without parsing JSON:
# "KKKKKK TTTTTTTTTTTTTTTTTTT[ padding]" (event number k, publisher's monotonic_ns()).
EVENT_PREFIX = b'{"type":"chat.message_posted"'
MARK = b'"text":"'
TEXT_HEAD_LEN = len("000000 0000000000000000000")
MAX_TEXT = 500  # forums.domain.MAX_CHAT_CHARS

DISTURBED_KEYS = (
    "foreign_cpu_share",
    "last_client_p50_ms",
    "p50_ms",
    "p99_ms",
    "lost",
    "cpu_us_per_delivery",
)

TARGETS = {
    "last_client_vs_broadcast": 1.1,  # × the websockets.broadcast baseline
    "cpu_us_per_delivery": 10.0,
    "sustained_p99_ms": 75.0,
    "kib_per_connection": 16.0,
    # Connect + subscribe: a restarted process's tabs must be back in a few seconds (finding 10).
    "connections_per_s": 2000,
    "scale": {"clients": 5000, "rate": 10.0, "duration": 60.0},
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- /proc ------------------------------------------------------------------------------


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2 :].split()  # fields[0] is field 3 (state)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def proc_threads(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def die_with_parent() -> None:
    """PR_SET_PDEATHSIG: a child is killed when the bench dies, whatever way it dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


def raise_nofile(needed: int) -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft < needed:
        log(f"warning: RLIMIT_NOFILE is {soft}, the run needs about {needed}")
    return soft, hard


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(sorted_values: list[int] | array.array, q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * (len(sorted_values) - 1) + 0.5))]


def median(values: list[float]) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def ms(ns: float) -> float:
    return round(ns / 1e6, 3)


def spread(values_ns: list[int]) -> dict[str, float | None]:
    values = sorted(values_ns)
    return {
        "p50": ms(percentile(values, 0.5)) if values else None,
        "p99": ms(percentile(values, 0.99)) if values else None,
        "max": ms(values[-1]) if values else None,
    }


# --- the load generator (runs in loader processes) ---------------------------------------

HANDSHAKE, SUBSCRIBING, LIVE, CLOSED = range(4)


class HandshakeFailed(Exception):
    pass


class BenchClient(asyncio.Protocol):
    """One subscriber: hand-written upgrade, then a minimal reader of server frames."""

    __slots__ = (
        "loader",
        "ready",
        "transport",
        "buf",
        "state",
        "key",
        "count",
        "close_code",
        "t_start",
        "t_open",
        "t_ok",
    )

    def __init__(self, loader: Loader, ready: asyncio.Future[BenchClient]) -> None:
        self.loader = loader
        self.ready = ready
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.state = HANDSHAKE
        self.key = base64.b64encode(os.urandom(16))
        self.count = 0  # events received in the current phase
        self.close_code: int | None = None
        self.t_start = monotonic_ns()  # connect() called
        self.t_open = 0  # 101 received, subscribe sent
        self.t_ok = 0  # subscribe acknowledged

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(  # type: ignore[attr-defined]
            b"GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
            b"User-Agent: shubo-fanout-bench\r\n\r\n" % (HOST.encode(), self.loader.port, self.key)
        )

    def data_received(self, data: bytes) -> None:
        now = monotonic_ns()
        # Fast path, the usual case once subscribed: this read holds exactly one event frame.
        if self.state == LIVE and not self.buf and len(data) > 4 and data[0] == 0x81:
            length, head = data[1], 2
            if length == 126:
                length, head = (data[2] << 8) | data[3], 4
            if length < 126 or head == 4:
                if head + length == len(data) and data.startswith(EVENT_PREFIX, head):
                    i = data.find(MARK, head) + 8
                    self.count += 1
                    self.loader.record(
                        int(data[i : i + 6]), now - int(data[i + 7 : i + 26]), data, head
                    )
                    return
        if self.buf:
            data = self.buf + data
            self.buf = b""
        if self.state == HANDSHAKE:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                if len(data) > 65536:
                    self._fail("oversized handshake response")
                else:
                    self.buf = data
                return
            if not self._check_response(data[:end]):
                return
            data = data[end + 4 :]
            self.state = SUBSCRIBING
            self.t_open = now
            self.transport.write(self.loader.subscribe_frame)  # type: ignore[union-attr]
        pos, n = 0, len(data)
        while n - pos >= 2:
            length = data[pos + 1]
            if length & 0x80:
                self._fail("masked server frame")
                return
            if length < 126:
                head = pos + 2
            elif length == 126:
                if n - pos < 4:
                    break
                length = (data[pos + 2] << 8) | data[pos + 3]
                head = pos + 4
            else:
                if n - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                head = pos + 10
            end = head + length
            if end > n:
                break
            opcode = data[pos] & 0x0F
            if opcode == 1:
                if not data[pos] & 0x80:
                    self._fail("fragmented text frame")  # servers here never fragment
                    return
                self._on_text(data[head:end], now)
            elif opcode == 9:  # ping: answer, or keepalives cut us off
                self.loader.pings += 1
                self.transport.write(self.loader.pong(data[head:end]))  # type: ignore[union-attr]
            elif opcode == 8:
                payload = data[head:end]
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self.transport.close()  # type: ignore[union-attr]
                return
            else:
                self.loader.other_frames += 1
            pos = end
        if pos < n:
            self.buf = data[pos:]

    def _on_text(self, payload: bytes, now: int) -> None:
        if self.state == LIVE and payload.startswith(EVENT_PREFIX):
            i = payload.find(MARK) + 8
            self.count += 1
            self.loader.record(
                int(payload[i : i + 6]), now - int(payload[i + 7 : i + 26]), payload, 0
            )
        elif self.state == SUBSCRIBING and payload.startswith(b'{"type":"ok"'):
            self.state = LIVE
            self.t_ok = now
            self.loader.live += 1
            if not self.ready.done():
                self.ready.set_result(self)
        elif payload.startswith(b'{"type":"error"'):
            self._fail("error reply: " + payload[:200].decode(errors="replace"))
        else:
            self.loader.other_frames += 1  # presence updates and the like

    def _check_response(self, head: bytes) -> bool:
        lines = head.split(b"\r\n")
        if not lines[0].startswith(b"HTTP/1.1 101"):
            self._fail("handshake refused: " + lines[0].decode(errors="replace"))
            return False
        expected = base64.b64encode(hashlib.sha1(self.key + WS_GUID).digest())
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"sec-websocket-accept":
                if value.strip() != expected:
                    self._fail("bad Sec-WebSocket-Accept")
                    return False
                return True
        self._fail("no Sec-WebSocket-Accept")
        return False

    def _fail(self, why: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(HandshakeFailed(why))
        else:
            self.loader.errors[why[:120]] += 1
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        was_live = self.state == LIVE
        self.state = CLOSED
        if not self.ready.done():
            self.ready.set_exception(HandshakeFailed(f"connection lost: {exc!r}"))
        if was_live:
            self.loader.client_lost(self)


class Loader:
    """A load-generator process: owns a share of the clients, answers the bench's commands."""

    def __init__(self, conn: Any, index: int) -> None:
        from websockets.frames import Frame, Opcode

        self._frame, self._opcode = Frame, Opcode
        self.conn = conn
        self.index = index
        self.port = 0
        self.clients: list[BenchClient] = []
        self.live = 0
        self.closing = False
        self.subscribe_frame = b""
        self.by_k: dict[int, list[int]] = {}
        self.sample: bytes | None = None
        self.waiters: dict[int, asyncio.Future[None]] = {}
        self.pings = 0
        self.other_frames = 0
        self.lost_clients = 0
        self.failed_total = 0
        self.close_codes: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.done: asyncio.Future[None] | None = None

    def pong(self, payload: bytes) -> bytes:
        return self._frame(self._opcode.PONG, payload).serialize(mask=True, extensions=[])

    # hot path: one call per delivered event
    def record(self, k: int, latency: int, frame: bytes, start: int) -> None:
        lst = self.by_k.get(k)
        if lst is None:
            lst = self.by_k[k] = []
            if self.sample is None:
                self.sample = bytes(frame[start:])
        lst.append(latency)
        if len(lst) >= self.live and self.waiters:
            waiter = self.waiters.pop(k, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def client_lost(self, client: BenchClient) -> None:
        self.live -= 1
        if not self.closing:
            self.lost_clients += 1
            self.close_codes[str(client.close_code)] += 1
            for k, waiter in list(self.waiters.items()):
                if len(self.by_k.get(k, ())) >= self.live and not waiter.done():
                    waiter.set_result(None)

    async def run(self) -> None:
        # The pipe is read by a thread: an event loop's add_reader would make the pipe
        # non-blocking, and large replies would then fail with EAGAIN.
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        threading.Thread(target=self._read_commands, args=(loop,), daemon=True).start()
        gc.freeze()
        await self.done

    def _read_commands(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                loop.call_soon_threadsafe(self._finish)
                return
            loop.call_soon_threadsafe(self._on_command, msg)

    def _finish(self) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    def _on_command(self, msg: tuple[Any, ...]) -> None:
        asyncio.ensure_future(self._handle(msg))

    def _reply(self, *msg: Any) -> None:
        self.conn.send(msg)

    async def _handle(self, msg: tuple[Any, ...]) -> None:
        Frame, Opcode = self._frame, self._opcode
        cmd = msg[0]
        try:
            if cmd == "connect":
                await self._connect(*msg[1:])
            elif cmd == "begin":
                self.by_k = {}
                self.sample = None
                for client in self.clients:
                    client.count = 0
                self.lost_clients = 0
                self.close_codes.clear()
                self.errors.clear()
                self.pings = 0
                self.other_frames = 0
                self._reply("begun", self.live, proc_cpu(os.getpid()))
            elif cmd == "wait":
                _, k, timeout = msg
                await self._wait(k, timeout)
                self._reply("waited", k, len(self.by_k.get(k, ())), self.live)
            elif cmd == "collect":
                self._reply("collected", self._collect())
            elif cmd == "close_all":
                self.closing = True
                bye = Frame(Opcode.CLOSE, b"\x03\xe8").serialize(mask=True, extensions=[])
                for client in self.clients:
                    if client.transport is not None and not client.transport.is_closing():
                        client.transport.write(bye)  # 1000, then TCP close
                        client.transport.close()
                await asyncio.sleep(0.5)
                for client in self.clients:
                    if client.transport is not None and not client.transport.is_closing():
                        client.transport.abort()
                self.clients = []
                self.live = 0
                self.failed_total = 0
                self.closing = False
                self._reply("closed")
            elif cmd == "exit":
                self._reply("bye")
                if self.done is not None and not self.done.done():
                    self.done.set_result(None)
            else:
                self._reply("error", f"unknown command {cmd!r}")
        except Exception as error:  # report, never hang the bench
            self._reply("error", f"{cmd}: {error!r}")

    async def _wait(self, k: int, timeout: float) -> None:
        if len(self.by_k.get(k, ())) >= self.live:
            return
        waiter = self.waiters[k] = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self.waiters.pop(k, None)

    async def _connect(self, port: int, count: int, batch: int, timeout: float) -> None:
        from websockets.frames import Frame, Opcode

        self.port = port
        self.subscribe_frame = Frame(Opcode.TEXT, SUBSCRIBE.encode()).serialize(
            mask=True, extensions=[]
        )
        failed = 0
        errors: Counter[str] = Counter()
        handshake_ns: list[int] = []
        subscribe_ns: list[int] = []
        for start in range(0, count, batch):
            n = min(batch, count - start)
            results = await asyncio.gather(
                *(self._connect_one(timeout) for _ in range(n)), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BenchClient):
                    self.clients.append(result)
                    handshake_ns.append(result.t_open - result.t_start)
                    subscribe_ns.append(result.t_ok - result.t_open)
                else:
                    failed += 1
                    errors[repr(result)[:160]] += 1
            self._reply("progress", self.index, len(self.clients), self.failed_total + failed)
        self.failed_total += failed
        self._reply(
            "connected",
            len(self.clients),
            failed,
            dict(errors.most_common(5)),
            handshake_ns,
            subscribe_ns,
        )

    async def _connect_one(self, timeout: float) -> BenchClient:
        loop = asyncio.get_running_loop()
        last: BaseException | None = None
        for attempt in range(3):
            ready: asyncio.Future[BenchClient] = loop.create_future()
            transport = None
            try:
                transport, _ = await asyncio.wait_for(
                    loop.create_connection(lambda r=ready: BenchClient(self, r), HOST, self.port),
                    timeout,
                )
                return await asyncio.wait_for(ready, timeout)
            except (OSError, TimeoutError, HandshakeFailed) as error:
                last = error
                if transport is not None:
                    transport.abort()
                if isinstance(error, HandshakeFailed) and "refused" in str(error):
                    break
                await asyncio.sleep(0.25 * (attempt + 1))
        assert last is not None
        raise last

    def _collect(self) -> dict[str, Any]:
        per_k = {k: (len(v), min(v), max(v)) for k, v in self.by_k.items()}
        lat = array.array("q")
        for values in self.by_k.values():
            lat.extend(values)
        counts = [c.count for c in self.clients if c.state == LIVE]
        return {
            "live": self.live,
            "per_k": per_k,
            "latencies": lat.tobytes(),
            "sample": self.sample,
            "client_min": min(counts) if counts else 0,
            "client_max": max(counts) if counts else 0,
            "lost_clients": self.lost_clients,
            "close_codes": dict(self.close_codes),
            "errors": dict(self.errors.most_common(5)),
            "pings": self.pings,
            "other_frames": self.other_frames,
            "cpu": proc_cpu(os.getpid()),
        }


def loader_main(conn: Any, index: int, cpus: set[int] | None) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the bench stops us through the pipe
    if cpus:
        os.sched_setaffinity(0, cpus)
    loader = Loader(conn, index)
    try:
        import uvloop

        uvloop.run(loader.run())
    except ImportError:
        asyncio.run(loader.run())


# --- the bench side: loaders, servers, publishers -------------------------------------------


class LoaderPool:
    def __init__(self, count: int, cpus: set[int] | None) -> None:
        ctx = multiprocessing.get_context("fork")
        self.conns = []
        self.procs = []
        for i in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=loader_main, args=(child, i, cpus), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)
        self.queues: list[asyncio.Queue[tuple[Any, ...]]] = []
        self.progress: dict[int, tuple[int, int]] = {}
        self.progress_label = ""
        self.progress_total = 0
        self._last_progress = 0.0

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]  # type: ignore[misc]

    def attach(self) -> None:
        loop = asyncio.get_running_loop()
        self.queues = [asyncio.Queue() for _ in self.conns]
        for i, conn in enumerate(self.conns):  # a thread per pipe: the pipes stay blocking
            threading.Thread(target=self._read, args=(loop, i, conn), daemon=True).start()

    def _read(self, loop: asyncio.AbstractEventLoop, i: int, conn: Any) -> None:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                msg = ("dead",)
            try:
                loop.call_soon_threadsafe(self._on_message, i, msg)
            except RuntimeError:  # the loop is closed
                return
            if msg[0] in ("dead", "bye"):
                return

    def _on_message(self, i: int, msg: tuple[Any, ...]) -> None:
        if msg[0] == "progress":
            _, index, done, failed = msg
            self.progress[index] = (done, failed)
            done_all = sum(d for d, _ in self.progress.values())
            failed_all = sum(f for _, f in self.progress.values())
            now = time.monotonic()
            if now - self._last_progress > 0.5 or done_all + failed_all >= self.progress_total:
                self._last_progress = now
                extra = f" ({failed_all} failed)" if failed_all else ""
                log(f"{self.progress_label}connecting {done_all}/{self.progress_total}{extra}")
            return
        self.queues[i].put_nowait(msg)

    async def ask(self, i: int, msg: tuple[Any, ...], timeout: float) -> tuple[Any, ...]:
        self.conns[i].send(msg)
        reply = await asyncio.wait_for(self.queues[i].get(), timeout)
        if reply[0] in ("error", "dead"):
            raise RuntimeError(f"loader {i}: {reply}")
        return reply

    async def ask_all(
        self, msg: tuple[Any, ...] | list[tuple[Any, ...]], timeout: float
    ) -> list[tuple[Any, ...]]:
        msgs = msg if isinstance(msg, list) else [msg] * len(self.conns)
        return list(await asyncio.gather(*(self.ask(i, m, timeout) for i, m in enumerate(msgs))))

    def cpu(self) -> float:
        total = 0.0
        for pid in self.pids:
            try:
                total += proc_cpu(pid)
            except OSError:
                pass
        return total

    def stop(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("exit",))
            except OSError:
                pass
        for proc in self.procs:
            proc.join(3)
            if proc.is_alive():
                proc.kill()
                proc.join(1)


class ServerProcess:
    def __init__(self, name: str, workdir: Path, cpus: set[int] | None) -> None:
        self.name = name
        self.workdir = workdir
        self.cpus = cpus
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"{name}.log"

    def argv_env(self) -> tuple[list[str], dict[str, str]]:
        env = dict(os.environ)
        env.pop("PYTHONASYNCIODEBUG", None)
        python = sys.executable
        if self.name == "expo":
            expo = Path(python).with_name("expo")
            if not expo.exists():
                expo = ROOT / ".venv" / "bin" / "expo"
            env["EXPO_DATABASE_URL"] = f"sqlite+aiosqlite:///{self.workdir}/bench.db"
            # Thousands of clients from one address, and one publisher at 10 messages a second:
            # lift the handshake and chat limits, which are about people, not this load.
            env["EXPO_RATE_LIMITS"] = "connect=1000000/1,chat=1000000/1"
            env.setdefault("EXPO_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
            return [str(expo), "demo", "--host", HOST, "--port", str(self.port)], env
        return [python, str(HERE / "baselines.py"), self.name, str(self.port)], env

    def start(self) -> None:
        argv, env = self.argv_env()
        logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            argv,
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=logf,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        logf.close()
        if self.cpus:
            os.sched_setaffinity(self.proc.pid, self.cpus)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(HOST, self.port), 2)
                writer.close()
                await writer.wait_closed()
                return
            except (OSError, TimeoutError):
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} not listening after {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)


class Publisher:
    """Sends the events; `publish(k)` returns the monotonic_ns() stamped into the text."""

    def __init__(self, kind: str, port: int) -> None:
        self.kind = kind
        self.port = port
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.pad = ""
        self.ok = 0
        self.errors: list[str] = []
        self.author = "李明 Li Ming"
        self.template = ""

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        headers = {}
        if self.kind == "expo":
            cookie, self.author = await asyncio.to_thread(self._sign_in)
            headers["Cookie"] = cookie
        self.ws = await connect(
            f"ws://{HOST}:{self.port}/ws",
            additional_headers=headers,
            compression=None,
            open_timeout=15,
            close_timeout=2,
            max_queue=None,
        )
        self.reader = asyncio.create_task(self._read())
        # Baselines send an event shaped like ours: the same fields, the same author.
        data = {
            "id": 0,
            "forum_id": FORUM,
            "author": {"id": 5, "name": self.author},
            "text": "@TEXT@",
            "created_at": datetime.now(UTC).isoformat(),
        }
        event = {"type": "chat.message_posted", "topic": TOPIC, "seq": 0, "data": data}
        self.template = (
            json.dumps(event, ensure_ascii=False, separators=(",", ":"))
            .replace('"seq":0', '"seq":@SEQ@')
            .replace('"id":0', '"id":@SEQ@')
        )

    def _sign_in(self) -> tuple[str, str]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            body = json.dumps({"email": ORGANIZER[0], "password": ORGANIZER[1]})
            conn.request("POST", "/api/session", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200:
                raise RuntimeError(f"sign-in failed: {response.status} {payload[:200]!r}")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith("expo_session="):
                    author = json.loads(payload)["account"].get("display_name", self.author)
                    return value.split(";", 1)[0], author
            raise RuntimeError("sign-in answered no expo_session cookie")
        finally:
            conn.close()

    def overhead(self) -> int:
        """Bytes of a baseline event besides the text (baselines only)."""
        return len(self.template.replace("@SEQ@", "1").replace("@TEXT@", "").encode())

    def set_size(self, event_bytes: int, overhead: int) -> None:
        room = min(MAX_TEXT - TEXT_HEAD_LEN, event_bytes - overhead - TEXT_HEAD_LEN)
        # printable ASCII only (chat text is validated), never ending in a space (it is trimmed)
        filler = ("shubo-live-fanout-bench-" * 30)[: max(0, room - 1)]
        self.pad = " " + filler if len(filler) >= 1 else ""

    async def publish(self, k: int) -> int:
        sent = time.monotonic_ns()
        text = f"{k % 1000000:06d} {sent:019d}{self.pad}"
        if self.kind == "expo":
            msg = f'{{"type":"chat.send","id":{k},"data":{{"forum":{FORUM},"text":"{text}"}}}}'
        else:
            msg = self.template.replace("@SEQ@", str(k)).replace("@TEXT@", text)
        await self.ws.send(msg)
        return sent

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.startswith('{"type":"ok"'):
                    self.ok += 1
                elif message.startswith('{"type":"error"'):
                    self.errors.append(message[:300])
        except Exception as error:  # the connection closed; report it
            self.errors.append(f"publisher connection: {error!r}")

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 5)
            except Exception:
                pass
        if self.reader is not None:
            self.reader.cancel()


def system_cpu() -> tuple[float, float]:
    """(busy, softirq) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        parts = f.readline().split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, parts[1:9])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK, softirq / CLK_TCK


class Meter:
    """CPU seconds over a phase: the server, the loaders, this process, and everything else
    on the machine ("foreign": other people's processes disturb a benchmark on shared cores).
    softirq is counted apart: the kernel's network work is not always charged to a process."""

    def __init__(self, server_pid: int, pool: LoaderPool) -> None:
        self.server_pid, self.pool = server_pid, pool
        self.start = self.snap()

    def snap(self) -> dict[str, float]:
        busy, softirq = system_cpu()
        return {
            "t": time.monotonic(),
            "server": proc_cpu(self.server_pid),
            "loaders": self.pool.cpu(),
            "bench": proc_cpu(os.getpid()),
            "busy": busy,
            "softirq": softirq,
        }

    def stop(self) -> dict[str, float]:
        end = self.snap()
        d = {k: end[k] - self.start[k] for k in end}
        foreign = d["busy"] - d["server"] - d["loaders"] - d["bench"] - d["softirq"]
        wall = d["t"] or 1e-9
        return {
            "wall_s": round(wall, 2),
            "server_cpu_s": round(d["server"], 3),
            "loader_cpu_s": round(d["loaders"], 3),
            "bench_cpu_s": round(d["bench"], 3),
            "softirq_cpu_s": round(d["softirq"], 3),
            "foreign_cpu_s": round(max(0.0, foreign), 3),
            "foreign_cpu_share": round(max(0.0, foreign) / wall, 3),
        }


async def wait_quiet(
    args: argparse.Namespace, label: str, pids: list[int] | None = None
) -> dict[str, Any]:
    """Wait (bounded) until other processes leave the CPUs mostly idle; say how it went."""
    deadline = time.monotonic() + args.quiet_wait
    ours = [os.getpid(), *(pids or [])]

    def own() -> float:
        total = 0.0
        for pid in ours:
            try:
                total += proc_cpu(pid)
            except OSError:
                pass
        return total

    last_log = 0.0
    while True:
        b0, _ = system_cpu()
        own0 = own()
        await asyncio.sleep(2.0)
        b1, _ = system_cpu()
        foreign = max(0.0, (b1 - b0) - (own() - own0)) / 2.0
        if foreign <= args.quiet_threshold:
            return {"foreign_cpu_share_before": round(foreign, 3), "waited_for_quiet": False}
        if time.monotonic() >= deadline:
            log(
                f"{label}: other processes use {foreign:.2f} of a CPU; "
                "measuring anyway (see foreign_cpu in the results)"
            )
            return {"foreign_cpu_share_before": round(foreign, 3), "waited_for_quiet": True}
        if time.monotonic() - last_log >= 10:
            last_log = time.monotonic()
            log(f"{label}: waiting for a quiet machine (other processes use {foreign:.2f} CPU)")


class Profile:
    """py-spy sampling one server over one phase (`--profile`), summarised into the results.

    Sampling is --nonblocking (the server is never paused) but py-spy itself uses CPU on the
    load generator's side: figures of a profiled run are not for comparison."""

    def __init__(self, args: argparse.Namespace, name: str, phase: str, pid: int) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.path = args.out / "profiles" / f"{args.stamp}-{name}-{phase}.txt"
        exe = Path(sys.executable).with_name("py-spy")
        spy = str(exe) if exe.exists() else shutil.which("py-spy")
        if not args.profile or spy is None:
            if args.profile:
                log("--profile: py-spy not found (pip install py-spy)")
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--rate", "100", "--nonblocking", "--threads"]
            + ["--format", "raw", "-o", str(self.path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )

    async def stop(self) -> dict[str, Any] | None:
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        try:
            await asyncio.to_thread(self.proc.wait, 30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None
        return summarise_profile(self.path)


def summarise_profile(path: Path, top: int = 15) -> dict[str, Any] | None:
    """Functions by share of samples: inclusive (anywhere on the stack) and as the leaf."""
    total = 0
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        leaf[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return None

    def share(counter: Counter[str]) -> list[tuple[float, str]]:
        rows = [(round(100 * n / total, 1), f) for f, n in counter.most_common(top * 3)]
        return [r for r in rows if r[0] < 99.5][:top]  # drop the frames every sample has

    return {
        "file": str(path),
        "samples": total,
        "inclusive_pct": share(inclusive),
        "leaf_pct": share(leaf),
    }


# --- one server, both phases ------------------------------------------------------------------


def merge_phase(
    collected: list[dict[str, Any]], sent: dict[int, int], subscribers: int
) -> dict[str, Any]:
    """Per-event and per-delivery figures of one phase, over all loaders."""
    per_k: dict[int, list[int]] = {}  # k -> [count, min, max]
    lat = array.array("q")
    for part in collected:
        for k, (count, lo, hi) in part["per_k"].items():
            if k not in sent:
                continue
            cur = per_k.get(k)
            if cur is None:
                per_k[k] = [count, lo, hi]
            else:
                cur[0] += count
                cur[1] = min(cur[1], lo)
                cur[2] = max(cur[2], hi)
        chunk = array.array("q")
        chunk.frombytes(part["latencies"])
        lat.extend(chunk)
    values = sorted(lat)
    received = sum(v[0] for v in per_k.values())
    expected = subscribers * len(sent)
    last = [per_k[k][2] for k in sent if k in per_k]
    first = [per_k[k][1] for k in sent if k in per_k]
    incomplete = sum(1 for k in sent if per_k.get(k, [0])[0] < subscribers)
    last_recv = max((sent[k] + per_k[k][2] for k in sent if k in per_k), default=0)
    return {
        "events": len(sent),
        "subscribers": subscribers,
        "expected": expected,
        "received": received,
        "lost": expected - received,
        "events_incomplete": incomplete,
        "p50_ms": ms(percentile(values, 0.50)),
        "p90_ms": ms(percentile(values, 0.90)),
        "p99_ms": ms(percentile(values, 0.99)),
        "max_ms": ms(values[-1]) if values else None,
        "first_client_p50_ms": ms(median(first)),
        "last_client_p50_ms": ms(median(last)),
        "last_client_max_ms": ms(max(last)) if last else None,
        "last_client_min_ms": ms(min(last)) if last else None,
        "last_client_ms_per_event": [ms(v) for v in last],
        "fanout_spread_p50_ms": ms(median([h - lo for h, lo in zip(last, first, strict=True)])),
        "_first_send": min(sent.values()) if sent else 0,
        "_last_recv": last_recv,
        "client_min_events": min(p["client_min"] for p in collected),
        "client_max_events": max(p["client_max"] for p in collected),
        "clients_lost": sum(p["lost_clients"] for p in collected),
        "close_codes": dict(sum((Counter(p["close_codes"]) for p in collected), Counter())),
        "client_errors": dict(sum((Counter(p["errors"]) for p in collected), Counter())),
        "pings_answered": sum(p["pings"] for p in collected),
        "other_frames": sum(p["other_frames"] for p in collected),
    }


async def run_server(
    name: str, args: argparse.Namespace, pool: LoaderPool, workdir: Path, cpus: set[int] | None
) -> dict[str, Any]:
    server = ServerProcess(name, workdir, cpus)
    result: dict[str, Any] = {"server": name, "port": server.port}
    n_loaders = len(pool.conns)
    publisher = Publisher(name, server.port)
    k_next = 0

    def next_k() -> int:
        nonlocal k_next
        k_next += 1
        return k_next

    try:
        log(f"{name}: starting ({' '.join(server.argv_env()[0])})")
        server.start()
        log(f"{name}: server pid {server.pid}, port {server.port}")
        await server.wait_ready(args.start_timeout)
        result["pid"] = server.pid
        await publisher.open()
        result["quiet"] = await wait_quiet(args, name, [server.pid])

        # --- connect, memory per idle connection ---------------------------------------
        # VmRSS before and after all N; also at N/2, for the marginal cost of the second half
        # (a process can reuse memory it freed earlier, which hides part of the first half).
        rss_before = proc_rss_kib(server.pid)
        profile = Profile(args, name, "connect", server.pid)
        batch = max(1, args.batch // n_loaders)
        pool.progress = {}
        pool.progress_label = f"{name}: "
        pool.progress_total = args.clients
        t0 = time.monotonic()
        halves = [args.clients // 2, args.clients - args.clients // 2]
        connected = failed = 0
        rss_mid = rss_before
        connected_mid = 0
        # Server CPU while clients connect and subscribe; the pause at N/2 is left out.
        cpu_connecting = 0.0
        meter = Meter(server.pid, pool)  # for other processes' share, as in the later phases
        errors: Counter[str] = Counter()
        handshakes: list[int] = []
        subscribes: list[int] = []
        for part, count in enumerate(halves):
            shares = [
                count // n_loaders + (1 if i < count % n_loaders else 0) for i in range(n_loaders)
            ]
            cpu_start = proc_cpu(server.pid)
            replies = await pool.ask_all(
                [("connect", server.port, s, batch, args.connect_timeout) for s in shares],
                60 + count / args.batch * 3 * args.connect_timeout,
            )
            cpu_connecting += proc_cpu(server.pid) - cpu_start
            connected = sum(r[1] for r in replies)
            failed += sum(r[2] for r in replies)
            for r in replies:
                errors.update(r[3])
                handshakes.extend(r[4])
                subscribes.extend(r[5])
            if part == 0:
                await asyncio.sleep(args.settle)
                rss_mid, connected_mid = proc_rss_kib(server.pid), connected
        connect_s = time.monotonic() - t0 - args.settle
        metered = meter.stop()
        log(f"{name}: {connected} connected, {failed} failed in {connect_s:.1f} s")
        if errors:
            log(f"{name}: connect errors {dict(errors)}")
        await asyncio.sleep(args.settle)
        rss_after = proc_rss_kib(server.pid)
        profiled = await profile.stop()
        if profiled:
            result["profile_connect"] = profiled
        second = connected - connected_mid
        result["connect"] = {
            "connected": connected,
            "failed": failed,
            "errors": dict(errors),
            "seconds": round(connect_s, 2),
            "rss_before_kib": rss_before,
            "rss_half_kib": rss_mid,
            "rss_after_kib": rss_after,
            "kib_per_connection": round((rss_after - rss_before) / connected, 2)
            if connected
            else None,
            "kib_per_connection_second_half": round((rss_after - rss_mid) / second, 2)
            if second
            else None,
            "server_threads": proc_threads(server.pid),
            "connections_per_s": round(connected / connect_s) if connect_s > 0 else None,
            "server_cpu_s": round(cpu_connecting, 2),
            "server_cpu_ms_per_connection": round(cpu_connecting * 1000 / connected, 3)
            if connected
            else None,
            "foreign_cpu_share": metered["foreign_cpu_share"],
            "handshake_ms": spread(handshakes),
            "subscribe_ms": spread(subscribes),
        }
        if not connected:
            raise RuntimeError("no client connected")

        # --- warm-up (also measures the event's size) -----------------------------------
        overhead = publisher.overhead() if name != "expo" else None
        publisher.set_size(args.match_bytes or args.event_bytes, overhead or 175)
        await pool.ask_all(("begin",), 30)
        for _ in range(max(1, args.warmup)):
            k = next_k()
            await publisher.publish(k)
            await pool.ask_all(("wait", k, args.event_timeout), args.event_timeout + 10)
        warm = [r[1] for r in await pool.ask_all(("collect",), 120)]
        sample = next((w["sample"] for w in warm if w["sample"]), None)
        if sample is None:
            raise RuntimeError("the warm-up event reached no client")
        if name == "expo":
            i = sample.find(MARK) + len(MARK)
            sample_text_len = len(sample[i:].split(b'"', 1)[0])
            publisher.set_size(args.event_bytes, len(sample) - sample_text_len)

        # --- burst and sustained; a phase disturbed by other processes is run again -------
        async def burst_phase() -> dict[str, Any]:
            begun = await pool.ask_all(("begin",), 30)
            subscribers = sum(r[1] for r in begun)
            meter = Meter(server.pid, pool)
            sent: dict[int, int] = {}
            for i in range(args.burst):
                k = next_k()
                sent[k] = await publisher.publish(k)
                waited = await pool.ask_all(
                    ("wait", k, args.event_timeout), args.event_timeout + 10
                )
                got = sum(w[2] for w in waited)
                if (i + 1) % 5 == 0 or i + 1 == args.burst or got < subscribers:
                    log(f"{name}: burst {i + 1}/{args.burst} ({got}/{subscribers} received)")
                await asyncio.sleep(args.burst_gap)
            cpu_burst = meter.stop()
            cpu = cpu_burst["server_cpu_s"]
            loader_cpu = cpu_burst["loader_cpu_s"]
            collected = [r[1] for r in await pool.ask_all(("collect",), 120)]
            burst = merge_phase(collected, sent, subscribers)
            burst["event_bytes"] = len(next((c["sample"] for c in collected if c["sample"]), b""))
            burst["server_cpu_s"] = round(cpu, 3)
            burst["cpu_us_per_delivery"] = (
                round(cpu * 1e6 / burst["received"], 2) if burst["received"] else None
            )
            last_p50 = burst["last_client_p50_ms"]
            burst["fanout_deliveries_per_s"] = (
                round(subscribers / (last_p50 / 1e3)) if last_p50 else None
            )
            burst.update(cpu_burst)
            burst["softirq_us_per_delivery"] = (
                round(cpu_burst["softirq_cpu_s"] * 1e6 / burst["received"], 2)
                if burst["received"]
                else None
            )
            burst["loader_cpu_us_per_delivery"] = (
                round(loader_cpu * 1e6 / burst["received"], 2) if burst["received"] else None
            )
            burst["sample_event"] = next(
                (c["sample"].decode(errors="replace") for c in collected if c["sample"]), None
            )
            for key in ("_first_send", "_last_recv"):
                burst.pop(key)
            log(
                f"{name}: burst last client p50 {burst['last_client_p50_ms']} ms, "
                f"p99 {burst['p99_ms']} ms, lost {burst['lost']}"
            )
            return burst

        async def sustained_phase() -> dict[str, Any]:
            begun = await pool.ask_all(("begin",), 30)
            subscribers = sum(r[1] for r in begun)
            errors_before = len(publisher.errors)
            ok_before = publisher.ok
            total = int(round(args.rate * args.duration))
            interval = 1.0 / args.rate
            sent = {}
            late_sends = 0
            profile = Profile(args, name, "sustained", server.pid)
            meter = Meter(server.pid, pool)
            start = time.monotonic() + 0.05
            last_report = -1
            for i in range(total):
                due = start + i * interval
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                elif delay < -interval:
                    late_sends += 1
                k = next_k()
                sent[k] = await publisher.publish(k)
                second = int(time.monotonic() - start)
                if second != last_report and second % args.progress_every == 0:
                    last_report = second
                    log(f"{name}: sustained {second}/{int(args.duration)} s")
            publish_s = time.monotonic() - start
            # everything must arrive: wait for the last event, then for any straggler
            last_k = max(sent)
            await pool.ask_all(("wait", last_k, args.event_timeout), args.event_timeout + 10)
            drain_deadline = time.monotonic() + args.event_timeout
            collected = [r[1] for r in await pool.ask_all(("collect",), 300)]
            while time.monotonic() < drain_deadline:
                got = sum(
                    sum(c for k, (c, _, _) in p["per_k"].items() if k in sent) for p in collected
                )
                if got >= subscribers * total:
                    break
                await asyncio.sleep(0.5)
                collected = [r[1] for r in await pool.ask_all(("collect",), 300)]
            cpu_sustained = meter.stop()
            profiled = await profile.stop()
            cpu = cpu_sustained["server_cpu_s"]
            loader_cpu = cpu_sustained["loader_cpu_s"]
            log(f"{name}: sustained {int(args.duration)}/{int(args.duration)} s, collecting")
            sustained = merge_phase(collected, sent, subscribers)
            window = (sustained.pop("_last_recv") - sustained.pop("_first_send")) / 1e9
            sustained["event_bytes"] = len(
                next((c["sample"] for c in collected if c["sample"]), b"")
            )
            sustained["rate"] = args.rate
            sustained["duration_s"] = args.duration
            sustained["publish_s"] = round(publish_s, 2)
            sustained["late_sends"] = late_sends
            sustained["window_s"] = round(window, 2)
            sustained["deliveries_per_s"] = (
                round(sustained["received"] / window) if window else None
            )
            sustained.update(cpu_sustained)
            if profiled:
                sustained["profile"] = profiled
            sustained["softirq_us_per_delivery"] = (
                round(cpu_sustained["softirq_cpu_s"] * 1e6 / sustained["received"], 2)
                if sustained["received"]
                else None
            )
            sustained["server_cpu_share"] = round(cpu / window, 3) if window else None
            sustained["cpu_us_per_delivery"] = (
                round(cpu * 1e6 / sustained["received"], 2) if sustained["received"] else None
            )
            sustained["loader_cpu_us_per_delivery"] = (
                round(loader_cpu * 1e6 / sustained["received"], 2)
                if sustained["received"]
                else None
            )
            sustained["last_client_p90_ms"] = ms(
                percentile(sorted(sustained["last_client_ms_per_event"]), 0.9) * 1e6
            )

            sustained["loader_cpu_share"] = round(loader_cpu / window, 3) if window else None
            if name == "expo":
                sustained["publisher_ok"] = publisher.ok - ok_before
            sustained["publisher_errors"] = publisher.errors[errors_before:][:5]
            log(
                f"{name}: sustained {sustained['deliveries_per_s']} deliveries/s, "
                f"lost {sustained['lost']}, p50 {sustained['p50_ms']} ms, "
                f"p99 {sustained['p99_ms']} ms, "
                f"{sustained['cpu_us_per_delivery']} µs/delivery"
            )
            return sustained

        for phase, run_phase in (("burst", burst_phase), ("sustained", sustained_phase)):
            for attempt in range(args.retries + 1):
                await wait_quiet(args, f"{name}/{phase}", [server.pid, *pool.pids])
                figures = await run_phase()
                share = figures["foreign_cpu_share"]
                if share <= args.disturbed or attempt == args.retries:
                    break
                log(
                    f"{name}: other processes used {share:.2f} CPU during the {phase} phase; "
                    "running it again"
                )
                result.setdefault("disturbed_attempts", []).append(
                    {"phase": phase, **{k: figures.get(k) for k in DISTURBED_KEYS}}
                )
            figures["attempt"] = attempt + 1
            result[phase] = figures
        result["rss_end_kib"] = proc_rss_kib(server.pid)
        result["publisher_errors"] = publisher.errors[:5]
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
        log(f"{name}: FAILED: {result['error']}")
    finally:
        await publisher.close()
        try:
            await pool.ask_all(("close_all",), 60)
        except Exception as error:
            log(f"{name}: closing clients: {error!r}")
        code = await asyncio.to_thread(server.stop)
        result["exit_code"] = code
        result["log_tail"] = server.log_tail(8)
        await asyncio.sleep(1.0)
    return result


# --- report ----------------------------------------------------------------------------------


def get(result: dict[str, Any], *path: str) -> Any:
    cur: Any = result
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return cur


def evaluate_targets(results: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    ours = results.get("expo", {})
    ref = results.get("websockets", {})
    scale = TARGETS["scale"]
    at_scale = (
        args.clients >= scale["clients"]
        and args.rate >= scale["rate"]
        and args.duration >= scale["duration"]
    )
    out = []
    # Figures from a run where not every client connected describe another experiment.
    complete = all(get(r, "connect", "connected") == args.clients for r in (ours, ref) if r)
    last, ref_last = (
        get(ours, "burst", "last_client_p50_ms"),
        get(ref, "burst", "last_client_p50_ms"),
    )
    limit = round(ref_last * TARGETS["last_client_vs_broadcast"], 3) if ref_last else None
    out.append(
        {
            "target": "last-client latency, one event to all clients, ≤ 1.1× websockets.broadcast",
            "measured_ms": last,
            "baseline_ms": ref_last,
            "limit_ms": limit,
            "ratio": round(last / ref_last, 3) if last and ref_last else None,
            "met": bool(complete and last is not None and limit is not None and last <= limit),
        }
    )
    cpu = get(ours, "sustained", "cpu_us_per_delivery")
    out.append(
        {
            "target": "server CPU per delivery ≤ 10 µs (sustained phase)",
            "measured_us": cpu,
            "burst_phase_us": get(ours, "burst", "cpu_us_per_delivery"),
            "limit_us": TARGETS["cpu_us_per_delivery"],
            "met": bool(complete and cpu is not None and cpu <= TARGETS["cpu_us_per_delivery"]),
        }
    )
    lost, p99 = get(ours, "sustained", "lost"), get(ours, "sustained", "p99_ms")
    out.append(
        {
            "target": "5,000 clients at 10 events/s for 60 s: nothing lost, p99 ≤ 75 ms",
            "clients": get(ours, "sustained", "subscribers"),
            "lost": lost,
            "p99_ms": p99,
            "limit_ms": TARGETS["sustained_p99_ms"],
            "at_target_scale": at_scale,
            "met": bool(
                at_scale
                and get(ours, "sustained", "subscribers") == args.clients
                and lost == 0
                and p99 is not None
                and p99 <= TARGETS["sustained_p99_ms"]
            ),
            "met_at_run_scale": bool(lost == 0 and p99 is not None and p99 <= 75.0),
        }
    )
    rate, ref_rate = (
        get(ours, "connect", "connections_per_s"),
        get(ref, "connect", "connections_per_s"),
    )
    out.append(
        {
            "target": "connect + subscribe ≥ 2,000 connections/s",
            "measured_per_s": rate,
            "baseline_per_s": ref_rate,
            "ratio": round(rate / ref_rate, 3) if rate and ref_rate else None,
            "server_cpu_ms_per_connection": get(ours, "connect", "server_cpu_ms_per_connection"),
            "baseline_cpu_ms_per_connection": get(ref, "connect", "server_cpu_ms_per_connection"),
            "limit_per_s": TARGETS["connections_per_s"],
            "met": bool(complete and rate is not None and rate >= TARGETS["connections_per_s"]),
        }
    )
    mem = get(ours, "connect", "kib_per_connection")
    out.append(
        {
            "target": "server memory per idle connection ≤ 16 KiB",
            "measured_kib": mem,
            "limit_kib": TARGETS["kib_per_connection"],
            "met": bool(complete and mem is not None and mem <= TARGETS["kib_per_connection"]),
        }
    )
    return out


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(report: dict[str, Any]) -> None:
    results = report["servers"]
    names = [n for n in SERVERS if n in results]
    p = report["parameters"]
    rows: list[tuple[str, tuple[str, ...]]] = [
        ("connected (failed)", ("connect", "connected")),
        ("memory per idle connection, KiB", ("connect", "kib_per_connection")),
        ("  the same, second half only, KiB", ("connect", "kib_per_connection_second_half")),
        ("connect: connections/s", ("connect", "connections_per_s")),
        ("connect: server CPU ms/connection", ("connect", "server_cpu_ms_per_connection")),
        ("connect: subscribe reply p50, ms", ("connect", "subscribe_ms", "p50")),
        ("connect: subscribe reply p99, ms", ("connect", "subscribe_ms", "p99")),
        ("event size, bytes", ("burst", "event_bytes")),
        ("burst: last client p50, ms", ("burst", "last_client_p50_ms")),
        ("burst: last client max, ms", ("burst", "last_client_max_ms")),
        ("burst: first client p50, ms", ("burst", "first_client_p50_ms")),
        ("burst: latency p50, ms", ("burst", "p50_ms")),
        ("burst: latency p99, ms", ("burst", "p99_ms")),
        ("burst: fanout deliveries/s", ("burst", "fanout_deliveries_per_s")),
        ("burst: server CPU µs/delivery", ("burst", "cpu_us_per_delivery")),
        ("burst: lost", ("burst", "lost")),
        ("sustained: deliveries/s", ("sustained", "deliveries_per_s")),
        ("sustained: lost", ("sustained", "lost")),
        ("sustained: latency p50, ms", ("sustained", "p50_ms")),
        ("sustained: latency p99, ms", ("sustained", "p99_ms")),
        ("sustained: last client p50, ms", ("sustained", "last_client_p50_ms")),
        ("sustained: last client max, ms", ("sustained", "last_client_max_ms")),
        ("sustained: server CPU µs/delivery", ("sustained", "cpu_us_per_delivery")),
        ("sustained: server CPU share of a core", ("sustained", "server_cpu_share")),
        ("sustained: softirq µs/delivery (machine)", ("sustained", "softirq_us_per_delivery")),
        ("sustained: loader CPU share", ("sustained", "loader_cpu_share")),
        ("sustained: loader CPU µs/delivery", ("sustained", "loader_cpu_us_per_delivery")),
        ("burst: other processes' CPU share", ("burst", "foreign_cpu_share")),
        ("sustained: other processes' CPU share", ("sustained", "foreign_cpu_share")),
        ("burst / sustained loader CPU, s", ("burst", "loader_cpu_s")),
    ]
    width = 40
    out = [
        "",
        f"fanout benchmark {report['timestamp']}  clients={p['clients']} loaders={p['loaders']} "
        f"burst={p['burst']} sustained={p['rate']}/s × {p['duration']} s  "
        f"event≈{p['event_bytes']} B  nproc={report['machine']['nproc']} pin={p['pin']}",
        "",
        f"{'':<{width}}" + "".join(f"{n:>14}" for n in names),
    ]
    for label, path in rows:
        cells = []
        for n in names:
            r = results[n]
            if "error" in r and get(r, *path) is None:
                cells.append("error")
                continue
            v = get(r, *path)
            if path == ("connect", "connected") and v is not None:
                v = f"{v} ({get(r, 'connect', 'failed')})"
            elif label.startswith("burst / sustained loader"):
                v = f"{fmt(v, 2)}/{fmt(get(r, 'sustained', 'loader_cpu_s'), 2)}"
            else:
                v = fmt(v, 2 if isinstance(v, float) and abs(v) < 100 else 0)
            cells.append(f"{v:>14}")
        out.append(f"{label:<{width}}" + "".join(f"{c:>14}" for c in cells))
    for n in names:
        if "error" in results[n]:
            out.append(f"  {n}: ERROR {results[n]['error']}")
    for n in names:
        for phase in ("connect", "burst", "sustained"):
            share = get(results[n], phase, "foreign_cpu_share")
            if share is not None and share > 0.2:
                out.append(
                    f"  warning: during {n}/{phase} other processes used {share:.2f} of a CPU; "
                    "its figures are disturbed"
                )
    for n in names:
        for key, label in (("profile_connect", "connect"), ("sustained", "sustained")):
            prof = results[n].get(key)
            prof = prof.get("profile") if key == "sustained" and prof else prof
            if prof:
                out.append(f"  py-spy {n}/{label} ({prof['samples']} samples), top leaves:")
                for pct, frame in prof["leaf_pct"][:6]:
                    out.append(f"    {pct:5.1f}%  {frame}")
    out.append("")
    out.append("targets (our server):")
    for t in report["targets"]:
        mark = "MET " if t["met"] else "MISS"
        detail = {k: v for k, v in t.items() if k not in ("target", "met")}
        out.append(f"  [{mark}] {t['target']}: {json.dumps(detail, ensure_ascii=False)}")
    print("\n".join(out), flush=True)


def machine_info() -> dict[str, Any]:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in (
        "shubo-live",
        "websockets",
        "uvicorn",
        "starlette",
        "uvloop",
        "httptools",
        "orjson",
        "sqlalchemy",
        "aiosqlite",
    ):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = None
    return {
        "nproc": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "mem_total_kib": mem_kib,
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "python_impl": platform.python_implementation(),
        "packages": versions,
        "clk_tck": CLK_TCK,
        "rlimit_nofile": list(resource.getrlimit(resource.RLIMIT_NOFILE)),
    }


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Fanout benchmark of /ws: our server vs websockets.broadcast vs Starlette."
    )
    ap.add_argument("--clients", type=int, default=5000, help="subscribers (default 5000)")
    ap.add_argument("--duration", type=float, default=60.0, help="sustained phase, s (60)")
    ap.add_argument("--rate", type=float, default=10.0, help="sustained events/s (10)")
    ap.add_argument("--burst", type=int, default=20, help="burst events (20)")
    ap.add_argument("--warmup", type=int, default=2, help="uncounted events first (2)")
    ap.add_argument(
        "--burst-gap",
        type=float,
        default=0.2,
        help="pause after each burst event was fully received, s (0.2)",
    )
    ap.add_argument("--event-bytes", type=int, default=200, help="event frame payload (200)")
    ap.add_argument("--loaders", type=int, default=1, help="load-generator processes (1)")
    ap.add_argument("--batch", type=int, default=200, help="clients connecting at once (200)")
    ap.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help="comma-separated, in run order (expo,websockets,starlette)",
    )
    ap.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="pin the server to CPU 0 and the loaders/publisher to the others "
        "(default: on when there are 2+ CPUs)",
    )
    ap.add_argument(
        "--settle",
        type=float,
        default=3.0,
        help="wait after connecting before reading VmRSS, s (3)",
    )
    ap.add_argument("--connect-timeout", type=float, default=15.0, help="per client, s (15)")
    ap.add_argument(
        "--event-timeout",
        type=float,
        default=15.0,
        help="longest wait for one event to reach everyone, s (15)",
    )
    ap.add_argument("--start-timeout", type=float, default=120.0, help="server start, s (120)")
    ap.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="hard bound on the whole run (default: from the parameters)",
    )
    ap.add_argument("--progress-every", type=int, default=5, help="sustained progress, s (5)")
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="before each server and phase, wait up to this long for other processes to go "
        "idle, s (120)",
    )
    ap.add_argument(
        "--quiet-threshold",
        type=float,
        default=0.15,
        help="'idle' means other processes use at most this share of a CPU (0.15)",
    )
    ap.add_argument(
        "--retries",
        type=int,
        default=2,
        help="run a phase again, up to this many times, when other processes disturbed it (2)",
    )
    ap.add_argument(
        "--disturbed",
        type=float,
        default=0.2,
        help="a phase is disturbed when other processes used more than this share of a CPU (0.2)",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="sample each server with py-spy while clients connect and during the sustained "
        "phase; summaries go into the results, raw stacks to <out>/profiles/ (disturbs figures)",
    )
    ap.add_argument(
        "--signed-in",
        default="200,2000",
        help="presence phase: idle sockets per case, anonymous then signed in (each following "
        "its account:<id> too), on `expo serve` with a Redis of its own; '' skips it (200,2000)",
    )
    ap.add_argument(
        "--presence-window",
        type=float,
        default=10.0,
        help="presence phase: seconds of idle time measured per case (10)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    ap.add_argument("--no-latest", action="store_true", help="do not overwrite latest.json")
    args = ap.parse_args(argv)
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    args.signed_in = [int(n) for n in args.signed_in.split(",") if n.strip() and int(n) > 0]
    for s in args.servers:
        if s not in SERVERS:
            ap.error(f"unknown server {s!r}; choose from {', '.join(SERVERS)}")
    if args.clients < 1 or args.loaders < 1 or args.rate <= 0 or args.duration <= 0:
        ap.error("--clients, --loaders, --rate and --duration must be positive")
    if args.loaders > args.clients:
        args.loaders = args.clients
    return args


async def run_all(
    args: argparse.Namespace, pool: LoaderPool, server_cpus: set[int] | None, workdir: Path
) -> dict[str, Any]:
    pool.attach()
    results: dict[str, Any] = {}
    args.match_bytes = None
    for name in args.servers:
        results[name] = await run_server(name, args, pool, workdir / name, server_cpus)
        size = get(results[name], "burst", "event_bytes")
        if name == "expo" and size and size > args.event_bytes:
            # Our events cannot be smaller than their envelope: the baselines send as many bytes.
            args.match_bytes = size
    if args.signed_in:
        from presence_phase import run_presence_phase  # bench/, beside this file

        await wait_quiet(args, "presence")
        results["presence"] = await run_presence_phase(
            args.signed_in, args.presence_window, workdir / "presence", server_cpus
        )
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    nofile = raise_nofile(args.clients + 1024)
    cpus = sorted(os.sched_getaffinity(0))
    pin = args.pin if args.pin is not None else len(cpus) >= 2
    if pin and len(cpus) < 2:
        log("--pin needs 2 CPUs; not pinning")
        pin = False
    server_cpus = {cpus[0]} if pin else None
    client_cpus = set(cpus[1:]) if pin else None
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)
    attempts = args.retries + 1
    max_seconds = args.max_seconds or len(args.servers) * (
        240
        + args.quiet_wait * (1 + 2 * attempts)
        + attempts * (args.duration * 1.5 + args.burst * (3 + args.burst_gap) + 60)
        + args.clients / args.batch * 5
    )
    if args.signed_in:  # the presence phase: start-up, then two cases per size
        max_seconds += 180 + args.quiet_wait + sum(args.signed_in) * 2 / 50
        max_seconds += len(args.signed_in) * 2 * (args.presence_window + 10)
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    args.stamp = stamp
    log(
        f"fanout: {args.clients} clients, {args.loaders} loader(s), servers {args.servers}, "
        f"pin={pin}, bounded to {max_seconds:.0f} s"
    )
    workdir = Path(tempfile.mkdtemp(prefix="shubo-fanout-"))
    for name in args.servers:
        (workdir / name).mkdir()
    pool = LoaderPool(args.loaders, client_cpus)
    results: dict[str, Any] = {}
    try:
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            runner = asyncio.run

        async def bounded() -> dict[str, Any]:
            return await asyncio.wait_for(run_all(args, pool, server_cpus, workdir), max_seconds)

        results = runner(bounded())
    except TimeoutError:
        log(f"the run exceeded {max_seconds:.0f} s and was stopped")
        results = {"error": "timeout"}
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        pool.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    presence = results.pop("presence", None)  # a phase of its own, not a server
    report = {
        "benchmark": "fanout",
        "timestamp": stamp,
        "finished": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "parameters": {
            "clients": args.clients,
            "loaders": args.loaders,
            "batch": args.batch,
            "burst": args.burst,
            "warmup": args.warmup,
            "burst_gap_s": args.burst_gap,
            "rate": args.rate,
            "duration": args.duration,
            "event_bytes": args.event_bytes,
            "servers": args.servers,
            "signed_in": args.signed_in,
            "presence_window_s": args.presence_window,
            "pin": pin,
            "server_cpus": sorted(server_cpus) if server_cpus else None,
            "client_cpus": sorted(client_cpus) if client_cpus else None,
            "settle_s": args.settle,
            "rlimit_nofile": list(nofile),
        },
        "machine": machine_info(),
        "servers": results if "error" not in results else {},
        "targets_spec": TARGETS,
    }
    if presence is not None:
        report["presence"] = presence
    report["targets"] = evaluate_targets(report["servers"], args) if report["servers"] else []
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"fanout-{stamp}.json"
    text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
    path.write_text(text + "\n")
    if not args.no_latest:
        (args.out / "latest.json").write_text(text + "\n")
    if report["servers"]:
        print_table(report)
    if presence is not None:
        from presence_phase import print_presence_table

        print_presence_table(presence)
    log(f"results written to {path}")
    failed = [n for n, r in report["servers"].items() if "error" in r]
    if presence is not None and "error" in presence:
        failed.append("presence")
    return 1 if failed or not (report["servers"] or presence) else 0


if __name__ == "__main__":
    raise SystemExit(main())
