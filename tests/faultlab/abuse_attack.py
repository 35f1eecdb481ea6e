"""The abuse scenario's attacker, run in a process of its own so that its work does not delay the
well-behaved clients measured beside it (tests/faultlab/abuse.py starts it):

    python -m tests.faultlab.abuse_attack '<plan as JSON>'

Malformed websocket messages over a few connections, each sent alone and its answer awaited
(one command in flight: the answer is the next reply or close on that socket); malformed
handshakes; and slowloris heads that dribble in. Prints one JSON object: what each input got.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.frames import Opcode

from tests.faultlab.abuse_wire import GIVE_UP, Answer, RawSocket
from tests.rawws import frame, request_head

ANY = object()  # a reply whose id is not checked


@dataclass(frozen=True, slots=True)
class Probe:
    """One malformed message and what docs/protocol.md says it gets: an error reply (`codes`,
    empty for any error but `internal`, with `reply_id`) or a close code from `closes`."""

    kind: str
    frames: tuple[bytes, ...]
    codes: frozenset[str] = frozenset()
    reply_id: Any = ANY
    closes: frozenset[int] = frozenset()


def unchecked_frame(opcode: Opcode, payload: bytes) -> bytes:
    """A masked frame encoded by hand: websockets refuses to write one that breaks the rules
    (a control frame over 125 bytes)."""
    mask = os.urandom(4)
    head = bytes([0x80 | opcode.value])
    if len(payload) < 126:
        head += bytes([0x80 | len(payload)])
    else:
        head += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _text(payload: bytes | str) -> tuple[bytes, ...]:
    return (frame(Opcode.TEXT, payload.encode() if isinstance(payload, str) else payload),)


def _json(value: Any) -> bytes:
    return orjson.dumps(value)


def _error(kind: str, value: Any, *codes: str, reply_id: Any = ANY) -> Probe:
    return Probe(kind, _text(_json(value)), frozenset(codes), reply_id)


def _close(kind: str, frames: tuple[bytes, ...], *codes: int) -> Probe:
    return Probe(kind, frames, closes=frozenset(codes))


def malformed(n: int, rotation: list[Callable[[int], Probe]]) -> Probe:
    """The n-th malformed message of a connection, in a fixed rotation: 5 of the 19 kinds close
    the socket (each costs the attacker a new handshake)."""
    return rotation[n % len(rotation)](n)


def _deep(n: int) -> Probe:
    depth = 5000 + n % 1000  # deeper than the JSON parser nests (1024), under the size limit
    text = "[" * depth + "]" * depth
    return Probe("deep_nesting", _text(text), frozenset({"bad_request"}), None)


def _deep_data(n: int) -> Probe:
    # Valid JSON the parser reads (400 deep: under its 1024), nested in a payload field.
    nested = "[" * 400 + '"x"' + "]" * 400
    text = f'{{"type": "chat.send", "id": {n}, "data": {{"forum": 1, "text": {nested}}}}}'
    # An anonymous socket is refused before its payload is read.
    return Probe("deep_payload", _text(text), frozenset({"bad_request", "unauthorized"}), n)


ROTATION: list[Callable[[int], Probe]] = [
    lambda n: Probe(
        "bad_json", _text(b'{"type": "subscribe", "id": '), frozenset({"bad_request"}), None
    ),
    lambda n: Probe(
        "not_an_object", _text(_json([n, "subscribe"])), frozenset({"bad_request"}), None
    ),
    lambda n: _error(
        "wrong_types",
        {"type": "chat.send", "id": n, "data": {"forum": "1", "text": n}},
        "bad_request",
        "unauthorized",
        reply_id=n,
    ),
    lambda n: _error(
        "wrong_data", {"type": "subscribe", "id": n, "data": [1]}, "bad_request", reply_id=n
    ),
    lambda n: _error("bad_id", {"type": "subscribe", "id": True}, "bad_request", reply_id=None),
    lambda n: _error(
        "no_id", {"type": "subscribe", "data": {"topic": "forum:1"}}, "bad_request", reply_id=None
    ),
    lambda n: _error("bad_type", {"type": "Sub!", "id": n}, "bad_request", reply_id=n),
    lambda n: _error(
        "unknown_command", {"type": f"nope.n{n}", "id": n}, "unknown_command", reply_id=n
    ),
    _deep,
    _deep_data,
    lambda n: _error(
        "oversize_command",
        {"type": "chat.send", "id": n, "data": {"forum": 1, "text": "字" * 7000}},
        "too_large",
        reply_id=n,
    ),
    lambda n: _error(
        "bad_topic",
        {"type": "subscribe", "id": n, "data": {"topic": "../etc"}},
        "subscribe.bad_topic",
        reply_id=n,
    ),
    lambda n: _error(
        "unknown_topic",
        {"type": "subscribe", "id": n, "data": {"topic": f"nosuch:{n}"}},
        "subscribe.unknown_topic",
        reply_id=n,
    ),
    lambda n: _error(
        "out_of_range",
        {"type": "queue.leave", "id": n, "data": {"ticket": 2**31}},
        "bad_request",
        "unauthorized",
        reply_id=n,
    ),
    lambda n: _close("oversize_frame", _text(b"x" * (70 * 1024)), 1009),
    lambda n: _close("invalid_utf8", _text(b'{"type": "subscribe", "id": 1}\xc3\x28'), 1007),
    lambda n: _close(
        "binary", (frame(Opcode.BINARY, _json({"type": "subscribe", "id": n})),), 1003
    ),
    lambda n: _close("stray_continuation", (frame(Opcode.CONT, b"]"),), 1002),
    lambda n: _close("oversize_ping", (unchecked_frame(Opcode.PING, b"p" * 200),), 1002),
]
# Aimed at other people's objects: its own share of the rotation, after these.
OTHERS_SHARE = 8  # of every len(ROTATION) + OTHERS_SHARE messages


@dataclass
class Targets:
    """Other people's objects, found before the attack (tests/faultlab/abuse.py)."""

    tickets: list[int]
    conversations: list[int]
    meetings: list[int]
    requests: list[int]
    exhibitors: list[int]  # booths none of the attackers works at
    victim: int  # an account the attackers try to sanction

    def commands(self, n: int) -> tuple[str, dict[str, Any]]:
        """The n-th command on someone else's object: none of them may act."""
        ticket = self.tickets[n % len(self.tickets)]
        conversation = self.conversations[n % len(self.conversations)]
        meeting = self.meetings[n % len(self.meetings)]
        request = self.requests[n % len(self.requests)]
        booth = self.exhibitors[n % len(self.exhibitors)]
        sanction = {"exhibitor": booth, "account": self.victim, "duration": 5, "reason": "x"}
        choices: list[tuple[str, dict[str, Any]]] = [
            ("queue.leave", {"ticket": ticket}),
            ("queue.answer", {"ticket": ticket}),
            ("queue.serve", {"ticket": ticket}),
            ("queue.no_show", {"ticket": ticket}),
            ("queue.say", {"ticket": ticket, "text": "hi"}),
            ("queue.signal", {"ticket": ticket, "kind": "offer", "payload": {}}),
            ("queue.call", {"exhibitor": booth}),
            ("booth.duty", {"on": True, "exhibitor": booth}),
            ("booth.mute", sanction),
            ("booth.ban", sanction),
            ("booth.lift", {"exhibitor": booth, "account": self.victim, "reason": "x"}),
            ("booth.chat.delete", {"exhibitor": booth, "message": 1 + n % 50}),
            ("booth.private.send", {"exhibitor": booth, "conversation": conversation, "text": "x"}),
            ("booth.private.read", {"exhibitor": booth, "conversation": conversation}),
            ("booth.private.claim", {"exhibitor": booth, "conversation": conversation}),
            ("booth.private.close", {"exhibitor": booth, "conversation": conversation}),
            ("match.accept", {"request": request}),
            ("match.decline", {"request": request}),
            ("match.withdraw", {"request": request}),
            ("match.cancel", {"meeting": meeting, "reason": ""}),
            ("match.reschedule", {"meeting": meeting, "slot": 1 + n % 12}),
            ("meeting.say", {"meeting": meeting, "text": "x"}),
            ("meeting.signal", {"meeting": meeting, "kind": "offer", "payload": {}}),
            ("forum.ban", {"forum": 1, "account": self.victim, "duration": 5, "reason": ""}),
            ("chat.delete", {"forum": 1, "message": 1 + n % 50, "reason": ""}),
            ("question.hide", {"question": 1 + n % 20, "reason": ""}),
            ("subscribe", {"topic": f"queue-ticket:{ticket}"}),
            ("subscribe", {"topic": f"meeting:{meeting}"}),
            ("subscribe", {"topic": f"booth-staff:{booth}"}),
            ("subscribe", {"topic": f"booth-queue-staff:{booth}"}),
            ("subscribe", {"topic": "backstage:1"}),
            ("subscribe", {"topic": "control:all"}),
        ]
        return choices[(n // len(self.tickets)) % len(choices)]

    def probe(self, n: int) -> Probe:
        kind, data = self.commands(n)
        return _error(f"others:{kind}", {"type": kind, "id": n, "data": data}, reply_id=n)


@dataclass
class Tally:
    """What one kind of input got: answers as the protocol says, and how fast."""

    sent: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)  # answered, but not as documented
    silent: Counter[str] = field(default_factory=Counter)  # no answer within GIVE_UP
    answers: Counter[str] = field(default_factory=Counter)  # "kind -> code" seen
    examples: list[str] = field(default_factory=list)  # a few wrong answers, for the report
    latencies: list[float] = field(default_factory=list)

    def record(self, probe: Probe, answer: Answer, seconds: float) -> None:
        self.sent[probe.kind] += 1
        self.latencies.append(seconds)
        if answer.silent:
            self.silent[probe.kind] += 1
        else:
            self.answers[f"{probe.kind.split(':')[0]} -> {label(answer)}"] += 1

    def wrong_answer(self, probe: Probe, answer: Answer) -> None:
        self.wrong[probe.kind] += 1
        if len(self.examples) < 20:
            self.examples.append(f"{probe.kind}: {answer}")


def label(answer: Answer) -> str:
    """The code (or close code) an answer carries, for the tally."""
    if answer.reply is not None:
        if answer.reply["type"] == "ok":
            return "ok"
        return str(answer.reply["error"]["code"])
    if answer.close is not None:
        return f"close {answer.close}"
    return "dropped"


def documented(probe: Probe, answer: Answer) -> bool:
    """Did the answer keep the protocol's promise for this input?"""
    if probe.closes:
        return answer.close in probe.closes
    reply = answer.reply
    if reply is None or reply.get("type") != "error":
        return False
    code = reply["error"].get("code")
    if not isinstance(code, str) or code == "internal" or not reply["error"].get("message"):
        return False
    if code == "rate_limited" and reply["error"].get("retry_after", 0) > 0:
        return True  # the account's refusals are spent: answered before any work (protocol.md)
    if probe.codes and code not in probe.codes:
        return False
    return probe.reply_id is ANY or reply.get("id") == probe.reply_id


async def attack_messages(
    port: int,
    socket_index: int,
    headers: list[str],
    count: int,
    targets: Targets | None,
    tally: Tally,
    fragments: int,
    stop_at: float,
    closing: bool = True,
) -> None:
    """One connection's share: each message sent alone, its answer awaited, the socket opened
    again after every close."""
    sock = await RawSocket.open(port, *headers)
    # Without the kinds that close the socket: what the messages cost apart from reconnecting.
    rotation = [pick for pick in ROTATION if not pick(0).closes] if not closing else ROTATION
    period = len(rotation) + OTHERS_SHARE
    try:
        if fragments:
            # One text message in `fragments` one-byte pieces (7 bytes each on the wire).
            pieces = [frame(Opcode.TEXT, b"[", fin=False)]
            pieces += [frame(Opcode.CONT, b" ", fin=False)] * (fragments - 2)
            pieces.append(frame(Opcode.CONT, b"]"))
            await one(sock, _close("fragments", tuple(pieces), 1009), tally)
            sock = await reopen(sock, port, headers)
        for n in range(socket_index * 1_000_000, socket_index * 1_000_000 + count):
            if time.monotonic() > stop_at:
                break
            slot = n % period
            if slot >= len(rotation):
                # Anonymous sockets aim at the same: refused (unauthorized, or the topic's
                # guard's own code), whichever error it is.
                probe = (targets or ANONYMOUS).probe(n)
            else:
                probe = malformed(n, rotation)
            await one(sock, probe, tally)
            if sock.closed:
                sock = await reopen(sock, port, headers)
    finally:
        sock.abort()


ANONYMOUS = Targets([1, 2, 3], [1, 2], [1, 2], [1, 2], [1, 2, 3], 1)


async def one(sock: RawSocket, probe: Probe, tally: Tally) -> None:
    began = time.monotonic()
    await sock.send(*probe.frames)
    answer = await sock.answer()
    tally.record(probe, answer, time.monotonic() - began)
    if not answer.silent and not documented(probe, answer):
        tally.wrong_answer(probe, answer)
    if probe.closes or answer.close is not None or answer.dropped:
        sock.closed = True


async def reopen(sock: RawSocket, port: int, headers: list[str]) -> RawSocket:
    sock.abort()
    return await RawSocket.open(port, *headers)


# --- handshakes -----------------------------------------------------------------------------


def handshake_cases(port: int) -> list[tuple[str, bytes, frozenset[int]]]:
    """Bad upgrade requests and the status docs/protocol.md gives each ("Refusals at the
    handshake"); `no_origin` is the one accepted: a non-browser client (anonymous)."""
    host = f"127.0.0.1:{port}"
    key = base64.b64encode(os.urandom(16)).decode()
    bad = frozenset({400})
    return [
        ("foreign_origin", request_head(host, "Origin: http://evil.example"), frozenset({403})),
        ("null_origin", request_head(host, "Origin: null"), frozenset({403})),
        ("garbled_origin", request_head(host, "Origin: ht!tp://::::"), frozenset({403})),
        ("no_origin", request_head(host), frozenset({101})),
        ("two_hosts", request_head(host, f"Host: {host}"), bad),
        ("two_origins", request_head(host, "Origin: http://a", "Origin: http://b"), bad),
        ("two_cookies", request_head(host, "Cookie: a=1", "Cookie: b=2"), bad),
        ("two_keys", request_head(host, f"Sec-WebSocket-Key: {key}"), bad),
        ("two_versions", request_head(host, "Sec-WebSocket-Version: 13"), bad),
        ("no_host", request_head(host, drop="Host"), bad),
        ("no_key", request_head(host, drop="Sec-WebSocket-Key"), bad),
        (
            "short_key",
            request_head(host, "Sec-WebSocket-Key: short", drop="Sec-WebSocket-Key"),
            bad,
        ),
        ("no_version", request_head(host, drop="Sec-WebSocket-Version"), bad),
        (
            "old_version",
            request_head(host, "Sec-WebSocket-Version: 8", drop="Sec-WebSocket-Version"),
            bad,
        ),
        ("bad_token", request_head(host, "Authorization: Bearer not-a-token"), frozenset({401})),
        # A line over 8 KiB, more than 128 lines: websockets' limits, answered 431.
        ("long_header", request_head(host, "X-Pad: " + "p" * 9000), frozenset({431})),
        ("many_headers", request_head(host, *(f"X-H{i}: v" for i in range(200))), frozenset({431})),
        ("garbage", os.urandom(64).replace(b"\r\n", b"..") + b"\r\n\r\n", bad),
        (
            "tls_hello",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n",
            bad,
        ),
        ("bad_method", request_head(host).replace(b"GET ", b"BREW ", 1), bad),
    ]


async def handshake(port: int, head: bytes) -> tuple[int | None, float]:
    """The status the server answered (None: no status line within GIVE_UP), and how soon."""
    began = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        async with asyncio.timeout(GIVE_UP):
            line = await reader.readline()
        parts = line.split(b" ")
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        return status, time.monotonic() - began
    except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
        return None, time.monotonic() - began
    finally:
        writer.transport.abort()


async def attack_handshakes(
    port: int, count: int, concurrency: int, stop_at: float
) -> dict[str, Any]:
    cases = handshake_cases(port)
    sent: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    numbers = itertools.count()

    async def worker() -> None:
        while (n := next(numbers)) < count and time.monotonic() < stop_at:
            name, head, expected = cases[n % len(cases)]
            status, seconds = await handshake(port, head)
            sent[name] += 1
            statuses[f"{name} -> {status}"] += 1
            latencies.append(seconds)
            if status not in expected:
                wrong[name] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {
        "sent": sum(sent.values()),
        "wrong": dict(wrong),
        "statuses": dict(sorted(statuses.items())),
        "latencies": latencies,
    }


async def slowloris(port: int, count: int, seconds: float, drip: float) -> dict[str, Any]:
    """Heads that never end: a header line's byte every `drip` seconds for `seconds`. How long
    the server held each (the run's bound when it never let go)."""

    async def one_head() -> float | None:
        began = time.monotonic()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nX-Slow: ".encode()
        )
        try:
            while time.monotonic() - began < seconds:
                try:
                    async with asyncio.timeout(drip):
                        if not await reader.read(1024):
                            return time.monotonic() - began  # let go by the server
                except TimeoutError:
                    writer.write(b"z")
                    await writer.drain()
            return None  # still held when the run stopped waiting
        except ConnectionError:
            return time.monotonic() - began
        finally:
            writer.transport.abort()

    results = await asyncio.gather(*(one_head() for _ in range(count)))
    let_go = [r for r in results if r is not None]
    return {
        "heads": count,
        "let_go": len(let_go),
        "held_to_the_end": count - len(let_go),
        "longest_held_seconds": round(max(let_go), 2) if let_go else None,
        "waited_seconds": seconds,
    }


