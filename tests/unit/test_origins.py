import pytest

from expo.realtime.origins import origin_allowed


@pytest.mark.parametrize(
    ("origin", "host", "allowed", "expected"),
    [
        (None, "expo.example", (), True),
        ("https://expo.example", "expo.example", (), True),
        ("http://EXPO.example:8000", "expo.example:8000", (), True),
        ("https://evil.example", "expo.example", (), False),
        ("https://expo.example.evil", "expo.example", (), False),
        ("null", "expo.example", (), False),
        ("https://app.partner.cn", "expo.example", ("https://app.partner.cn",), True),
        ("https://anyone.example", "expo.example", ("*",), True),
        ("ftp://expo.example", "expo.example", (), False),
    ],
)
def test_origin_check(origin, host, allowed, expected):
    assert origin_allowed(origin, host, allowed) is expected


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", None, ("127.0.0.1",), "203.0.113.9"),
        ("203.0.113.9", "1.2.3.4", ("127.0.0.1",), "203.0.113.9"),  # an untrusted peer lies
        ("127.0.0.1", "1.2.3.4", ("127.0.0.1",), "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.1", ("10.0.0.1", "10.0.0.2"), "1.2.3.4"),
        ("10.0.0.2", "1.2.3.4", ("*",), "1.2.3.4"),
        ("127.0.0.1", None, ("127.0.0.1",), "127.0.0.1"),
    ],
)
def test_the_client_address_behind_trusted_proxies(peer, forwarded, trusted, expected):
    from expo.realtime.origins import client_address

    assert client_address(peer, forwarded, trusted) == expected
