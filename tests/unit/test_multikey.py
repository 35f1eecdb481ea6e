"""Multikey and base58btc: the W3C key pair, round trips, and what is refused."""

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from certificates import multikey

KEYS = json.loads((Path(__file__).parent.parent / "vectors/vc-di-eddsa/keyPair.json").read_text())


def test_the_w3c_key_pair_round_trips_and_matches() -> None:
    secret = multikey.secret_key_from_multibase(KEYS["privateKeyMultibase"])
    public = multikey.public_key_from_multibase(KEYS["publicKeyMultibase"])
    assert multikey.secret_key_multibase(secret) == KEYS["privateKeyMultibase"]
    assert multikey.public_key_multibase(secret.public_key()) == KEYS["publicKeyMultibase"]
    assert multikey.public_key_multibase(public) == KEYS["publicKeyMultibase"]
    assert multikey.did_key_verification_method(public) == (
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    )


def test_base58btc_known_values() -> None:
    # draft-msporny-base58 §5 examples.
    assert multikey.b58encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert multikey.b58encode(b"\0\0(\x7f\xb4\xcd") == "11233QC4"
    assert multikey.b58decode("11233QC4") == b"\0\0(\x7f\xb4\xcd"
    assert multikey.b58encode(b"") == ""


@given(st.binary(max_size=80))
def test_base58btc_round_trips(data: bytes) -> None:
    assert multikey.b58decode(multikey.b58encode(data)) == data
    assert multikey.multibase_b58decode(multikey.multibase_b58encode(data)) == data


def test_fresh_keys_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    again = multikey.secret_key_from_multibase(multikey.secret_key_multibase(key))
    assert multikey.public_key_multibase(again.public_key()) == multikey.public_key_multibase(
        key.public_key()
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        KEYS["publicKeyMultibase"][1:],  # no multibase prefix
        "z0OIl",  # characters outside the alphabet
        KEYS["privateKeyMultibase"],  # a secret key where a public key belongs
        KEYS["publicKeyMultibase"][:-2],  # too short
        "z" + "2" * 600,
    ],
)
def test_what_is_not_an_ed25519_public_multikey_is_refused(text: str) -> None:
    with pytest.raises(multikey.MultikeyError):
        multikey.public_key_from_multibase(text)
