"""The websocket edge under abuse: what one bad client costs the server.

    python bench/edge.py                      # all three, about a minute
    python bench/edge.py --handshakes 20000   # the review's count of bad handshakes

1. Bad handshakes: N upgrade requests with a duplicated Origin or Host header to a real
   `expo serve` (SQLite, no Redis); how many got an answer, the server's RSS before and after,
   and how long it took to exit on SIGTERM (bounded: 15 s, then SIGKILL).
2. A stalled client: a client that stops reading while its topic is busy, with
   EXPO_MAX_SEND_BUFFER set to each of --send-buffers; the bytes published before the server
   cut it (4008).
3. Fragments: the Python lines the transport runs for one message of n one-byte fragments, for
   n in --fragments (a count of work, not a time: it grows as n, not n²).

Everything targets 127.0.0.1 and every wait is bounded. Figures go to stdout as one JSON
object per measurement; bench/README.md records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import secrets
import socket
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.cluster import start, stop  # noqa: E402
from tests.live import Peer, live_server, make_settings, prepare_demo_database  # noqa: E402
from tests.rawws import request_head  # noqa: E402


def rss_mib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
    return -1


async def bad_handshake(host: str, port: int, head: bytes) -> bool:
    """True when the server answered with an HTTP status line."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(head)
        await writer.drain()
        async with asyncio.timeout(2):
            return (await reader.read(12)).startswith(b"HTTP/1.1 ")
    except (TimeoutError, ConnectionError):
        return False
    finally:
        writer.close()


async def handshakes(database_url: str, count: int, log: pathlib.Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "EXPO_DATABASE_URL": database_url,
        "EXPO_SECRET_KEY": secrets.token_urlsafe(24),
        "EXPO_LOG_JSON": "1",
    }
    env.pop("EXPO_REDIS_URL", None)
    process = await start(env, log=log)
    host, port = "127.0.0.1", int(process.base.rsplit(":", 1)[1])
    heads = [
        request_head(f"{host}:{port}", "Origin: http://a", "Origin: http://b"),
        request_head(f"{host}:{port}", f"Host: {host}:{port}"),
    ]
    before = rss_mib(process.child.pid)
    answered = 0
    for first in range(0, count, 50):  # 50 at a time: bounded load
        batch = range(first, min(count, first + 50))
        results = await asyncio.gather(*(bad_handshake(host, port, heads[i % 2]) for i in batch))
        answered += sum(results)
    after = rss_mib(process.child.pid)
    process.child.terminate()
    began = time.monotonic()
    try:
        await asyncio.wait_for(process.child.wait(), 15)
        exited: float | None = round(time.monotonic() - began, 2)
    except TimeoutError:
        exited = None  # did not stop: killed below
    await stop(process)
    return {
        "measure": "bad_handshakes",
        "requests": count,
        "answered": answered,
        "rss_mib_before": before,
        "rss_mib_after": after,
        "sigterm_exit_seconds": exited,
    }


async def stalled(database_url: str, budget: int) -> dict[str, Any]:
    from expo.realtime.transport import Connection

    settings = make_settings(database_url, max_send_buffer=budget, ping_interval=3600)
    async with live_server(settings) as live, live.connect() as ws:
        await Peer(ws).command("subscribe", {"topic": "forum:8"})
        ws.transport.pause_reading()
        connection = next(
            c for c in live._server.server_state.connections if isinstance(c, Connection)
        )
        kernel = connection._transport.get_extra_info("socket").getsockopt(  # type: ignore[union-attr]
            socket.SOL_SOCKET, socket.SO_SNDBUF
        )
        blob, published = "x" * 4000, 0
        while connection.open and published < 64 * 1024 * 1024:
            await live.services.hub.publish("forum:8", "bench.filler", {"blob": blob})
            published += len(blob)
            await asyncio.sleep(0)
        return {
            "measure": "stalled_client",
            "send_buffer": budget,
            "kernel_sndbuf": kernel,
            "published_before_cut": published,
            "cut": not connection.open,
        }


async def fragments(count: int) -> dict[str, Any]:
    from websockets.frames import Frame, Opcode

    from expo.realtime import transport
    from tests.unit.test_transport_bytes import Wire

    wire = Wire()
    await wire.open()
    pieces = [Frame(Opcode.TEXT, b"[", fin=False).serialize(mask=True, extensions=[])]
    pieces += [Frame(Opcode.CONT, b" ", fin=False).serialize(mask=True, extensions=[])] * (
        count - 2
    )
    pieces.append(Frame(Opcode.CONT, b"]").serialize(mask=True, extensions=[]))
    lines = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal lines
        lines += 1
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == transport.__file__ else None

    sys.settrace(tracer)
    try:
        for data in pieces:
            wire.conn.data_received(data)
    finally:
        sys.settrace(None)
    return {
        "measure": "fragments",
        "fragments": count,
        "traced_lines": lines,
        "closed": wire.close_code(),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--handshakes", type=int, default=2000)
    parser.add_argument("--send-buffers", default="65536,1048576")
    parser.add_argument("--fragments", default="128,256,2000")
    args = parser.parse_args()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="expo-bench-edge-"))
    database_url = f"sqlite+aiosqlite:///{workdir}/expo.db"
    await prepare_demo_database(database_url)
    async with asyncio.timeout(600):  # the whole run's hard bound
        print(json.dumps(await handshakes(database_url, args.handshakes, workdir / "serve.log")))
        for budget in map(int, args.send_buffers.split(",")):
            print(json.dumps(await stalled(database_url, budget)))
        for count in map(int, args.fragments.split(",")):
            print(json.dumps(await fragments(count)))


if __name__ == "__main__":
    asyncio.run(main())
