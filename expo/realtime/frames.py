"""Websocket frames encoded once and written as they are to every socket that needs them."""

from __future__ import annotations

from websockets.frames import Close, Frame, Opcode


def text_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented, uncompressed text frame: what a server sends."""
    return Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])


def close_frame(code: int, reason: str) -> bytes:
    return Frame(Opcode.CLOSE, Close(code, reason).serialize()).serialize(mask=False, extensions=[])


PING_FRAME = Frame(Opcode.PING, b"expo").serialize(mask=False, extensions=[])
