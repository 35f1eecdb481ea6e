"""A local SMTP server (aiosmtpd) for the tests of what the platform emails."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.url = ""  # smtp://127.0.0.1:<port>, once serving

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def text_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def link_in(message: Message, route: str) -> str:
    """The first link to `#/<route>/<token>` in the message."""
    found = re.search(rf"https?://\S+/#/{route}/[A-Za-z0-9_-]+", text_of(message))
    assert found, text_of(message)
    return found.group(0)


@asynccontextmanager
async def smtp_server() -> AsyncIterator[Mailbox]:
    mailbox = Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks its port by connecting: name one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    mailbox.url = f"smtp://127.0.0.1:{port}"
    try:
        yield mailbox
    finally:
        await asyncio.to_thread(controller.stop)
