"""The gateway's queue of waiting commands, bounded in count and in text. No server: the
connection is a stand-in whose runner is busy, so commands stay queued."""

from __future__ import annotations

from collections import deque
from types import SimpleNamespace
from typing import Any

import orjson

from expo.realtime.gateway import PENDING_TEXT_FACTOR, Gateway
from expo.settings import Settings


class Busy:
    """A connection whose runner is handling a command: what arrives waits in `pending`."""

    def __init__(self) -> None:
        self.id = 1
        self.principal = None
        self.topics: set[str] = set()
        self.pending: deque[str] = deque()
        self.runner: Any = object()
        self.alive = True
        self.open = True
        self.sent: list[dict[str, Any]] = []

    def send_frame(self, frame: bytes) -> None:
        self.sent.append(orjson.loads(frame[2:] if frame[1] < 126 else frame[4:]))

    def close(self, code: int, reason: str) -> None:
        raise AssertionError("not closed")


def command(i: int, size: int) -> str:
    body = orjson.dumps({"type": "chat.send", "id": i, "data": {"text": ""}}).decode()
    return body.replace('"text":""', '"text":"' + "x" * (size - len(body)) + '"')


def gateway(**settings: Any) -> Gateway:
    return Gateway(SimpleNamespace(settings=Settings(**settings)), {}, {})  # type: ignore[arg-type]


def test_waiting_commands_are_bounded_in_text_not_only_in_count():
    limit = 16 * 1024
    gw, client = gateway(max_command_bytes=limit, max_pending_commands=32), Busy()
    for i in range(10):  # each within the command limit, and 10 < 32
        gw.receive(client, command(i, limit - 100))
    assert len(client.pending) == PENDING_TEXT_FACTOR
    assert sum(map(len, client.pending)) <= PENDING_TEXT_FACTOR * limit
    assert [(m["id"], m["error"]["code"]) for m in client.sent] == [
        (i, "rate_limited") for i in range(PENDING_TEXT_FACTOR, 10)
    ]


def test_small_commands_are_bounded_by_count():
    gw, client = gateway(max_pending_commands=3), Busy()
    for i in range(5):
        gw.receive(client, command(i, 60))
    assert len(client.pending) == 3
    assert [m["id"] for m in client.sent] == [3, 4]


def test_one_command_of_the_largest_size_always_fits():
    limit = 1000
    gw, client = gateway(max_command_bytes=limit), Busy()
    gw.receive(client, command(0, limit * PENDING_TEXT_FACTOR + 1))  # alone: the count rules
    assert len(client.pending) == 1 and client.sent == []
