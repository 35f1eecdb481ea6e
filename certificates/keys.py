"""The issuer's private keys at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the
platform's secret key. Pure: no I/O.

    sealed = "v1." base64url(nonce (12 bytes) || AES-GCM(raw Ed25519 seed, aad = public key))

The public key (its Multikey) is the associated data, so a sealed seed moved to another key's
row does not open. A secret key that changed opens nothing: `KeyLocked`.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from certificates.multikey import public_key_multibase

__all__ = ["KeyLocked", "new_key", "open_key", "seal_key"]

CONTEXT = b"expo.certificates.issuer-key.v1"
_PREFIX = "v1."


class KeyLocked(ValueError):
    """A sealed key that does not open with this secret key (changed, or the row altered)."""


def _aead(secret_key: str) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CONTEXT).derive(
        secret_key.encode("utf-8")
    )
    return AESGCM(derived)


def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def seal_key(key: Ed25519PrivateKey, secret_key: str) -> str:
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    nonce = os.urandom(12)
    aad = public_key_multibase(key.public_key()).encode("ascii")
    sealed = nonce + _aead(secret_key).encrypt(nonce, seed, aad)
    return _PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")


def open_key(sealed: str, public_multibase: str, secret_key: str) -> Ed25519PrivateKey:
    if not sealed.startswith(_PREFIX):
        raise KeyLocked("not a sealed key of version 1")
    try:
        raw = base64.urlsafe_b64decode(sealed[len(_PREFIX) :])
        seed = _aead(secret_key).decrypt(raw[:12], raw[12:], public_multibase.encode("ascii"))
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise KeyLocked("the issuer key does not open with this secret key") from exc
    key = Ed25519PrivateKey.from_private_bytes(seed)
    if public_key_multibase(key.public_key()) != public_multibase:
        raise KeyLocked("the sealed key is not the row's public key")
    return key
