"""A websocket client in raw bytes over TCP, for tests of what real clients never send."""

from __future__ import annotations

import asyncio
import base64
import os

from websockets.frames import Close, Frame, Opcode

ANSWER_WITHIN = 10.0  # a bound on waiting, not a timing assertion: answers come at once


def request_head(host: str, *extra: str, key: str | None = None, drop: str = "") -> bytes:
    """An upgrade request for /ws, with `extra` header lines added and `drop` left out."""
    key = key or base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    lines = [line for line in lines if not (drop and line.startswith(drop + ":"))]
    return (
        "GET /ws HTTP/1.1\r\n" + "".join(f"{line}\r\n" for line in [*lines, *extra]) + "\r\n"
    ).encode()


def address(server_base: str) -> tuple[str, int]:
    host, port = server_base.removeprefix("http://").split(":")
    return host, int(port)


async def exchange(
    host: str, port: int, head: bytes, *, local: str | None = None
) -> tuple[bytes, bytes]:
    """Send a request head (from the address `local`, say 127.0.0.2, when given); return the
    response head and whatever follows until the server closes the socket (the test fails if
    it is answered late or held open)."""
    where = {"local_addr": (local, 0)} if local else {}
    reader, writer = await asyncio.open_connection(host, port, **where)  # type: ignore[arg-type]
    try:
        writer.write(head)
        await writer.drain()
        async with asyncio.timeout(ANSWER_WITHIN):
            answer = await reader.readuntil(b"\r\n\r\n")
            rest = await reader.read()  # b"" only once the server closed the socket
        return answer, rest
    finally:
        writer.close()


async def open_raw(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A websocket opened by hand: the 101 is read, frames are the caller's to write."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request_head(f"{host}:{port}"))
    await writer.drain()
    async with asyncio.timeout(ANSWER_WITHIN):
        answer = await reader.readuntil(b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 101 "), answer
    return reader, writer


def frame(opcode: Opcode, data: bytes, fin: bool = True) -> bytes:
    return Frame(opcode, data, fin=fin).serialize(mask=True, extensions=[])


async def read_close(reader: asyncio.StreamReader) -> Close:
    """Read server frames until its close frame; returns the close code and reason."""
    async with asyncio.timeout(ANSWER_WITHIN):
        while True:
            head = await reader.readexactly(2)
            length = head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(await reader.readexactly(2), "big")
            elif length == 127:
                length = int.from_bytes(await reader.readexactly(8), "big")
            payload = await reader.readexactly(length)
            if head[0] & 0x0F == Opcode.CLOSE.value:
                return Close.parse(payload)
