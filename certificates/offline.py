"""Checking a credential with no network: its issuer's DID document and, for revocation, its
status list credential are handed in (files the holder keeps). Pure: no I/O.

The answer names exactly one reason when it refuses: `malformed`, `unknown_key` (the DID
document does not list the signing key, or is another issuer's), `tampered`, `wrong_purpose`,
`revoked`, or `status_list_invalid` (the status list handed in is not the issuer's, not this
credential's, or does not verify itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificates import data_integrity, vc_jwt
from certificates.multikey import MultikeyError, public_key_from_multibase
from certificates.status_list import StatusListError, decode_list, get_bit
from certificates.verification import KeyResolver, Reason

__all__ = ["Outcome", "REVOKED", "STATUS_LIST_INVALID", "check", "resolver_of"]

REVOKED = "revoked"
STATUS_LIST_INVALID = "status_list_invalid"


@dataclass(frozen=True, slots=True)
class Outcome:
    verified: bool
    reason: str | None = None  # a certificates.verification.Reason, or the two above
    detail: str = ""
    revocation_checked: bool = False
    # The credential as signed (without its proof) once its signature and issuer check out:
    # set when verified, and when refused as revoked or for its status list.
    document: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def refused(cls, reason: str, detail: str) -> Outcome:
        return cls(verified=False, reason=str(reason), detail=detail)


def resolver_of(did_document: Any) -> KeyResolver | None:
    """The assertion keys a DID document lists (Multikey, Ed25519), or None if it is not one."""
    if not isinstance(did_document, Mapping) or not isinstance(did_document.get("id"), str):
        return None
    did = did_document["id"]
    assertion = did_document.get("assertionMethod")
    methods = did_document.get("verificationMethod")
    if not isinstance(assertion, list) or not isinstance(methods, list):
        return None
    keys: dict[str, Ed25519PublicKey] = {}
    for method in methods:
        if not isinstance(method, Mapping) or method.get("type") != "Multikey":
            continue
        method_id = method.get("id")
        multibase = method.get("publicKeyMultibase")
        if not isinstance(method_id, str) or not isinstance(multibase, str):
            continue
        if method_id not in assertion or not method_id.startswith(did + "#"):
            continue
        if method.get("controller") != did:
            continue
        try:
            keys[method_id] = public_key_from_multibase(multibase)
        except (MultikeyError, ValueError):
            continue
    return keys.get


def _issuer(document: Mapping[str, Any]) -> Any:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def _verify(secured: Any, resolve: KeyResolver) -> tuple[Outcome, dict[str, Any] | None]:
    if isinstance(secured, str):
        result = vc_jwt.verify(secured, resolve)
    else:
        result = data_integrity.verify(secured, resolve)
    if not result.verified:
        assert result.reason is not None
        return Outcome.refused(result.reason, result.detail), None
    return Outcome(verified=True), result.document


def _status_entries(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    status = document.get("credentialStatus")
    entries = status if isinstance(status, list) else [] if status is None else [status]
    return [e for e in entries if isinstance(e, Mapping)]


def _revoked(
    document: Mapping[str, Any], status_list: Any, resolve: KeyResolver, did: str
) -> Outcome | None:
    """None when not revoked; else why it is refused."""
    listed, list_document = _verify(status_list, resolve)
    if not listed.verified or list_document is None:
        return Outcome.refused(STATUS_LIST_INVALID, f"the status list: {listed.detail}")
    if _issuer(list_document) != did:
        return Outcome.refused(STATUS_LIST_INVALID, "the status list is another issuer's")
    subject = list_document.get("credentialSubject")
    if not isinstance(subject, Mapping) or not isinstance(subject.get("encodedList"), str):
        return Outcome.refused(STATUS_LIST_INVALID, "the status list has no encodedList")
    try:
        bits = decode_list(subject["encodedList"])
    except StatusListError as exc:
        return Outcome.refused(STATUS_LIST_INVALID, f"the status list: {exc}")
    for entry in _status_entries(document):
        if entry.get("statusPurpose") != "revocation":
            continue
        if entry.get("statusListCredential") != list_document.get("id"):
            return Outcome.refused(
                STATUS_LIST_INVALID, "the status list given is not the one the credential names"
            )
        if subject.get("statusPurpose") != "revocation":
            return Outcome.refused(STATUS_LIST_INVALID, "the status list is not of revocation")
        try:
            index = int(str(entry.get("statusListIndex")))
            if get_bit(bits, index):
                return Outcome.refused(REVOKED, f"revoked (status list index {index})")
        except (ValueError, StatusListError) as exc:
            return Outcome.refused(Reason.MALFORMED, f"credentialStatus: {exc}")
    return None


def check(credential: Any, did_document: Any, status_list: Any = None) -> Outcome:
    """Verify a credential (a JSON object with an eddsa-jcs-2022 proof, or a VC-JWT string)
    against its issuer's DID document and, when given, its status list credential."""
    resolve = resolver_of(did_document)
    if resolve is None:
        return Outcome.refused(Reason.MALFORMED, "the DID document is not one")
    did = did_document["id"]
    outcome, document = _verify(credential, resolve)
    if not outcome.verified or document is None:
        return outcome
    if _issuer(document) != did:
        return Outcome.refused(
            Reason.UNKNOWN_KEY, f"the credential's issuer is {_issuer(document)!r}, not {did}"
        )
    if status_list is None:
        return Outcome(verified=True, revocation_checked=False, document=document)
    refused = _revoked(document, status_list, resolve, did)
    if refused is not None:
        return replace(refused, document=document)
    return Outcome(verified=True, revocation_checked=True, document=document)
