"""The certificates' pure parts: earn rules, sealed issuer keys, the did:web document, and the
offline check's one reason for each refusal."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from certificates import data_integrity, domain, vc_jwt
from certificates.keys import KeyLocked, new_key, open_key, seal_key
from certificates.multikey import public_key_multibase
from certificates.offline import check
from certificates.status_list import encode_list, new_bitstring, set_bit

BASE = "https://expo.example:8443"
DID = "did:web:expo.example%3A8443"
WHEN = datetime(2026, 5, 26, 9, 0, tzinfo=UTC)
KEY = new_key()
MULTIBASE = public_key_multibase(KEY.public_key())
METHOD = domain.method_id(DID, MULTIBASE)
DID_DOCUMENT = domain.did_document(DID, [MULTIBASE])


def credential(index: int = 7) -> dict[str, Any]:
    unsigned = domain.credential(
        credential_id="0b8a8f8e-1111-4222-8333-444455556666",
        kind="booths_3",
        base_url=BASE,
        did=DID,
        email="zhang@example.com",
        display_name="张伟",
        status_index=index,
        issued=WHEN,
    )
    return data_integrity.sign(unsigned, KEY, verification_method=METHOD)


def status_list(*revoked: int) -> dict[str, Any]:
    bits = new_bitstring()
    for index in revoked:
        set_bit(bits, index)
    unsigned = domain.status_list_credential(
        base_url=BASE, did=DID, encoded_list=encode_list(bits), issued=WHEN
    )
    return data_integrity.sign(unsigned, KEY, verification_method=METHOD)


@pytest.mark.parametrize(
    ("booths", "meetings", "kinds"),
    [
        (0, 0, []),
        (2, 0, []),
        (3, 0, ["booths_3"]),
        (10, 1, ["booths_3", "booths_10", "meeting_held"]),
        (0, 2, ["meeting_held"]),
    ],
)
def test_earn_rules(booths: int, meetings: int, kinds: list[str]) -> None:
    assert domain.earned(domain.Facts(booths, meetings)) == kinds


@pytest.mark.parametrize(
    ("opening", "session", "kinds"),
    [
        (9, 19, []),
        (10, 0, ["opening_ceremony"]),
        (0, 20, ["session_watched"]),
        (90, 90, ["opening_ceremony", "session_watched"]),
    ],
)
def test_watching_rules(opening: int, session: int, kinds: list[str]) -> None:
    facts = domain.Facts(0, 0, opening_minutes=opening, best_session_minutes=session)
    assert domain.earned(facts) == kinds


def test_the_did_of_a_host_with_a_port_encodes_its_colon() -> None:
    assert domain.did_web("https://Expo.Example:8443/some/path") == DID
    assert domain.did_web("https://expo.example") == "did:web:expo.example"


def test_a_sealed_key_opens_with_its_secret_only_and_on_its_own_row() -> None:
    sealed = seal_key(KEY, "the secret")
    assert public_key_multibase(open_key(sealed, MULTIBASE, "the secret").public_key()) == (
        MULTIBASE
    )
    with pytest.raises(KeyLocked):
        open_key(sealed, MULTIBASE, "another secret")
    other = public_key_multibase(new_key().public_key())
    with pytest.raises(KeyLocked):
        open_key(sealed, other, "the secret")


def test_a_credential_verifies_and_is_not_revoked() -> None:
    outcome = check(credential(7), DID_DOCUMENT, status_list(6, 8))
    assert (outcome.verified, outcome.reason, outcome.revocation_checked) == (True, None, True)


def test_a_revoked_credential_is_told_revoked() -> None:
    outcome = check(credential(7), DID_DOCUMENT, status_list(7))
    assert (outcome.verified, outcome.reason) == (False, "revoked")


def test_any_changed_field_is_tampered() -> None:
    signed = credential()
    for change in (
        lambda c: c["credentialSubject"].update(name="李明"),
        lambda c: c.update(validFrom="2027-01-01T00:00:00Z"),
        lambda c: c["credentialStatus"].update(statusListIndex="8"),
    ):
        forged = copy.deepcopy(signed)
        change(forged)
        assert check(forged, DID_DOCUMENT).reason == "tampered"


def test_a_key_the_did_document_does_not_list_is_unknown() -> None:
    other = domain.did_document(DID, [public_key_multibase(new_key().public_key())])
    assert check(credential(), other).reason == "unknown_key"
    # The same key published by another DID is not this issuer's.
    elsewhere = domain.did_document("did:web:evil.example", [MULTIBASE])
    assert check(credential(), elsewhere).reason == "unknown_key"


def test_a_status_list_that_is_not_the_issuers_or_is_altered_is_refused() -> None:
    altered = status_list()
    altered["credentialSubject"]["encodedList"] = status_list(7)["credentialSubject"]["encodedList"]
    outcome = check(credential(7), DID_DOCUMENT, altered)
    assert (outcome.reason, outcome.detail) == (
        "status_list_invalid",
        "the status list: the signature does not verify",
    )


def test_a_vc_jwt_verifies_and_a_garbled_file_is_malformed() -> None:
    token = vc_jwt.encode(credential(), KEY, kid=METHOD)
    assert check(token, DID_DOCUMENT, status_list()).verified
    assert check("a.b.c", DID_DOCUMENT).reason == "malformed"
    assert check(credential(), {"id": DID}).reason == "malformed"
