"""uvicorn's HTTP protocol with a deadline on each request head (the slowloris defence).

uvicorn (httptools) waits for a request head for as long as a client takes: a socket that sends
a header byte every few seconds, or nothing at all, is held open forever, and enough of them use
up the process's descriptors (issue 14's abuse scenario found 50 of 50 still held after a
minute). Here a connection must finish each request head within `EXPO_HEAD_TIMEOUT` seconds
(the first from when it opened, later ones from their first byte), as nginx's
`client_header_timeout` and Apache's `RequestReadTimeout` ask; a head that began is answered
`408`, a socket that never sent a byte is closed. Bodies and websockets are not concerned: the
clock stops at the end of the head. `expo serve` runs with it (uvicorn's `http=HTTP_CLASS`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from expo.services import STATE_KEY

HTTP_CLASS = "expo.head_deadline:HeadDeadlineProtocol"  # uvicorn's `http=`
DEFAULT_HEAD_TIMEOUT = 20.0  # seconds; the setting's own default (expo/settings.py)
TOO_SLOW = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 34\r\n"
    b"connection: close\r\n\r\n"
    b"The request head came too slowly.\n"
)


class HeadDeadlineProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head_clock: asyncio.TimerHandle | None = None
        self._head_begun = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_begun = True
        if self._head_clock is None:  # a later request on a kept-alive connection
            self._start_head_clock()

    def on_headers_complete(self) -> None:
        self._stop_head_clock()
        self._head_begun = False
        super().on_headers_complete()

    def _start_head_clock(self) -> None:
        services = self.app_state.get(STATE_KEY)
        timeout = services.settings.head_timeout if services else DEFAULT_HEAD_TIMEOUT
        self._head_clock = self.loop.call_later(timeout, self._head_too_slow)

    def _stop_head_clock(self) -> None:
        if self._head_clock is not None:
            self._head_clock.cancel()
            self._head_clock = None

    def _head_too_slow(self) -> None:
        self._head_clock = None
        if self.transport.is_closing():
            return
        if self._head_begun:
            self.transport.write(TOO_SLOW)
        self.transport.close()
