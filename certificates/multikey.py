"""Ed25519 keys as W3C Multikey (Controlled Identifiers v1.0 §2.2.2) and base58btc multibase.

A Multikey value is multibase base58btc (`z` + base58btc) of a multicodec prefix followed by the
raw 32-byte key: `0xed 0x01` for an Ed25519 public key, `0x80 0x26` for an Ed25519 secret key.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

__all__ = [
    "ED25519_PUB_PREFIX",
    "ED25519_PRIV_PREFIX",
    "MultikeyError",
    "b58decode",
    "b58encode",
    "did_key_verification_method",
    "multibase_b58decode",
    "multibase_b58encode",
    "public_key_from_multibase",
    "public_key_multibase",
    "secret_key_from_multibase",
    "secret_key_multibase",
]

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
# Keys are 34 bytes and signatures 64: nothing we decode is near this, and the quadratic
# big-integer conversion stays cheap on hostile input.
_MAX_B58_CHARS = 512


class MultikeyError(ValueError):
    """A multibase or Multikey value that cannot be decoded."""


def b58encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet; each leading zero byte becomes a '1'."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    n = int.from_bytes(data, "big")
    digits: list[str] = []
    while n:
        n, r = divmod(n, 58)
        digits.append(_ALPHABET[r])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Inverse of `b58encode`; raises `MultikeyError` on a character outside the alphabet."""
    if len(text) > _MAX_B58_CHARS:
        raise MultikeyError("base58btc value too long")
    n = 0
    for char in text:
        digit = _INDEX.get(char)
        if digit is None:
            raise MultikeyError(f"not a base58btc character: {char!r}")
        n = n * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + n.to_bytes((n.bit_length() + 7) // 8, "big")


def multibase_b58encode(data: bytes) -> str:
    return "z" + b58encode(data)


def multibase_b58decode(text: str) -> bytes:
    if not text.startswith("z"):
        raise MultikeyError("multibase value is not base58btc (no 'z' prefix)")
    return b58decode(text[1:])


def _unprefixed(text: str, prefix: bytes) -> bytes:
    raw = multibase_b58decode(text)
    if raw[:2] != prefix or len(raw) != 34:
        raise MultikeyError(f"not a multicodec 0x{prefix.hex()} value with a 32-byte key")
    return raw[2:]


def public_key_multibase(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return multibase_b58encode(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_unprefixed(text, ED25519_PUB_PREFIX))


def secret_key_multibase(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return multibase_b58encode(ED25519_PRIV_PREFIX + raw)


def secret_key_from_multibase(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_unprefixed(text, ED25519_PRIV_PREFIX))


def did_key_verification_method(key: Ed25519PublicKey) -> str:
    """The did:key verification method id of a key: `did:key:z6Mk...#z6Mk...`."""
    multibase = public_key_multibase(key)
    return f"did:key:{multibase}#{multibase}"
