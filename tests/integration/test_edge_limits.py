"""The websocket edge's limits over real sockets: one client's bytes never stall the others,
and a client that stops reading is cut once it is the configured amount behind."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.frames import Opcode

from expo.realtime.transport import Connection
from tests.live import LiveServer, Peer, live_server, make_settings
from tests.rawws import address, frame, open_raw, read_close


async def test_forty_thousand_one_byte_fragments_do_not_stall_another_client(server: LiveServer):
    """The review's attack: one text message in 40,000 one-byte fragments (273 KiB on the
    wire) once kept every other client of the process waiting for 14 s."""
    host, port = address(server.base)
    async with server.connect() as other_ws:
        other = Peer(other_ws)
        reader, writer = await open_raw(host, port)
        pieces = [frame(Opcode.TEXT, b"[", fin=False)]
        pieces += [frame(Opcode.CONT, b" ", fin=False)] * 39_998
        pieces.append(frame(Opcode.CONT, b"]"))
        writer.write(b"".join(pieces))
        await writer.drain()  # all of it is in the server's socket before the other asks
        reply = await other.command("subscribe", {"topic": "forum:4"})
        assert reply["type"] == "ok"
        closed = await read_close(reader)
        assert (closed.code, closed.reason) == (1009, "Message in too many fragments.")
        writer.close()


async def test_oversized_commands_in_a_row_are_each_refused_and_none_queued(server: LiveServer):
    """More oversized commands than the pending queue holds: each is answered too_large with
    its id (none waits in the queue, so none is refused as rate_limited)."""
    async with server.connect() as ws:
        count = server.services.settings.max_pending_commands + 8
        for i in range(count):
            await ws.send(
                json.dumps({"type": "chat.send", "id": i, "data": {"text": "x" * 20_000}})
            )
        replies = [json.loads(await ws.recv()) for _ in range(count)]
        assert [(r["id"], r["error"]["code"]) for r in replies] == [
            (i, "too_large") for i in range(count)
        ]


async def test_a_client_that_stops_reading_is_cut_once_it_is_the_limit_behind(demo_sqlite):
    """EXPO_MAX_SEND_BUFFER counts what the kernel holds too: with a 64 KiB limit the stalled
    client is cut with 4008 after about 64 KiB, not after the kernel's megabytes; the
    keepalive (an hour away here) plays no part."""
    limit = 64 * 1024
    settings = make_settings(demo_sqlite, max_send_buffer=limit, ping_interval=3600)
    async with live_server(settings) as live:
        async with live.connect() as stalled_ws:
            stalled = Peer(stalled_ws)
            await stalled.command("subscribe", {"topic": "forum:8"})
            stalled_ws.transport.pause_reading()
            # What the client's own kernel takes in before it stops the sender (its receive
            # window) is out of the server's sight; the server's side is what is bounded.
            sock = stalled_ws.transport.get_extra_info("socket")
            import socket

            client_window = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            connection = next(
                c for c in live._server.server_state.connections if isinstance(c, Connection)
            )
            blob = "x" * 4000
            published = 0
            while connection.open:
                await live.services.hub.publish("forum:8", "test.filler", {"blob": blob})
                published += len(blob)
                assert published < 4 * 1024 * 1024, "never cut off"
                await asyncio.sleep(0)  # let the loop write it out
            assert published <= limit + client_window + 64 * 1024
            stalled_ws.transport.resume_reading()
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(20):
                    while True:
                        await stalled_ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4008
