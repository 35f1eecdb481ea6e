"""Reference fanout servers for bench/fanout.py, each run as its own process.

    python bench/baselines.py websockets PORT   # bare websockets server, websockets.broadcast()
    python bench/baselines.py starlette PORT    # Starlette route on uvicorn, send_text loop

Both speak the smallest slice of the Shubo Live protocol that the benchmark needs, so the same
load generator drives them and our server:

- a client sends `{"type":"subscribe",...}` and gets `{"type":"ok","id":1,"data":{}}`; from then
  on it receives every broadcast;
- any other text message (the publisher's) is sent as it is to every subscribed client.

No compression (permessage-deflate off), uvloop as the event loop in both (uvicorn picks it on its
own; the websockets server is started under it explicitly), listen backlog 2048 in both (uvicorn's
default). Nothing else is tuned.
"""

from __future__ import annotations

import asyncio
import signal
import sys

SUBSCRIBE_PREFIX = '{"type":"subscribe"'
OK_REPLY = '{"type":"ok","id":1,"data":{}}'
HOST = "127.0.0.1"
BACKLOG = 2048


def run_websockets(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve
    from websockets.exceptions import ConnectionClosed

    connections: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        try:
            async for message in ws:
                if isinstance(message, str) and message.startswith(SUBSCRIBE_PREFIX):
                    connections.add(ws)
                    await ws.send(OK_REPLY)
                else:
                    broadcast(connections, message)
        except ConnectionClosed:
            pass
        finally:
            connections.discard(ws)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
        async with serve(handler, HOST, port, compression=None, backlog=BACKLOG):
            print(f"websockets baseline on {HOST}:{port}", file=sys.stderr, flush=True)
            await stop

    _run(main())


def run_starlette(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    connections: set[WebSocket] = set()

    async def endpoint(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                message = await ws.receive_text()
                if message.startswith(SUBSCRIBE_PREFIX):
                    connections.add(ws)
                    await ws.send_text(OK_REPLY)
                    continue
                for other in list(connections):
                    try:
                        await other.send_text(message)
                    except Exception:  # a client that went away mid-loop
                        connections.discard(other)
        except WebSocketDisconnect:
            pass
        finally:
            connections.discard(ws)

    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)])
    uvicorn.run(
        app,
        host=HOST,
        port=port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        lifespan="off",
        log_level="warning",
        backlog=BACKLOG,
    )


def _run(coro: object) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        asyncio.run(coro)  # type: ignore[arg-type]
    else:
        uvloop.run(coro)  # type: ignore[arg-type]


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("websockets", "starlette"):
        print("usage: baselines.py {websockets|starlette} PORT", file=sys.stderr)
        return 2
    mode, port = argv[0], int(argv[1])
    if mode == "websockets":
        run_websockets(port)
    else:
        run_starlette(port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
