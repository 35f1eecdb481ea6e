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
