"""A websocket client in raw frames for the abuse scenario: it writes what real clients never
write (binary, broken UTF-8, a message in a million fragments) and reads what the server answers
(a reply, or a close frame with its code), frame by frame, with no library in between to tidy
either side up."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any

import orjson
from websockets.frames import Close, Opcode

from tests.rawws import frame, request_head

# A bound on waiting for an answer, not a target: the target (1 s) is measured, not waited for.
GIVE_UP = 10.0


@dataclass(frozen=True, slots=True)
class Answer:
    """What the server did with one message: replied (`reply`), closed the socket (`close`,
    None when it dropped it with no close frame), or nothing within GIVE_UP (`silent`)."""

    reply: dict[str, Any] | None = None
    close: int | None = None
    dropped: bool = False
    silent: bool = False


class RawSocket:
    """One websocket opened by hand on 127.0.0.1."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.closed = False

    @classmethod
    async def open(cls, port: int, *headers: str, receive_buffer: int = 0) -> RawSocket:
        """`receive_buffer`: cap this side's kernel buffer (before connecting, so the window
        is small from the start): a client that stops reading then holds little."""
        if receive_buffer:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
            reader, writer = await asyncio.open_connection(sock=sock)
        else:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request_head(f"127.0.0.1:{port}", *headers))
        await writer.drain()
        async with asyncio.timeout(GIVE_UP):
            answer = await reader.readuntil(b"\r\n\r\n")
        if not answer.startswith(b"HTTP/1.1 101 "):
            writer.close()
            raise ConnectionError(answer.split(b"\r\n", 1)[0].decode(errors="replace"))
        return cls(reader, writer)

    async def send(self, *frames: bytes) -> None:
        """Write frames; a server that has closed already is no error (its close is read)."""
        try:
            self.writer.write(b"".join(frames))
            await self.writer.drain()
        except ConnectionError:
            pass

    async def send_text(self, payload: bytes) -> None:
        await self.send(frame(Opcode.TEXT, payload))

    async def answer(self) -> Answer:
        """The next reply (or close) the server sends; events are skipped."""
        try:
            async with asyncio.timeout(GIVE_UP):
                while True:
                    opcode, payload = await self._frame()
                    if opcode == Opcode.CLOSE.value:
                        self.closed = True
                        return Answer(close=Close.parse(payload).code if payload else 1005)
                    if opcode == Opcode.TEXT.value:
                        message = orjson.loads(payload)
                        if message.get("type") in ("ok", "error"):
                            return Answer(reply=message)
                    elif opcode == Opcode.PING.value:
                        await self.send(frame(Opcode.PONG, payload))
        except TimeoutError:
            return Answer(silent=True)
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed = True
            return Answer(dropped=True)

    async def command(self, kind: str, command_id: int, data: dict[str, Any]) -> Answer:
        await self.send_text(orjson.dumps({"type": kind, "id": command_id, "data": data}))
        return await self.answer()

    async def frame(self) -> tuple[int, bytes]:
        """The next frame the server sends: (opcode, payload)."""
        return await self._frame()

    async def _frame(self) -> tuple[int, bytes]:
        head = await self.reader.readexactly(2)
        length = head[1] & 0x7F
        if length == 126:
            length = int.from_bytes(await self.reader.readexactly(2), "big")
        elif length == 127:
            length = int.from_bytes(await self.reader.readexactly(8), "big")
        return head[0] & 0x0F, await self.reader.readexactly(length)

    def abort(self) -> None:
        self.closed = True
        self.writer.transport.abort()
