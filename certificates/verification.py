"""The outcome of checking a secured credential, shared by Data Integrity and VC-JWT."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["KeyResolver", "Reason", "Verification"]

# Maps a verificationMethod (or JWS `kid`) to the public key it names, or None when unknown.
KeyResolver = Callable[[str], Ed25519PublicKey | None]


class Reason(StrEnum):
    MALFORMED = "malformed"  # no proof, wrong type or cryptosuite, bad encoding, bad JSON
    UNKNOWN_KEY = "unknown_key"  # the resolver does not know the verificationMethod / kid
    TAMPERED = "tampered"  # the signature does not verify over what was presented
    WRONG_PURPOSE = "wrong_purpose"  # a valid proof made for another proofPurpose


@dataclass(frozen=True)
class Verification:
    """`verified` with the credential (without its proof), or the reason it is refused."""

    verified: bool
    reason: Reason | None = None
    detail: str = ""
    document: dict[str, Any] | None = None

    @classmethod
    def refused(cls, reason: Reason, detail: str) -> Verification:
        return cls(verified=False, reason=reason, detail=detail)
