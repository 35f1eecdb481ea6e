"""Bitstring Status List v1.0: bit order, the encodedList, and what decoding refuses."""

import base64
import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates import status_list

# The encodedList of the spec's example BitstringStatusListCredential: 131,072 unset entries.
W3C_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_the_spec_example_decodes_to_the_minimum_all_clear_list() -> None:
    assert status_list.decode_list(W3C_EXAMPLE) == bytearray(16_384)


def test_bit_zero_is_the_left_most_bit_of_the_first_byte() -> None:
    bits = status_list.new_bitstring()
    status_list.set_bit(bits, 0)
    status_list.set_bit(bits, 9)
    status_list.set_bit(bits, 131_071)
    assert (bits[0], bits[1], bits[-1]) == (0x80, 0x40, 0x01)
    assert [i for i in range(16) if status_list.get_bit(bits, i)] == [0, 9]
    status_list.set_bit(bits, 0, False)
    assert bits[0] == 0


@given(st.sets(st.integers(0, status_list.MIN_ENTRIES - 1), max_size=40))
def test_an_encoded_list_round_trips(indexes: set[int]) -> None:
    bits = status_list.new_bitstring()
    for index in indexes:
        status_list.set_bit(bits, index)
    encoded = status_list.encode_list(bits)
    assert encoded.startswith("u") and "=" not in encoded
    decoded = status_list.decode_list(encoded)
    assert {i for i in range(status_list.MIN_ENTRIES) if status_list.get_bit(decoded, i)} == (
        indexes
    )


def test_equal_lists_encode_equally() -> None:
    assert status_list.encode_list(bytes(16_384)) == status_list.encode_list(bytearray(16_384))


def test_an_index_outside_the_list_is_refused() -> None:
    bits = status_list.new_bitstring()
    for index in (-1, status_list.MIN_ENTRIES):
        with pytest.raises(status_list.StatusListError):
            status_list.get_bit(bits, index)


def u(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "z" + W3C_EXAMPLE[1:],
        W3C_EXAMPLE + "=",
        "u!!",
        u(b"not gzip"),
        u(gzip.compress(bytes(1024), mtime=0)),  # fewer than 131,072 entries
        u(gzip.compress(bytes(16_384), mtime=0) * 2),  # two members
        u(gzip.compress(bytes(16_384), mtime=0)[:-4]),  # truncated
        u(gzip.compress(bytes(status_list.MAX_BYTES + 1), mtime=0)),  # inflates too far
    ],
)
def test_what_is_not_an_encoded_list_is_refused(encoded: str) -> None:
    with pytest.raises(status_list.StatusListError):
        status_list.decode_list(encoded)


def test_the_credential_parts() -> None:
    assert status_list.status_list_subject(
        "https://expo.example/status/1#list", "revocation", W3C_EXAMPLE
    ) == {
        "id": "https://expo.example/status/1#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": W3C_EXAMPLE,
    }
    assert status_list.status_list_entry(
        "https://expo.example/status/1#94567", "revocation", 94567, "https://expo.example/status/1"
    ) == {
        "id": "https://expo.example/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://expo.example/status/1",
    }
