"""VC-JWT: the W3C credential as a JWS compact token, and what verification refuses."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from certificates import vc_jwt
from certificates.multikey import public_key_from_multibase, secret_key_from_multibase
from certificates.verification import Reason

VECTORS = Path(__file__).parent.parent / "vectors" / "vc-di-eddsa"
KEYS = json.loads((VECTORS / "keyPair.json").read_text())
SECRET = secret_key_from_multibase(KEYS["privateKeyMultibase"])
PUBLIC = public_key_from_multibase(KEYS["publicKeyMultibase"])
SIGNED = json.loads((VECTORS / "eddsa-jcs-2022" / "signedJCS.json").read_text())
UNSIGNED = json.loads((VECTORS / "unsigned.json").read_text())
KID = SIGNED["proof"]["verificationMethod"]


def resolve(kid: str) -> Any:
    return PUBLIC if kid == KID else None


def part(value: Any) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_token_carries_the_credential_without_its_proof() -> None:
    token = vc_jwt.encode(SIGNED, SECRET, kid=KID)
    header, payload, _ = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {
        "alg": "EdDSA",
        "kid": KID,
        "typ": "vc+jwt",
    }
    result = vc_jwt.verify(token, resolve)
    assert (result.verified, result.reason, result.document) == (True, None, UNSIGNED)


def test_an_unknown_kid_is_unknown_key() -> None:
    token = vc_jwt.encode(UNSIGNED, SECRET, kid="did:example:other#key")
    assert vc_jwt.verify(token, resolve).reason == Reason.UNKNOWN_KEY


def test_a_changed_payload_is_tampered() -> None:
    header, _, signature = vc_jwt.encode(UNSIGNED, SECRET, kid=KID).split(".")
    forged = f"{header}.{part({**UNSIGNED, 'issuer': 'https://evil.example'})}.{signature}"
    assert vc_jwt.verify(forged, resolve).reason == Reason.TAMPERED


def test_a_flipped_signature_bit_is_tampered() -> None:
    header, payload, signature = vc_jwt.encode(UNSIGNED, SECRET, kid=KID).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[0] ^= 1
    flipped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert vc_jwt.verify(f"{header}.{payload}.{flipped}", resolve).reason == Reason.TAMPERED


def token_with(header: Any = None, payload: Any = None, signature: str = "AAAA") -> str:
    header = {"alg": "EdDSA", "kid": KID, "typ": "vc+jwt"} if header is None else header
    return f"{part(header)}.{part(UNSIGNED if payload is None else payload)}.{signature}"


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "a.b",
        "a.b.c.d",
        "x" * 70_000,
        "!!!.e30.AAAA",
        token_with(header={"alg": "none", "kid": KID, "typ": "vc+jwt"}),
        token_with(header={"alg": "HS256", "kid": KID, "typ": "vc+jwt"}),
        token_with(header={"alg": "EdDSA", "kid": KID, "typ": "JWT"}),
        token_with(header={"alg": "EdDSA", "kid": KID, "typ": "vc+jwt", "crit": ["b64"]}),
        token_with(header={"alg": "EdDSA", "typ": "vc+jwt"}),
        token_with(header=["EdDSA"]),
        token_with(payload=[1, 2]),
        token_with(signature="AAA="),
        token_with(signature="AAB"),  # non-canonical tail bits
    ],
)
def test_what_is_not_a_vc_jwt_is_malformed(token: Any) -> None:
    result = vc_jwt.verify(token, resolve)
    assert (result.verified, result.reason) == (False, Reason.MALFORMED)
