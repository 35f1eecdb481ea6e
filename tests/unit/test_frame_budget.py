"""What an anonymous socket can make the server hold: a frame announced far beyond any command
is refused on its header, not read while its sender trickles the payload."""

from __future__ import annotations

import struct

import pytest
from websockets.frames import Opcode

from expo.settings import Settings, SettingsError
from tests.unit.test_transport_bytes import Wire

MIB = 1024 * 1024


def header(opcode: Opcode, length: int) -> bytes:
    """A masked frame's header announcing `length` bytes (64-bit length form)."""
    return bytes([0x80 | opcode.value, 0x80 | 127]) + struct.pack("!Q", length) + b"\0\0\0\0"


async def test_a_frame_announcing_a_mebibyte_closes_with_1009_on_its_header_by_default():
    wire = Wire()  # the embedded defaults
    await wire.open()
    wire.feed(header(Opcode.TEXT, MIB) + b"{")  # then the sender would trickle the rest
    assert wire.close_code() == 1009
    assert wire.gateway.received == []


def test_the_default_frame_limit_is_a_small_multiple_of_the_command_limit():
    settings = Settings()
    assert settings.max_command_bytes <= settings.max_frame_bytes <= 4 * settings.max_command_bytes


def test_raising_the_command_limit_alone_raises_the_frame_limit_with_it():
    settings = Settings.from_env({"EXPO_MAX_COMMAND_BYTES": "65536"})
    assert settings.max_frame_bytes == 4 * 65536
    both = Settings.from_env({"EXPO_MAX_COMMAND_BYTES": "8192", "EXPO_MAX_FRAME_BYTES": "9000"})
    assert (both.max_command_bytes, both.max_frame_bytes) == (8192, 9000)


def test_a_frame_limit_below_the_command_limit_is_refused():
    with pytest.raises(SettingsError, match="EXPO_MAX_FRAME_BYTES"):
        Settings.from_env({"EXPO_MAX_COMMAND_BYTES": "65536", "EXPO_MAX_FRAME_BYTES": "1024"})
