import pytest

from expo.account_rules import check_password, normalize_email
from expo.errors import BadRequest


def test_emails_are_trimmed_and_lowercased():
    assert normalize_email("  Zhang.Wei@Example.CN ") == "zhang.wei@example.cn"


@pytest.mark.parametrize(
    "email", ["", "no-at-sign", "two@@example.cn", "a b@example.cn", "x@nodot", "x@example.c"]
)
def test_malformed_emails_are_refused(email):
    with pytest.raises(BadRequest) as refused:
        normalize_email(email)
    assert refused.value.code == "account.bad_email"


def test_a_long_unusual_password_is_accepted():
    check_password("黔山秀水-big-data-2026", email="li@example.cn", display_name="李明")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 10"),
        ("password123", "too easy"),
        ("ababababab", "too easy"),
        ("liming-2026-data", "name or email"),
        ("xx-wang.fang-xx", "name or email"),
    ],
)
def test_weak_passwords_say_why(password, reason):
    with pytest.raises(BadRequest) as refused:
        check_password(password, email="wang.fang@example.cn", display_name="LiMing")
    assert refused.value.code == "account.weak_password"
    assert reason in refused.value.message


def test_a_weak_password_names_its_reason_for_machines():
    with pytest.raises(BadRequest) as refused:
        check_password("short", email="a@example.cn", display_name="A")
    assert refused.value.details == [
        {"field": "password", "reason": "too_short", "message": "Use at least 10 characters."}
    ]
