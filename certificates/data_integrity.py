"""The W3C `eddsa-jcs-2022` cryptosuite (vc-di-eddsa v1.0 §3.3): create and verify a proof.

    create: proof = options (+ the document's @context); hashData = SHA-256(JCS(proof))
            || SHA-256(JCS(document)); proofValue = "z" + base58btc(Ed25519-sign(hashData))
    verify: the same hashData from the secured document, then Ed25519-verify

JCS is RFC 8785 (the `rfc8785` package). Verification never raises on what it is handed: it
answers with a `Verification` naming the reason (`malformed`, `unknown_key`, `tampered`,
`wrong_purpose`). Only a single proof is understood (no proof sets or chains).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.multikey import MultikeyError, multibase_b58decode, multibase_b58encode
from certificates.verification import KeyResolver, Reason, Verification

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "ProofError",
    "create_proof",
    "hash_data",
    "proof_configuration",
    "sign",
    "transform",
    "verify",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
ASSERTION_METHOD = "assertionMethod"
# XML Schema 1.1 dateTimeStamp: a dateTime that carries its time zone.
_DATE_TIME_STAMP = re.compile(
    r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)


class ProofError(ValueError):
    """Options or a document the cryptosuite cannot process."""


def _jcs(value: Any) -> bytes:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ProofError(f"not canonicalizable as I-JSON: {exc}") from exc


def _check_suite(options: Mapping[str, Any]) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"not a {PROOF_TYPE} of cryptosuite {CRYPTOSUITE}")


def transform(document: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    """§3.3.3 Transformation: the JCS form of the unsecured document."""
    _check_suite(options)
    return _jcs(document)


def proof_configuration(options: Mapping[str, Any]) -> bytes:
    """§3.3.5 Proof Configuration: the JCS form of the proof options (no proofValue)."""
    _check_suite(options)
    created = options.get("created")
    if created is not None and not (
        isinstance(created, str) and _DATE_TIME_STAMP.fullmatch(created)
    ):
        raise ProofError("created is not an XML Schema dateTimeStamp")
    return _jcs(dict(options))


def hash_data(transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
    """§3.3.4 Hashing: SHA-256 of the proof configuration, then of the document (64 bytes)."""
    return (
        hashlib.sha256(canonical_proof_config).digest()
        + hashlib.sha256(transformed_document).digest()
    )


def _timestamp(moment: datetime) -> str:
    assert moment.tzinfo is not None, "created must be an aware datetime"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_proof(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime | None = None,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """§3.3.1 Create Proof: the proof object, proofValue included, for an unsecured document."""
    assert "proof" not in document, "sign an unsecured document (proof sets are not supported)"
    proof: dict[str, Any] = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE}
    if created is not None:
        proof["created"] = _timestamp(created)
    proof["verificationMethod"] = verification_method
    proof["proofPurpose"] = proof_purpose
    if "@context" in document:
        proof["@context"] = document["@context"]
    data = hash_data(transform(document, proof), proof_configuration(proof))
    proof["proofValue"] = multibase_b58encode(private_key.sign(data))
    return proof


def sign(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime | None = None,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """The secured document: the unsecured one with its `proof` added last."""
    proof = create_proof(
        document,
        private_key,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
    )
    return {**document, "proof": proof}


def _as_list(context: Any) -> list[Any]:
    return context if isinstance(context, list) else [context]


def verify(
    secured: Any, resolve: KeyResolver, *, proof_purpose: str = ASSERTION_METHOD
) -> Verification:
    """§3.3.2 Verify Proof, plus the expected proofPurpose; never raises on bad input."""
    if not isinstance(secured, Mapping):
        return Verification.refused(Reason.MALFORMED, "the document is not a JSON object")
    proof = secured.get("proof")
    if not isinstance(proof, Mapping):
        return Verification.refused(Reason.MALFORMED, "no single proof object")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return Verification.refused(Reason.MALFORMED, f"not a {CRYPTOSUITE} proof")
    proof_value = proof.get("proofValue")
    method = proof.get("verificationMethod")
    if not isinstance(proof_value, str) or not isinstance(method, str):
        return Verification.refused(Reason.MALFORMED, "proofValue or verificationMethod missing")
    try:
        signature = multibase_b58decode(proof_value)
    except MultikeyError as exc:
        return Verification.refused(Reason.MALFORMED, f"proofValue: {exc}")
    if len(signature) != 64:
        return Verification.refused(Reason.MALFORMED, "proofValue is not a 64-byte signature")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    try:
        proof_config = proof_configuration(options)
    except ProofError as exc:
        return Verification.refused(Reason.MALFORMED, str(exc))
    public_key = resolve(method)
    if public_key is None:
        return Verification.refused(Reason.UNKNOWN_KEY, f"unknown verificationMethod {method}")
    if "@context" in options:
        proof_context = _as_list(options["@context"])
        document_context = _as_list(secured.get("@context"))
        if document_context[: len(proof_context)] != proof_context:
            return Verification.refused(
                Reason.TAMPERED, "the document's @context does not start with the proof's"
            )
        unsecured["@context"] = options["@context"]
    try:
        data = hash_data(transform(unsecured, options), proof_config)
    except ProofError as exc:
        return Verification.refused(Reason.MALFORMED, str(exc))
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return Verification.refused(Reason.TAMPERED, "the signature does not verify")
    if proof.get("proofPurpose") != proof_purpose:
        return Verification.refused(Reason.WRONG_PURPOSE, f"proofPurpose is not {proof_purpose}")
    return Verification(verified=True, document=unsecured)
