"""A websocket connection, as the core sees it: one browser tab's socket.

The hub and the gateway both take this one type; `expo.realtime.transport.Connection` is the
implementation that speaks the websocket protocol over uvicorn's socket. Declared here, in the
core, so the hub and the gateway need not import the transport (which imports them).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol

from expo.security import Principal


class Connection(Protocol):
    id: int  # counts up in each process (see `gateway.PROCESS`)
    principal: Principal | None  # None: anonymous
    topics: set[str]  # the topics the hub delivers to it
    pending: deque[str]  # commands waiting for their turn, in arrival order
    runner: asyncio.Task[None] | None  # the gateway's task draining `pending`, while it has work
    alive: bool  # answered the last keepalive ping
    paced_until: float | None  # the `commands` pace's theoretical arrival time (ms), if begun

    @property
    def open(self) -> bool:
        """Accepted and not closing: frames written now reach the client."""
        ...

    def send_frame(self, frame: bytes) -> None:
        """Write one encoded websocket frame (shared by every receiver of a broadcast)."""
        ...

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake with this close code."""
        ...

    def pause_reading(self) -> None:
        """Read nothing more from the socket (its sender is slowed by TCP) until resumed."""
        ...

    def resume_reading(self) -> None: ...
