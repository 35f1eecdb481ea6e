"""A crowd for the booth queues' load tests and bench (tests/integration/test_queue_stress.py,
bench/queues.py): people written straight into the database, each with a session minted there
(signing a thousand people in over HTTP would measure Argon2), and a small HTTP client per
server process that sends each request as whoever's cookie it is given; and pages, a websocket each,
that match replies to commands and keep the events they hear.

The client is its own (keep-alive HTTP/1.1 over asyncio streams, JSON bodies with a
Content-Length, which is all the app answers) because httpx spends about 2 ms of CPU per
request: with thousands of requests on two cores shared with the servers, the load generator
would take a large part of what it measures.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect

from expo.models import AccountSession, utcnow
from expo.security import SESSION_COOKIE, SESSION_MAX_AGE, TokenSigner
from expo.sessions import token_hash
from tests.meetings_setup import Db

# A connection idle longer than this is not used again: uvicorn closes idle ones after 5 s, and
# a request written as it does so would be lost with the connection.
IDLE = 2.0


async def signed_in(db: Db, secret_key: str, account_ids: list[int]) -> dict[int, str]:
    """A session for each account, written in one transaction, as signing in would make it:
    {account id: Cookie header}, good on every process that shares `secret_key`."""
    signer = TokenSigner(secret_key)
    expires = utcnow() + timedelta(seconds=SESSION_MAX_AGE)
    cookies: dict[int, str] = {}
    async with db() as session:
        for account_id in account_ids:
            token = secrets.token_urlsafe(32)
            session.add(
                AccountSession(id=token_hash(token), account_id=account_id, expires_at=expires)
            )
            cookies[account_id] = f"{SESSION_COOKIE}={signer.dumps(token)}"
        await session.commit()
    return cookies


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Http:
    """Requests to one server process, each as the person whose cookie it carries, over at
    most `connections` keep-alive connections (more requests than that wait for one)."""

    def __init__(self, base: str, connections: int = 200, timeout: float = 30.0) -> None:
        url = urlsplit(base)
        assert url.scheme == "http" and url.hostname and url.port, base
        self._host, self._port, self._timeout = url.hostname, url.port, timeout
        self._slots = asyncio.Semaphore(connections)
        self._idle: list[tuple[float, Connection]] = []  # the last used on top

    async def send(
        self, method: str, path: str, cookie: str, body: Any = None
    ) -> tuple[int, dict[str, Any]]:
        """The status and the JSON body (a body that is not JSON comes back as `{"text": …}`)."""
        payload = b"" if body is None else json.dumps(body).encode()
        request = (
            f"{method} {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            f"Cookie: {cookie}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload
        async with self._slots, asyncio.timeout(self._timeout):
            for attempt in range(2):
                reused, (reader, writer) = await self._connection(fresh=attempt > 0)
                try:
                    writer.write(request)
                    try:
                        status_line = await reader.readuntil(b"\r\n")
                    except (asyncio.IncompleteReadError, ConnectionError) as error:
                        nothing = (
                            not isinstance(error, asyncio.IncompleteReadError) or not error.partial
                        )
                        if reused and nothing:
                            writer.close()
                            continue  # the server had closed it, unread: send on a new one
                        raise
                    status, length, keep = await _response_head(status_line, reader)
                    data = await reader.readexactly(length)
                except BaseException:
                    writer.close()
                    raise
                if keep:
                    self._idle.append((time.monotonic(), (reader, writer)))
                else:
                    writer.close()
                return status, _json(data)
        raise AssertionError("a new connection is never taken for a closed one")

    async def _connection(self, *, fresh: bool) -> tuple[bool, Connection]:
        while self._idle and not fresh:
            since, connection = self._idle.pop()
            if time.monotonic() - since < IDLE:
                return True, connection
            connection[1].close()
        return False, await asyncio.open_connection(self._host, self._port)

    async def close(self) -> None:
        for _, (_, writer) in self._idle:
            writer.close()
        self._idle.clear()


async def _response_head(status_line: bytes, reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """The status, the body's length and whether the connection stays open."""
    status = int(status_line.split(b" ", 2)[1])
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    fields = dict(
        line.split(":", 1) for line in head.split("\r\n") if ":" in line
    )  # no field the app sends comes twice, bar set-cookie, which is not read here
    if "chunked" in fields.get("transfer-encoding", ""):
        raise NotImplementedError("a chunked response: this client reads Content-Length only")
    return (
        status,
        int(fields.get("content-length", "0")),
        "close" not in fields.get("connection", ""),
    )


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        return {"text": data[:500].decode(errors="replace")}
    return value if isinstance(value, dict) else {"json": value}


def error_code(body: dict[str, Any]) -> str | None:
    error = body.get("error")
    return error.get("code") if isinstance(error, dict) else None


class Page:
    """One person's page: a websocket to one process, each command's reply matched by its id,
    every event kept with the moment it was read (monotonic), for latencies."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.heard = asyncio.Event()  # set on each event read
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._sent = 0
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, ws_url: str, cookie: str) -> Page:
        ws = await connect(
            ws_url,
            additional_headers={"Cookie": cookie},
            open_timeout=30,
            ping_interval=None,  # the server pings; pongs are answered all the same
            compression=None,
            close_timeout=2,
        )
        return cls(ws)

    async def command(
        self, kind: str, data: dict[str, Any], timeout: float = 30.0
    ) -> dict[str, Any]:
        """The reply (`ok` or `error`) to one command."""
        self._sent += 1
        command_id = f"c{self._sent}"
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[command_id] = reply
        try:
            await self.ws.send(json.dumps({"type": kind, "id": command_id, "data": data}))
            async with asyncio.timeout(timeout):
                return await reply
        finally:
            self._replies.pop(command_id, None)

    def heard_of(self, kind: str) -> list[tuple[float, dict[str, Any]]]:
        return [(at, frame) for at, frame in self.events if frame.get("type") == kind]

    async def _read(self) -> None:
        async for message in self.ws:
            at = time.monotonic()
            frame = json.loads(message)
            waiting = self._replies.get(frame.get("id")) if frame.get("type") in REPLIES else None
            if waiting is not None and not waiting.done():
                waiting.set_result(frame)
            else:
                self.events.append((at, frame))
                self.heard.set()

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()


REPLIES = ("ok", "error")


async def open_pages(
    targets: list[tuple[str, str]], at_once: int = 100, on_open: Any = None
) -> list[Page]:
    """A page per (ws url, cookie), `at_once` handshakes at a time, in the order given."""
    pages: list[Page] = []
    for start in range(0, len(targets), at_once):
        pages += await asyncio.gather(
            *(Page.open(url, cookie) for url, cookie in targets[start : start + at_once])
        )
        if on_open is not None:
            on_open(len(pages))
    return pages


async def close_pages(pages: list[Page]) -> None:
    await asyncio.gather(*(page.close() for page in pages), return_exceptions=True)
