"""The websocket edge in bytes, the way websockets tests its protocol: feed bytes to a
`Connection` over a fake transport, read the bytes it writes back with websockets' own client
protocol. No server, no socket; the gateway is a fake that records what reached it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from types import FrameType, SimpleNamespace
from typing import Any

import orjson
import pytest
from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from expo.ratelimit import DEFAULT_RATES, MemoryLimiter
from expo.realtime import transport as transport_module
from expo.realtime.admission import Admission
from expo.realtime.strikes import Strikes
from expo.realtime.transport import MAX_FRAGMENTS, Connection
from expo.settings import Settings

COMMAND = orjson.dumps({"type": "subscribe", "id": "s1", "data": {"topic": "forum:2"}})


class FakeTransport(asyncio.Transport):
    def __init__(self, protocol: Connection) -> None:
        super().__init__()
        self.protocol = protocol
        self.written = bytearray()
        self.closed = False
        self.aborted = False
        self.eof = False  # half-closed: the server writes no more, and reads on

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not (self.closed or self.eof), "written after close"
        self.written += data

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof = True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)

    def abort(self) -> None:
        self.aborted = True
        self.close()

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        return None


class FakeGateway:
    def __init__(self) -> None:
        self.received: list[str] = []
        self.clients: set[Any] = set()
        self.admission = Admission(at_once=64, max_wait=15.0)
        self.strikes = Strikes(DEFAULT_RATES["strikes"], delay=0.5)

    def receive(self, client: Any, text: str) -> None:
        self.received.append(text)

    async def admit(self, who: Any) -> bool:
        return True

    def release(self, who: Any) -> None:
        return None

    def connected(self, client: Any) -> None:
        self.clients.add(client)

    def disconnected(self, client: Any) -> None:
        self.clients.discard(client)


class Anonymous:
    """Sessions that read every handshake as anonymous; `fail` makes them raise."""

    def __init__(self) -> None:
        self.fail: Exception | None = None

    async def principal(self, cookie: str | None, authorization: str | None) -> None:
        if self.fail is not None:
            raise self.fail
        return None


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):  # a bound on waiting; everything here is immediate
        while not condition():
            await asyncio.sleep(0)


class Wire:
    """One server-side Connection and a websockets client protocol on the other end."""

    def __init__(self, **settings: Any) -> None:
        self.gateway = FakeGateway()
        self.sessions = Anonymous()
        services = SimpleNamespace(
            settings=Settings(**settings),
            gateway=self.gateway,
            limiter=MemoryLimiter(),
            sessions=self.sessions,
        )
        self.server_state = SimpleNamespace(connections=set())
        self.conn = Connection(services, self.server_state)  # type: ignore[arg-type]
        self.transport = FakeTransport(self.conn)
        self.conn.connection_made(self.transport)
        self.client = ClientProtocol(parse_uri("ws://expo.test/ws"), max_size=None)

    def feed(self, data: bytes) -> None:
        self.conn.data_received(data)

    def send(self, opcode: Opcode, data: bytes, fin: bool = True) -> None:
        self.feed(Frame(opcode, data, fin=fin).serialize(mask=True, extensions=[]))

    def request(self) -> bytes:
        self.client.send_request(self.client.connect())
        return b"".join(self.client.data_to_send())

    async def open(self) -> None:
        self.feed(self.request())
        await until(lambda: self.conn.open)
        assert isinstance(self.read()[0], Response)

    def read(self) -> list[Any]:
        """What the server wrote since the last read, as the client parses it."""
        data, self.transport.written = bytes(self.transport.written), bytearray()
        self.client.receive_data(data)
        if self.transport.closed or self.transport.eof:
            self.client.receive_eof()
        return list(self.client.events_received())

    def replies(self) -> list[dict[str, Any]]:
        return [
            orjson.loads(e.data) for e in self.read() if getattr(e, "opcode", None) is Opcode.TEXT
        ]

    def close_code(self) -> int | None:
        self.read()
        return self.client.close_rcvd.code if self.client.close_rcvd else None


def too_large(command_id: str | None, limit: int = 16384) -> dict[str, Any]:
    return {
        "type": "error",
        "id": command_id,
        "error": {"code": "too_large", "message": f"Commands are limited to {limit} bytes."},
    }


# --- fragmentation ----------------------------------------------------------------------


async def test_text_in_fragments_reaches_the_gateway_whole():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.TEXT, COMMAND[:5], fin=False)
    wire.send(Opcode.CONT, COMMAND[5:20], fin=False)
    wire.send(Opcode.CONT, COMMAND[20:])
    assert wire.gateway.received == [COMMAND.decode()]


async def test_a_character_split_between_fragments_is_still_utf8():
    wire = Wire()
    await wire.open()
    text = '{"type":"x","id":"数"}'.encode()
    cut = text.index("数".encode()) + 1  # inside the three bytes of 数
    wire.send(Opcode.TEXT, text[:cut], fin=False)
    wire.send(Opcode.CONT, text[cut:])
    assert wire.gateway.received == [text.decode()]
    assert wire.close_code() is None


async def test_a_ping_between_fragments_is_answered_and_the_message_kept():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.TEXT, COMMAND[:10], fin=False)
    wire.send(Opcode.PING, b"hi")
    wire.send(Opcode.CONT, COMMAND[10:])
    [pong] = wire.read()
    assert (pong.opcode, pong.data) == (Opcode.PONG, b"hi")
    assert wire.gateway.received == [COMMAND.decode()]


async def test_a_continuation_without_a_start_closes_with_1002():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.CONT, COMMAND)
    assert wire.close_code() == 1002
    assert wire.gateway.received == []


async def test_a_new_message_inside_a_fragmented_one_closes_with_1002():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.TEXT, COMMAND[:10], fin=False)
    wire.send(Opcode.TEXT, COMMAND)
    assert wire.close_code() == 1002
    assert wire.gateway.received == []


async def test_a_message_in_too_many_fragments_closes_with_1009():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.TEXT, b"[", fin=False)
    for _ in range(MAX_FRAGMENTS):
        wire.send(Opcode.CONT, b" ", fin=False)
    assert wire.close_code() == 1009
    assert wire.gateway.received == []


async def test_fragments_cost_the_same_however_many_came_before():
    """Counted, not timed: the Python lines the transport runs for a message of n one-byte
    fragments grow as n, not n² (the size was once summed over every fragment, each time)."""

    async def work(fragments: int) -> int:
        wire = Wire()
        await wire.open()  # the handshake is not what is counted
        frames = [Frame(Opcode.TEXT, b"[", fin=False).serialize(mask=True, extensions=[])]
        frames += [Frame(Opcode.CONT, b" ", fin=False).serialize(mask=True, extensions=[])] * (
            fragments - 2
        )
        frames.append(Frame(Opcode.CONT, b"]").serialize(mask=True, extensions=[]))
        count = 0

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal count
            count += 1
            return local

        def tracer(frame: FrameType, event: str, arg: Any) -> Any:
            return local if frame.f_code.co_filename == transport_module.__file__ else None

        sys.settrace(tracer)
        try:
            for data in frames:
                wire.conn.data_received(data)
        finally:
            sys.settrace(None)
        assert wire.gateway.received == ["[" + " " * (fragments - 2) + "]"]
        return count

    small, large = await work(MAX_FRAGMENTS // 2), await work(MAX_FRAGMENTS)
    assert large <= 2.2 * small


# --- sizes ------------------------------------------------------------------------------


async def test_a_frame_over_the_hard_limit_closes_with_1009():
    wire = Wire(max_frame_bytes=4096)
    await wire.open()
    wire.send(Opcode.TEXT, b"x" * 4097)
    assert wire.close_code() == 1009


async def test_a_message_over_the_hard_limit_in_fragments_closes_with_1009():
    wire = Wire(max_frame_bytes=4096)
    await wire.open()
    wire.send(Opcode.TEXT, b"x" * 3000, fin=False)
    wire.send(Opcode.CONT, b"x" * 3000)
    assert wire.close_code() == 1009
    assert wire.gateway.received == []


async def test_an_oversized_command_is_refused_with_its_id_and_never_queued():
    wire = Wire()
    await wire.open()
    big = orjson.dumps({"type": "chat.send", "id": "big", "data": {"text": "x" * 20_000}})
    wire.send(Opcode.TEXT, big)
    assert wire.replies() == [too_large("big")]
    assert wire.gateway.received == []
    wire.send(Opcode.TEXT, COMMAND)  # the connection stays
    assert wire.gateway.received == [COMMAND.decode()]


async def test_an_oversized_command_in_fragments_is_dropped_as_it_comes():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.TEXT, b'{"type":"chat.send","id":"big","data":{"text":"', fin=False)
    for _ in range(5):
        wire.send(Opcode.CONT, b"x" * 8000, fin=False)
        # Past the limit nothing of the message is kept, however much more comes.
        assert sum(map(len, wire.conn._fragments or [])) <= 16384
    wire.send(Opcode.CONT, b'"}}')
    assert wire.replies() == [too_large(None)]
    assert wire.gateway.received == []
    wire.send(Opcode.TEXT, COMMAND)
    assert wire.gateway.received == [COMMAND.decode()]


# --- what is not a command --------------------------------------------------------------


async def test_a_binary_frame_closes_with_1003():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.BINARY, b"\x00\x01", fin=False)
    wire.send(Opcode.CONT, b"\x02")
    assert wire.close_code() == 1003
    assert wire.gateway.received == []


async def test_invalid_utf8_closes_with_1007():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.TEXT, b"\xff\xfe")
    assert wire.close_code() == 1007


# --- before the 101 ---------------------------------------------------------------------


async def test_frames_before_the_101_are_answered_after_it():
    wire = Wire()
    wire.feed(wire.request())
    wire.send(Opcode.PING, b"early")
    wire.send(Opcode.TEXT, COMMAND)
    assert wire.transport.written == b""  # nothing, not even the pong, before the 101
    await until(lambda: wire.conn.open)
    response, pong = wire.read()
    assert isinstance(response, Response) and response.status_code == 101
    assert (pong.opcode, pong.data) == (Opcode.PONG, b"early")
    assert wire.gateway.received == [COMMAND.decode()]


def frame(opcode: Opcode, data: bytes) -> bytes:
    return Frame(opcode, data).serialize(mask=True, extensions=[])


async def test_a_ping_in_the_requests_packet_is_answered_after_the_101():
    """websockets parses frames that share a chunk with the request while still CONNECTING:
    the pong must wait for the 101 all the same."""
    wire = Wire()
    wire.feed(wire.request() + frame(Opcode.PING, b"early") + frame(Opcode.TEXT, COMMAND))
    assert wire.transport.written == b""  # nothing, not even the pong, before the 101
    await until(lambda: wire.conn.open)
    response, pong = wire.read()
    assert isinstance(response, Response) and response.status_code == 101
    assert (pong.opcode, pong.data) == (Opcode.PONG, b"early")
    assert wire.gateway.received == [COMMAND.decode()]


async def test_a_close_in_the_requests_packet_is_answered_101_then_echoed():
    wire = Wire()
    wire.feed(wire.request() + frame(Opcode.CLOSE, Close(1000, "bye").serialize()))
    await until(lambda: wire.transport.eof or wire.transport.closed)
    response, echo = wire.read()
    assert isinstance(response, Response) and response.status_code == 101
    assert Close.parse(echo.data) == Close(1000, "bye")


async def test_a_head_whose_end_is_split_between_chunks_keeps_what_follows_for_after_the_101():
    wire = Wire()
    head = wire.request()
    wire.feed(head[:-3])  # the blank line that ends the head comes in two pieces
    wire.feed(head[-3:] + frame(Opcode.PING, b"early"))
    assert wire.transport.written == b""
    await until(lambda: wire.conn.open)
    response, pong = wire.read()
    assert isinstance(response, Response) and response.status_code == 101
    assert (pong.opcode, pong.data) == (Opcode.PONG, b"early")


async def test_a_flood_in_the_requests_packet_is_dropped():
    wire = Wire()
    wire.feed(wire.request() + frame(Opcode.TEXT, b"x" * 20_000))
    assert wire.transport.aborted
    assert wire.transport.written == b""


async def test_a_flood_before_the_101_is_dropped():
    wire = Wire()
    wire.feed(wire.request())
    wire.send(Opcode.TEXT, b"x" * 20_000)
    assert wire.transport.aborted


async def test_a_head_that_is_not_http_gets_400():
    wire = Wire()
    wire.feed(b"GET /ws HTTP/1.1\r\nHost expo.test\r\n\r\n")
    assert bytes(wire.transport.written).startswith(b"HTTP/1.1 400 ")
    assert wire.transport.closed


async def test_a_duplicated_header_gets_400_without_asking_for_the_session():
    wire = Wire()
    wire.sessions.fail = AssertionError("the session was asked")
    head = wire.request().replace(b"Host: expo.test\r\n", b"Host: expo.test\r\nHost: a\r\n")
    wire.feed(head)
    assert bytes(wire.transport.written).startswith(b"HTTP/1.1 400 ")
    assert b"The Host header appears more than once." in wire.transport.written
    assert wire.transport.closed


async def test_an_unexpected_failure_in_the_handshake_answers_and_lets_go():
    wire = Wire()
    wire.sessions.fail = RuntimeError("boom")  # not an ExpoError: a bug or an outage
    wire.feed(wire.request())
    await until(lambda: wire.transport.closed)
    assert bytes(wire.transport.written).startswith(b"HTTP/1.1 503 ")
    await until(lambda: wire.conn not in wire.server_state.connections)


# --- close paths ------------------------------------------------------------------------


async def test_a_client_close_is_echoed_and_the_socket_closed():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.CLOSE, Close(1000, "bye").serialize())
    [echo] = wire.read()
    assert Close.parse(echo.data) == Close(1000, "bye")
    assert wire.transport.eof  # half-closed, until the client closes its side
    wire.transport.close()  # what asyncio does when the client's end of stream comes
    await until(lambda: wire.conn not in wire.gateway.clients)


async def test_a_client_that_reset_before_the_half_close_is_let_go_without_an_error():
    """The peer may be gone by the time the server half-closes (its reset raced the close
    frame): `shutdown(SHUT_WR)` then fails with ENOTCONN, and the socket is simply dropped."""
    wire = Wire()
    await wire.open()

    def reset() -> None:
        raise OSError(107, "Transport endpoint is not connected")

    wire.transport.write_eof = reset  # type: ignore[method-assign]
    wire.send(Opcode.CLOSE, Close(1000, "bye").serialize())
    assert wire.transport.aborted
    await until(lambda: wire.conn not in wire.gateway.clients)


async def test_a_server_close_sends_its_code_then_closes():
    wire = Wire()
    await wire.open()
    wire.conn.close(4008, "Too far behind: reconnect and resume.")
    assert wire.close_code() == 4008
    assert wire.transport.closed
    wire.conn.send_frame(b"late")  # nothing more is written after the close
    assert wire.transport.written == b""


async def test_a_client_that_never_answers_the_close_is_aborted(monkeypatch):
    monkeypatch.setattr(transport_module, "CLOSE_TIMEOUT", 0.01)
    wire = Wire()
    await wire.open()
    wire.transport.close = lambda: None  # type: ignore[method-assign]  # a buffer never read
    wire.conn.close(1012, "Server restarting: reconnect and resume.")
    await until(lambda: wire.transport.aborted)


@pytest.mark.parametrize("code", [1000, 1001])
async def test_after_a_close_further_frames_are_ignored(code):
    wire = Wire()
    await wire.open()
    wire.send(Opcode.CLOSE, Close(code, "").serialize())
    wire.send(Opcode.TEXT, COMMAND)
    assert wire.gateway.received == []


async def test_a_failed_connection_half_closes_and_is_aborted_if_the_client_stays(monkeypatch):
    """After a protocol error the server sends its close and half-closes: it reads on (and
    drops what comes) so the client sees the close code, not a reset; a client that never
    closes its side is aborted."""
    monkeypatch.setattr(transport_module, "CLOSE_TIMEOUT", 0.01)
    wire = Wire()
    await wire.open()
    wire.send(Opcode.BINARY, b"\x00")
    assert wire.close_code() == 1003
    assert wire.transport.eof and not wire.transport.closed
    wire.send(Opcode.TEXT, COMMAND)  # read and dropped
    assert wire.gateway.received == []
    await until(lambda: wire.transport.aborted)


async def test_shutdown_lets_go_of_a_half_closed_connection_at_once():
    wire = Wire()
    await wire.open()
    wire.send(Opcode.CLOSE, Close(1000, "").serialize())
    assert wire.transport.eof and not wire.transport.closed
    wire.conn.send_frame(b"an event")  # the hub may still deliver: nothing is written
    wire.conn.shutdown()
    assert wire.transport.closed
    await until(lambda: wire.conn not in wire.server_state.connections)


async def test_shutdown_asks_an_open_client_to_reconnect():
    wire = Wire()
    await wire.open()
    wire.conn.shutdown()
    assert wire.close_code() == 1012
    assert wire.transport.closed


async def test_shutdown_during_the_handshake_lets_go():
    wire = Wire()
    wire.feed(wire.request())  # authenticating: the task has not run yet
    wire.conn.shutdown()
    assert wire.transport.closed
    await until(lambda: wire.conn not in wire.server_state.connections)
    await asyncio.sleep(0)  # the handshake task finds the socket gone and writes nothing
