"""The upgrade request's head, checked before the handshake reads it."""

from __future__ import annotations

import pytest
from websockets.datastructures import Headers

from expo.realtime.request_head import SINGLE_VALUED, forwarded_for, head_problem


def head(*pairs: tuple[str, str]) -> Headers:
    return Headers([("Host", "expo.test"), *pairs])


def test_a_plain_head_has_no_problem():
    assert head_problem(head(("Origin", "http://expo.test"), ("Cookie", "a=1"))) is None


@pytest.mark.parametrize("name", SINGLE_VALUED)
def test_a_single_valued_header_twice_is_named(name):
    headers = Headers([("Host", "expo.test")] if name != "Host" else [])
    headers[name] = "one"
    headers[name] = "two"  # Headers keeps both
    assert head_problem(headers) == f"The {name} header appears more than once."


def test_a_head_without_host_is_refused():
    assert head_problem(Headers([("Origin", "http://expo.test")])) == "The Host header is missing."


def test_forwarded_for_lines_are_one_list_in_order():
    headers = head(("X-Forwarded-For", "10.0.0.1"), ("X-Forwarded-For", "10.0.0.2, 10.0.0.3"))
    assert forwarded_for(headers) == "10.0.0.1, 10.0.0.2, 10.0.0.3"
    assert forwarded_for(head()) is None
