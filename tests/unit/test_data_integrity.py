"""eddsa-jcs-2022 against the W3C vectors (tests/vectors/vc-di-eddsa/SOURCES.md)."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import data_integrity
from certificates.multikey import public_key_from_multibase, secret_key_from_multibase
from certificates.verification import Reason

VECTORS = Path(__file__).parent.parent / "vectors" / "vc-di-eddsa"
JCS = VECTORS / "eddsa-jcs-2022"
KEYS = json.loads((VECTORS / "keyPair.json").read_text())
SECRET = secret_key_from_multibase(KEYS["privateKeyMultibase"])
PUBLIC = public_key_from_multibase(KEYS["publicKeyMultibase"])
UNSIGNED = json.loads((VECTORS / "unsigned.json").read_text())
OPTIONS = json.loads((JCS / "proofConfigJCS.json").read_text())
SIGNED_TEXT = (JCS / "signedJCS.json").read_text()
SIGNED = json.loads(SIGNED_TEXT)
VM = OPTIONS["verificationMethod"]
OTHER_VM = "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
KNOWN = {VM: PUBLIC, OTHER_VM: PUBLIC}


def resolve(method: str) -> Any:
    return KNOWN.get(method)


def text(name: str) -> str:
    return (JCS / name).read_text()


def test_canonical_document_matches_the_vector() -> None:
    assert data_integrity.transform(UNSIGNED, OPTIONS).decode() == text("canonDocJCS.txt")


def test_canonical_proof_configuration_matches_the_vector() -> None:
    assert data_integrity.proof_configuration(OPTIONS).decode() == text("proofCanonJCS.txt")


def test_hashes_match_the_vectors() -> None:
    data = data_integrity.hash_data(
        data_integrity.transform(UNSIGNED, OPTIONS), data_integrity.proof_configuration(OPTIONS)
    )
    assert data[:32].hex() == text("proofHashJCS.txt")
    assert data[32:].hex() == text("docHashJCS.txt")
    assert data.hex() == text("combinedHashJCS.txt")
    assert SECRET.sign(data).hex() == text("sigHexJCS.txt")


def test_signing_the_vector_reproduces_the_signed_credential_byte_for_byte() -> None:
    signed = data_integrity.sign(
        UNSIGNED,
        SECRET,
        verification_method=VM,
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
    )
    assert signed["proof"]["proofValue"] == text("sigBTC58JCS.txt")
    assert json.dumps(signed, indent=2, ensure_ascii=False) == SIGNED_TEXT
    assert signed == SIGNED


def test_the_vector_signed_credential_verifies() -> None:
    result = data_integrity.verify(SIGNED, resolve)
    assert (result.verified, result.reason, result.document) == (True, None, UNSIGNED)


def test_the_repository_signed_credential_with_an_https_method_verifies() -> None:
    other = json.loads((JCS / "signedJCS-vc-example.json").read_text())
    assert data_integrity.verify(other, resolve).verified
    resigned = data_integrity.sign(
        UNSIGNED,
        SECRET,
        verification_method=OTHER_VM,
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
    )
    assert resigned == other


def test_a_key_the_resolver_does_not_know_is_unknown_key() -> None:
    assert data_integrity.verify(SIGNED, lambda method: None).reason == Reason.UNKNOWN_KEY


def test_a_proof_for_another_purpose_is_wrong_purpose() -> None:
    result = data_integrity.verify(SIGNED, resolve, proof_purpose="authentication")
    assert result.reason == Reason.WRONG_PURPOSE


def with_proof(**changes: Any) -> dict[str, Any]:
    secured: dict[str, Any] = copy.deepcopy(SIGNED)
    for key, value in changes.items():
        if value is None:
            del secured["proof"][key]
        else:
            secured["proof"][key] = value
    return secured


@pytest.mark.parametrize(
    "secured",
    [
        None,
        "text",
        [],
        UNSIGNED,
        {**UNSIGNED, "proof": [SIGNED["proof"]]},
        with_proof(type="Ed25519Signature2020"),
        with_proof(cryptosuite="eddsa-rdfc-2022"),
        with_proof(proofValue=None),
        with_proof(proofValue=123),
        with_proof(proofValue="u" + SIGNED["proof"]["proofValue"][1:]),
        with_proof(proofValue="z0OIl"),
        with_proof(proofValue="z2HnFSSPPB"),
        with_proof(verificationMethod=None),
        with_proof(created="yesterday"),
        {**SIGNED, "credentialSubject": {"big": 2**60}},
        {**SIGNED, "credentialSubject": {"nan": float("nan")}},
    ],
)
def test_what_cannot_be_a_proof_is_malformed(secured: Any) -> None:
    result = data_integrity.verify(secured, resolve)
    assert (result.verified, result.reason) == (False, Reason.MALFORMED)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every field of a JSON value, nested ones included, as a path of keys and indexes."""
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


# Fields whose change is caught before the signature, by design, with another reason: the proof
# itself, type and cryptosuite (malformed), verificationMethod (unknown_key), proofValue (below).
STRUCTURAL = {
    ("proof",),
    ("proof", "type"),
    ("proof", "cryptosuite"),
    ("proof", "verificationMethod"),
}
FIELDS = [p for p in paths(SIGNED) if p[:2] != ("proof", "proofValue") and p[:2] not in STRUCTURAL]


@settings(max_examples=150, deadline=None)
@given(path=st.sampled_from(FIELDS), new=json_values, delete=st.booleans())
def test_changing_any_signed_field_is_tampered(
    path: tuple[Any, ...], new: Any, delete: bool
) -> None:
    secured = copy.deepcopy(SIGNED)
    parent = get(secured, path[:-1])
    if path == ("proof", "created") and not delete:
        new = "2024-02-24T23:36:38Z"  # still a dateTimeStamp: only the signature can tell
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    elif delete:
        parent.insert(path[-1], new)  # an array gains an element
    else:
        if new == parent[path[-1]]:
            new = [new]
        parent[path[-1]] = new
    result = data_integrity.verify(secured, resolve)
    assert (result.verified, result.reason) == (False, Reason.TAMPERED)


@settings(max_examples=50, deadline=None)
@given(key=st.text(min_size=1, max_size=10), new=json_values, where=st.sampled_from(["", "proof"]))
def test_adding_a_field_is_tampered(key: str, new: Any, where: str) -> None:
    secured = copy.deepcopy(SIGNED)
    target = secured["proof"] if where else secured
    if key in target or key == "proof":
        key = key + "_added"
    target[key] = new
    result = data_integrity.verify(secured, resolve)
    assert (result.verified, result.reason) == (False, Reason.TAMPERED)


@settings(max_examples=50, deadline=None)
@given(data=st.binary(min_size=64, max_size=64))
def test_another_signature_is_tampered(data: bytes) -> None:
    from certificates.multikey import multibase_b58encode

    secured = with_proof(proofValue=multibase_b58encode(data))
    result = data_integrity.verify(secured, resolve)
    assert (result.verified, result.reason) == (False, Reason.TAMPERED)


def test_a_context_appended_after_signing_still_verifies_and_is_dropped() -> None:
    # §3.3.2 step 4: the document's @context must start with the proof's, which replaces it.
    secured = copy.deepcopy(SIGNED)
    secured["@context"].append("https://example.org/extra/v1")
    result = data_integrity.verify(secured, resolve)
    assert (result.verified, result.document) == (True, UNSIGNED)


def test_a_changed_verification_method_is_unknown_key() -> None:
    secured = with_proof(verificationMethod=VM + "x")
    assert data_integrity.verify(secured, resolve).reason == Reason.UNKNOWN_KEY
