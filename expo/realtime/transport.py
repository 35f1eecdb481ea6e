"""The websocket transport: a uvicorn `ws` protocol class that serves `/ws` itself.

uvicorn hands every websocket upgrade to its `ws` class (`Config(ws="module:Class")`), calling
`Class(config=, server_state=, app_state=)`, then `connection_made(transport)` and
`data_received(<the request head>)`. For `/ws` this class speaks the protocol with websockets'
sans-I/O `ServerProtocol` and writes event frames, encoded once per process, straight to the
socket: no ASGI message dicts and no per-client encoding on the broadcast path. Any other
websocket path falls through to uvicorn's own implementation and the Starlette app.
bench/README.md says why this design and what it measured.

Slow clients: a connection's send budget (EXPO_MAX_SEND_BUFFER) is shared between the
kernel's send buffer, capped with SO_SNDBUF to half of it, and asyncio's buffer, whose
high-water mark is the rest; when a write crosses it, asyncio calls `pause_writing` and the
connection is cut with close code 4008. Uncapped, the kernel's buffer grows to megabytes
(net.ipv4.tcp_wmem) and fills first, so the budget was never reached.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections import deque
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidMessage, InvalidState
from websockets.frames import Opcode
from websockets.http11 import Request, Response
from websockets.server import ServerProtocol
from websockets.typing import BytesLike

from expo.errors import RateLimited, TooLarge, Unauthorized
from expo.ratelimit import enforce
from expo.realtime import closecodes, metrics
from expo.realtime.admission import Overloaded
from expo.realtime.envelope import encode_error, sniff_id
from expo.realtime.frames import close_frame, text_frame
from expo.realtime.gateway import Gateway
from expo.realtime.origins import client_address, origin_allowed
from expo.realtime.request_head import forwarded_for, head_problem
from expo.security import Principal
from expo.services import STATE_KEY, Services

log = logging.getLogger("expo.ws")
# websockets logs every opening and closing at INFO: thousands of lines per reconnect storm.
protocol_log = logging.getLogger("expo.ws.protocol")
protocol_log.setLevel(logging.WARNING)

GATEWAY_PATH = "/ws"
CLOSE_TIMEOUT = 5.0
# Commands are small: no client needs more pieces than this for one, and each piece costs a
# frame's parsing whatever its size. A message in more is closed with 1009.
MAX_FRAGMENTS = 256
# Close codes that say the client broke the protocol: each a strike against its address.
VIOLATIONS = frozenset(
    {
        closecodes.PROTOCOL_ERROR,
        closecodes.UNSUPPORTED_DATA,
        closecodes.INVALID_TEXT,
        closecodes.TOO_BIG,
    }
)
_ids = itertools.count(1)


class ExpoWebSocketProtocol:
    """uvicorn's ws class: `/ws` goes to the gateway, anything else to uvicorn's own."""

    __slots__ = ("_config", "_server_state", "_app_state", "_transport", "_inner")

    def __init__(
        self, config: Any, server_state: Any, app_state: dict[str, Any], _loop: Any = None
    ) -> None:
        self._config, self._server_state, self._app_state = config, server_state, app_state
        self._transport: asyncio.Transport | None = None
        self._inner: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            if self._inner is None:
                self._inner = self._choose(data)
                self._inner.connection_made(self._transport)
            self._inner.data_received(data)
        except Exception:
            # Raised into uvicorn's upgrade, an error leaves the socket to a protocol that no
            # longer reads it, and the connection in the set that graceful shutdown waits on.
            log.exception("websocket protocol failed")
            if self._transport is not None:
                self._transport.abort()  # connection_lost reaches the inner protocol

    def _choose(self, head: bytes) -> Any:
        services: Services | None = self._app_state.get(STATE_KEY)
        path = head.split(b" ", 2)[1].split(b"?", 1)[0] if head.count(b" ") >= 2 else b""
        if services is not None and path == GATEWAY_PATH.encode():
            return Connection(services, self._server_state)
        return WebSocketsSansIOProtocol(
            config=self._config, server_state=self._server_state, app_state=self._app_state
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()


class Connection:
    """One browser tab's socket to the gateway."""

    __slots__ = (
        "id",
        "principal",
        "topics",
        "pending",
        "runner",
        "alive",
        "_services",
        "_gateway",
        "_server_state",
        "_transport",
        "_ws",
        "_fragments",
        "_message_bytes",
        "_accepted",
        "_closing",
        "_abort_timer",
        "_handshake_task",
        "_early",
        "paced_until",
        "_head_tail",
        "_address",
        "_struck",
        "__weakref__",
    )

    def __init__(self, services: Services, server_state: Any) -> None:
        settings = services.settings
        self.id = next(_ids)
        self.principal: Principal | None = None
        self.topics: set[str] = set()
        self.pending: deque[str] = deque()
        self.runner: asyncio.Task[None] | None = None
        self.alive = True  # answered the last keepalive ping
        self.paced_until: float | None = None
        self._services = services
        self._gateway: Gateway = services.gateway
        self._server_state = server_state
        self._transport: asyncio.Transport | None = None
        # No extensions: compression would forbid sharing one encoded frame among clients.
        self._ws = ServerProtocol(
            extensions=[], max_size=settings.max_frame_bytes, logger=protocol_log
        )
        # The message being read in fragments (None between messages) and its size so far:
        # kept as it grows, so each fragment costs the same however many came before it.
        self._fragments: list[bytes] | None = None
        self._message_bytes = 0
        self._accepted = False
        self._closing = False
        self._abort_timer: asyncio.TimerHandle | None = None
        self._handshake_task: asyncio.Future[None] | None = None
        self._early: bytearray | None = None
        # The last bytes of the request head read so far, to find its end across chunks;
        # None once the head has ended.
        self._head_tail: bytes | None = b""
        # Who is connecting, as the rate limits and strikes know them (once the head is read).
        self._address: str | None = None
        self._struck = False  # one strike per connection at most (expo/realtime/strikes.py)

    @property
    def open(self) -> bool:
        return self._accepted and not self._closing

    def pause_reading(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()

    # --- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        budget = self._services.settings.max_send_buffer
        in_kernel = _cap_kernel_buffer(transport, budget // 2)
        transport.set_write_buffer_limits(high=max(budget - in_kernel, budget // 4))
        self._server_state.connections.add(self)

    def data_received(self, data: bytes) -> None:
        if self._handshake_task is not None:
            # Still authenticating: frames wait, unparsed, so nothing (not even a pong) is
            # written before the 101. Bounded like a command; a client that floods is dropped.
            self._early = (self._early or bytearray()) + data
            if len(self._early) > self._services.settings.max_command_bytes:
                self._transport.abort()  # type: ignore[union-attr]
            return
        # websockets parses whatever follows the head while still CONNECTING, and would answer
        # a ping before the 101 or end the socket on a close with no HTTP answer: it is given
        # the head alone, and what follows waits with the frames of the handshake.
        data, after_head = self._split_head(data)
        self._ws.receive_data(data)
        for event in self._ws.events_received():
            if isinstance(event, Request):
                try:
                    self._handshake(event)
                except Exception:
                    log.exception("websocket handshake failed", extra={"conn": self.id})
                    self._give_up()
            elif isinstance(event, Response):
                continue  # only a client receives responses: never here
            elif event.opcode is Opcode.TEXT or event.opcode is Opcode.CONT:
                self._on_data_frame(event.data, event.fin, event.opcode)
            elif event.opcode is Opcode.BINARY:
                self._fail(closecodes.UNSUPPORTED_DATA, "Commands are JSON text frames.")
            elif event.opcode is Opcode.PONG:
                self.alive = True
        if isinstance(self._ws.handshake_exc, InvalidMessage) and not self._closing:
            # A head websockets cannot parse: it would only close the socket; answer first.
            response = self._ws.reject(400, "The request head is not valid HTTP.\n")
            self._transport.write(response.serialize())  # type: ignore[union-attr]
            self._closing = True
        if self._ws.handshake_exc is not None and self._address is None:
            self._strike(self._peer_address())  # a head too long, too many headers, not HTTP
        elif self._ws.close_sent is not None and self._ws.close_sent.code in VIOLATIONS:
            self._strike(self._address)
        self._flush()
        if after_head:
            # Authenticating now: held, bounded, for after the 101 (refused: websockets drops it).
            self.data_received(after_head)

    def _split_head(self, data: bytes) -> tuple[bytes, bytes]:
        """What of `data` is the request head (all of it until the head's blank line), and
        what follows it."""
        if self._head_tail is None:
            return data, b""
        tail = self._head_tail
        end = (tail + data).find(b"\r\n\r\n")  # websockets reads only CRLF lines
        if end < 0:
            self._head_tail = (tail + data[-3:])[-3:]
            return data, b""
        self._head_tail = None
        cut = end + 4 - len(tail)  # > 0: the tail, shorter than the blank line, cannot hold it
        return data[:cut], data[cut:]

    def connection_lost(self, exc: Exception | None) -> None:
        was_accepted = self._accepted
        self._closing = True
        self._accepted = False
        if self._abort_timer is not None:
            self._abort_timer.cancel()
        self._server_state.connections.discard(self)
        if was_accepted:
            self._gateway.disconnected(self)
            log.debug("websocket closed", extra={"conn": self.id})

    def eof_received(self) -> bool | None:
        return None

    def pause_writing(self) -> None:
        """The send buffer crossed its bound: this client is not keeping up."""
        if self.open:
            metrics.SLOW_CONSUMERS.inc()
            log.info("slow client cut off", extra={"conn": self.id})
            self.close(closecodes.SLOW_CONSUMER, "Too far behind: reconnect and resume.")

    def resume_writing(self) -> None:
        return None

    def shutdown(self) -> None:
        """uvicorn is stopping: ask the client to reconnect elsewhere."""
        if self._accepted and not self._closing:
            self.close(closecodes.RESTART, "Server restarting: reconnect and resume.")
        elif self._transport is not None:
            self._transport.close()  # refused, or half-closed waiting for the client: let go

    # --- what the hub and the gateway call ----------------------------------------------

    def send_frame(self, frame: bytes) -> None:
        if self._accepted and not self._closing:
            self._transport.write(frame)  # type: ignore[union-attr]

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake; drop the socket if the client does not answer."""
        if self._closing or self._transport is None:
            return
        self._closing = True
        try:
            self._ws.send_close(code, reason)
            for chunk in self._ws.data_to_send():
                self._transport.write(chunk)
        except InvalidState:
            self._transport.write(close_frame(code, reason))
        # The server closes TCP first (RFC 6455 7.1.1): flush, then close; abort a client
        # that never reads its buffer.
        self._transport.close()
        self._abort_timer = asyncio.get_running_loop().call_later(
            CLOSE_TIMEOUT, self._transport.abort
        )

    # --- inside -------------------------------------------------------------------------

    def _handshake(self, request: Request) -> None:
        # The whole head is checked before anything reads it: a duplicated header would make
        # `Headers.get` raise halfway through, leaving the socket unanswered.
        problem = head_problem(request.headers)
        self._address = self._peer_address() if problem else self._client_address(request)
        tarpit = self._gateway.strikes.wait_for(self._address)
        if tarpit > 0:  # an address that keeps breaking the protocol: handled, but later
            metrics.TARPITTED.inc()
            self._handshake_task = asyncio.ensure_future(self._held(request, problem, tarpit))
            return
        self._check(request, problem)

    async def _held(self, request: Request, problem: str | None, seconds: float) -> None:
        try:
            await asyncio.sleep(seconds)
        finally:
            self._handshake_task = None
        if not self._closing:  # not gone while it was held
            self._check(request, problem)
            self._flush()
        if self._handshake_task is None:  # refused: what came after the head is dropped
            self._early = None

    def _check(self, request: Request, problem: str | None) -> None:
        """The handshake's checks that need nothing but the head; admission follows."""
        if problem is not None:
            self._reject(400, problem + "\n")
            self._strike(self._address)
            return
        # websockets' own checks (method, Upgrade, Connection, key, version): refused at once,
        # before the database is asked who is connecting. The 101 is sent once admitted.
        response = self._ws.accept(request)
        if response.status_code != 101:
            self._ws.send_response(response)
            self._closing = True
            self._strike(self._address)
            return
        origin = request.headers.get("Origin")
        host = request.headers.get("Host", "")
        if not origin_allowed(origin, host, self._services.settings.allowed_origins):
            self._reject(403, "This origin may not open the websocket.\n")
            self._strike(self._address)
            return
        # Who is connecting needs the database: finish the handshake in a task.
        self._handshake_task = asyncio.ensure_future(self._authenticate(request, response))

    async def _authenticate(self, request: Request, response: Response) -> None:
        try:
            async with self._gateway.admission.slot():
                if not self._closing:  # not gone while it waited its turn
                    await self._admit(request, response)
        except Overloaded as busy:
            # Before any of the work: the line is longer than a client should wait.
            self._refuse(503, "Busy admitting others: come back later.\n", busy.retry_after)
        except Exception:
            log.exception("websocket handshake failed", extra={"conn": self.id})
            self._give_up()
        finally:
            self._handshake_task = None
        if self._accepted and self._early:  # frames that arrived while authenticating
            waiting, self._early = bytes(self._early), None
            self.data_received(waiting)

    async def _admit(self, request: Request, response: Response) -> None:
        settings = self._services.settings
        try:
            await enforce(
                self._services.limiter,
                f"connect:{self._address}",
                settings.rate_limits["connect"],
                "connection attempts",
            )
            who = await self._services.sessions.principal(
                request.headers.get("Cookie"), request.headers.get("Authorization")
            )
        except Unauthorized as refused:
            self._reject(401, refused.message + "\n")
            self._flush()
            return
        except RateLimited as refused:
            self._refuse(429, refused.message + "\n", refused.retry_after or 1)
            return
        except Exception:
            log.exception("websocket authentication failed", extra={"conn": self.id})
            self._reject(503, "The server cannot check sessions right now.\n")
            self._flush()
            return
        if self._transport is None or self._transport.is_closing() or self._closing:
            return
        try:
            admitted = who is None or await self._gateway.admit(who)
        except Exception:
            log.exception("websocket admission failed", extra={"conn": self.id})
            self._reject(503, "The server cannot admit connections right now.\n")
            self._flush()
            return
        if not admitted:
            self._reject(429, "This account has too many open connections.\n")
            self._flush()
            return
        if self._transport.is_closing() or self._closing:  # gone while the quota was checked
            if who is not None:
                self._gateway.release(who)
            return
        self.principal = who
        self._ws.send_response(response)
        self._accepted = True
        self._gateway.connected(self)
        self._flush()
        log.debug(
            "websocket opened", extra={"conn": self.id, "account": getattr(who, "account_id", None)}
        )
        early, self.pending = list(self.pending), deque()
        for text in early:  # commands that arrived with the handshake, in order
            self._gateway.receive(self, text)

    def _peer(self) -> str:
        peer = self._transport.get_extra_info("peername") if self._transport else None
        return str(peer[0]) if peer else "unknown"

    def _client_address(self, request: Request) -> str:
        """The client's address, through the trusted proxies' X-Forwarded-For."""
        trusted = self._services.settings.forwarded_allow_ips
        return client_address(self._peer(), forwarded_for(request.headers), trusted)

    def _peer_address(self) -> str | None:
        """The client's address when its head cannot be read: the peer's, unless the peer is
        a trusted proxy (None: striking the balancer would hold everyone it brings)."""
        peer, trusted = self._peer(), self._services.settings.forwarded_allow_ips
        return None if peer in trusted or "*" in trusted else peer

    def _strike(self, address: str | None) -> None:
        if not self._struck:
            self._struck = True
            self._gateway.strikes.strike(address)

    def _refuse(self, status: int, text: str, retry_after: float) -> None:
        """A refusal that says when to come back (Retry-After, whole seconds)."""
        refused = self._ws.reject(status, text)
        refused.headers["Retry-After"] = str(max(1, round(retry_after)))
        self._ws.send_response(refused)
        self._closing = True
        self._flush()

    def _reject(self, status: int, text: str) -> None:
        self._ws.send_response(self._ws.reject(status, text))
        self._closing = True

    def _give_up(self) -> None:
        """Something unexpected failed in the handshake: the client still gets an answer (500
        unless one was sent) and the socket is let go, never held."""
        if self._accepted:
            self.close(closecodes.INTERNAL, "The server failed.")
            return
        if not self._closing:  # nothing was answered yet
            self._reject(500, "The server failed to open the websocket.\n")
        self._closing = True
        self._flush()
        if self._transport is not None:
            self._transport.close()

    def _on_data_frame(self, data: BytesLike, fin: bool, opcode: Opcode) -> None:
        # websockets has already bounded the whole message (max_size: EXPO_MAX_FRAME_BYTES,
        # fragments included, close 1009) and refused continuations out of order (1002).
        if opcode is Opcode.TEXT:
            if fin:
                self._receive(bytes(data))  # no copy: websockets' frames hold bytes already
                return
            self._fragments, self._message_bytes = [], 0
        elif self._fragments is None:
            return  # a continuation of a binary message we already refused
        limit = self._services.settings.max_command_bytes
        self._message_bytes += len(data)
        if self._message_bytes <= limit:
            self._fragments.append(bytes(data))
        else:  # too large to be a command: what came is let go, the rest is read and dropped
            if self._message_bytes - len(data) <= limit:
                self._fragments = [b""] * len(self._fragments)
            self._fragments.append(b"")
        if len(self._fragments) > MAX_FRAGMENTS:
            self._fail(closecodes.TOO_BIG, "Message in too many fragments.")
            return
        if fin:
            whole, self._fragments = b"".join(self._fragments), None
            if self._message_bytes > limit:
                self._too_large(None)  # its id went with the dropped fragments
            else:
                self._receive(whole)

    def _receive(self, data: bytes) -> None:
        if self._closing:
            return
        if len(data) > self._services.settings.max_command_bytes and self._accepted:
            # Refused here rather than queued: a connection never holds an oversized command.
            self._too_large(sniff_id(data.decode(errors="replace")))
            return
        if not self._accepted:  # still authenticating: keep it for after the handshake
            self.pending.append(data.decode(errors="replace"))
            return
        try:
            text = data.decode()
        except UnicodeDecodeError:
            self._fail(closecodes.INVALID_TEXT, "Text frames must be UTF-8.")
            return
        self._gateway.receive(self, text)

    def _too_large(self, command_id: str | int | None) -> None:
        limit = self._services.settings.max_command_bytes
        error = TooLarge(message=f"Commands are limited to {limit} bytes.")
        self.send_frame(text_frame(encode_error(command_id, error)))

    def _fail(self, code: int, reason: str) -> None:
        if not self._closing:
            self._ws.fail(code, reason)
            self._closing = True

    def _flush(self) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        for chunk in self._ws.data_to_send():
            if not chunk:  # websockets' end-of-stream: send what is buffered, then close
                self._closing = True  # nothing more may be written: not an event, not a close
                if self._accepted and transport.can_write_eof():
                    # Half-close and read on (websockets drops what comes) until the client
                    # closes: closing with its bytes unread would send a reset, which can
                    # destroy the close frame (its code) before the client reads it.
                    try:
                        transport.write_eof()
                    except OSError:  # the client is already gone (its reset came first)
                        transport.abort()
                        return
                    if self._abort_timer is None:
                        self._abort_timer = asyncio.get_running_loop().call_later(
                            CLOSE_TIMEOUT, transport.abort
                        )
                else:
                    transport.close()
                return
            transport.write(chunk)
        if self._closing and not self._accepted:  # a refused handshake
            transport.close()
        elif self._ws.close_expected() and self._abort_timer is None:
            self._abort_timer = asyncio.get_running_loop().call_later(
                CLOSE_TIMEOUT, transport.abort
            )


def _cap_kernel_buffer(transport: asyncio.BaseTransport, size: int) -> int:
    """Cap the socket's kernel send buffer near `size` bytes; returns the cap it took (0 when
    there is no socket to cap). Linux doubles what it is asked for (its bookkeeping rides in
    the same buffer, socket(7)), so half is asked."""
    sock = transport.get_extra_info("socket")
    if sock is None:
        return 0
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, max(1, size // 2))
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))
    except OSError:
        return 0
