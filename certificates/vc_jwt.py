"""A credential as a VC-JWT (VC-JOSE-COSE §3.1.1): a JWS compact serialization, alg EdDSA.

header  = {"alg": "EdDSA", "kid": <verificationMethod>, "typ": "vc+jwt"}
payload = the unsecured credential JSON (any embedded `proof` is left out)
token   = b64url(header) "." b64url(payload) "." b64url(Ed25519 signature of the first two)
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.verification import KeyResolver, Reason, Verification

__all__ = ["ALG", "TYP", "encode", "verify"]

ALG = "EdDSA"
TYP = "vc+jwt"
_B64URL = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)
# A certificate is a few kilobytes; refuse to parse anything much larger.
MAX_TOKEN_CHARS = 64 * 1024


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    """Strict base64url without padding: canonical encodings only (no malleable tails)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64url(data) != text:
        raise ValueError("not the canonical base64url of its bytes")
    return data


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode(credential: Mapping[str, Any], private_key: Ed25519PrivateKey, *, kid: str) -> str:
    """The VC-JWT of a credential, signed with the key that `kid` names."""
    header = {"alg": ALG, "kid": kid, "typ": TYP}
    payload = {k: v for k, v in credential.items() if k != "proof"}
    signing_input = f"{_b64url(_json(header))}.{_b64url(_json(payload))}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{_b64url(signature)}"


def verify(token: Any, resolve: KeyResolver) -> Verification:
    """Check a VC-JWT; never raises on bad input. The credential comes back as `document`."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        return Verification.refused(Reason.MALFORMED, "not a JWS compact serialization")
    header_part, payload_part, signature_part = token.split(".")
    try:
        header = json.loads(_unb64url(header_part))
        payload = json.loads(_unb64url(payload_part))
        signature = _unb64url(signature_part)
    except (ValueError, binascii.Error, RecursionError) as exc:
        return Verification.refused(Reason.MALFORMED, f"bad encoding: {exc}")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return Verification.refused(Reason.MALFORMED, "header or payload is not a JSON object")
    if header.get("alg") != ALG or header.get("typ") != TYP:
        return Verification.refused(Reason.MALFORMED, f"not alg {ALG} with typ {TYP}")
    if "crit" in header:  # RFC 7515 §4.1.11: we understand no extension
        return Verification.refused(Reason.MALFORMED, "unsupported critical header")
    kid = header.get("kid")
    if not isinstance(kid, str):
        return Verification.refused(Reason.MALFORMED, "no kid")
    public_key = resolve(kid)
    if public_key is None:
        return Verification.refused(Reason.UNKNOWN_KEY, f"unknown kid {kid}")
    try:
        public_key.verify(signature, f"{header_part}.{payload_part}".encode("ascii"))
    except InvalidSignature:
        return Verification.refused(Reason.TAMPERED, "the signature does not verify")
    return Verification(verified=True, document=payload)
