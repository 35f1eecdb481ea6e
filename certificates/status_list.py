"""W3C Bitstring Status List v1.0: the encoded list, its bits, and the credential parts.

    encodedList = "u" + base64url-no-padding(GZIP(bitstring))
    bit i       = byte i // 8, mask 0x80 >> (i % 8): index 0 is the left-most bit of byte 0

Lists hold at least 131,072 entries (16 KB), so one status reveals little about its holder.
Only one-bit statuses (statusSize 1: revocation, suspension) are handled here.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from typing import Any

__all__ = [
    "MIN_ENTRIES",
    "StatusListError",
    "decode_list",
    "encode_list",
    "get_bit",
    "new_bitstring",
    "set_bit",
    "status_list_entry",
    "status_list_subject",
]

MIN_ENTRIES = 131_072
# The largest bitstring a decoder inflates: 128 times the minimum (16 Mi entries, 2 MiB).
MAX_BYTES = 128 * MIN_ENTRIES // 8
PURPOSES = frozenset({"revocation", "suspension", "refresh", "message"})
_B64URL = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


class StatusListError(ValueError):
    """An encodedList or index that is not valid."""


def new_bitstring(entries: int = MIN_ENTRIES) -> bytearray:
    """All-zero bitstring of `entries` bits (at least the minimum, a whole number of bytes)."""
    assert entries >= MIN_ENTRIES and entries % 8 == 0, "at least 131,072 entries, whole bytes"
    return bytearray(entries // 8)


def _locate(bits: bytes | bytearray, index: int) -> tuple[int, int]:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"index {index} is outside a list of {len(bits) * 8} entries")
    return index // 8, 0x80 >> (index % 8)


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    byte, mask = _locate(bits, index)
    return bool(bits[byte] & mask)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    byte, mask = _locate(bits, index)
    if value:
        bits[byte] |= mask
    else:
        bits[byte] &= ~mask & 0xFF


def encode_list(bits: bytes | bytearray) -> str:
    """The encodedList: GZIP (mtime 0, so equal lists encode equally), then multibase 'u'."""
    if len(bits) * 8 < MIN_ENTRIES:
        raise StatusListError("a status list holds at least 131,072 entries")
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str, *, max_bytes: int = MAX_BYTES) -> bytearray:
    """The bitstring of an encodedList; refuses bad encodings and oversized (bomb) lists."""
    if not encoded.startswith("u") or not _B64URL.fullmatch(encoded[1:]):
        raise StatusListError("encodedList is not multibase base64url ('u', no padding)")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise StatusListError(f"encodedList is not base64url: {exc}") from exc
    inflater = zlib.decompressobj(wbits=31)  # GZIP framing only
    try:
        bits = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not GZIP: {exc}") from exc
    if len(bits) > max_bytes:
        raise StatusListError(f"the status list inflates beyond {max_bytes} bytes")
    if not inflater.eof or inflater.unused_data:
        raise StatusListError("encodedList is not exactly one complete GZIP member")
    if len(bits) * 8 < MIN_ENTRIES:
        raise StatusListError("a status list holds at least 131,072 entries")
    return bytearray(bits)


def status_list_subject(list_id: str, purpose: str, encoded_list: str) -> dict[str, Any]:
    """The credentialSubject of a BitstringStatusListCredential."""
    assert purpose in PURPOSES, f"unknown statusPurpose {purpose!r}"
    return {
        "id": list_id,
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encoded_list,
    }


def status_list_entry(
    entry_id: str, purpose: str, index: int, list_credential: str
) -> dict[str, Any]:
    """A credential's `credentialStatus` pointing at bit `index` of a status list credential."""
    assert purpose in PURPOSES, f"unknown statusPurpose {purpose!r}"
    assert index >= 0, "status list indexes are not negative"
    return {
        "id": entry_id,
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_credential,
    }