async def attack(plan: dict[str, Any]) -> dict[str, Any]:
    port = plan["port"]
    stop_at = time.monotonic() + plan["max_seconds"]
    targets = Targets(**plan["targets"])
    sockets = plan["connections"]
    per_socket = -(-plan["messages"] // sockets)
    tally = Tally()
    roles: list[tuple[list[str], Targets | None]] = []
    for i in range(sockets):
        cookie = [plan["attendee"], plan["exhibitor"], None][i % 3]
        roles.append(([f"Cookie: {cookie}"] if cookie else [], targets if cookie else None))
    began = time.monotonic()
    jobs = [
        attack_messages(
            port,
            i,
            roles[i][0],
            per_socket,
            roles[i][1],
            tally,
            plan["fragments"] if i == 0 else 0,
            stop_at,
            plan["closing"],
        )
        for i in range(sockets)
    ]
    handshakes_job = attack_handshakes(
        port, plan["handshakes"], plan["handshake_concurrency"], stop_at
    )
    slow_job = slowloris(port, plan["slowloris"], plan["slowloris_seconds"], plan["slowloris_drip"])
    *_, shaken, slow = await asyncio.gather(*jobs, handshakes_job, slow_job)
    return {
        "seconds": round(time.monotonic() - began, 2),
        "messages": {
            "sent": sum(tally.sent.values()),
            "by_kind": dict(sorted(tally.sent.items())),
            "wrong": dict(tally.wrong),
            "silent": dict(tally.silent),
            "answers": dict(sorted(tally.answers.items())),
            "examples": tally.examples,
            "latencies": tally.latencies,
        },
        "handshakes": shaken,
        "slowloris": slow,
        "timed_out": time.monotonic() > stop_at,
    }


def main() -> None:
    plan = orjson.loads(sys.argv[1])
    result = asyncio.run(attack(plan))
    sys.stdout.buffer.write(orjson.dumps(result))


if __name__ == "__main__":
    main()
