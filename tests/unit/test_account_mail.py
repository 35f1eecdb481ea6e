"""What the account mails say, in both languages, and why a one-time link cannot be used."""

from __future__ import annotations

from datetime import timedelta

from expo.account_links import unusable
from expo.account_mail import changed_notice, confirm_text, reset_text
from expo.models import AccountLink, LinkPurpose, utcnow

LINK = "https://expo.example/#/reset/abcdefghijklmnopqrstuvwx"


def test_the_reset_mail_holds_the_link_and_its_lifetime_in_both_languages():
    subject, body = reset_text(LINK, 30)
    assert "重设" in subject and "Reset" in subject
    assert body.count(LINK) == 2  # once per language
    assert "30 分钟" in body and "30 minutes" in body and "works once" in body


def test_the_confirmation_and_the_notice_name_the_new_address():
    _, confirm = confirm_text(LINK, 45)
    _, notice = changed_notice("new@example.cn")
    assert LINK in confirm and "45 minutes" in confirm
    assert notice.count("new@example.cn") == 2


def link(**fields: object) -> AccountLink:
    values: dict[str, object] = {
        "token_hash": "0" * 64,
        "purpose": LinkPurpose.PASSWORD_RESET,
        "account_id": 1,
        "email": "a@example.cn",
        "expires_at": utcnow() + timedelta(minutes=5),
    }
    return AccountLink(**{**values, **fields})


def test_a_link_that_cannot_be_used_says_why():
    assert unusable(None, LinkPurpose.PASSWORD_RESET).code == "account_link.unknown"
    other_kind = link(purpose=LinkPurpose.EMAIL_CHANGE)
    assert unusable(other_kind, LinkPurpose.PASSWORD_RESET).code == "account_link.unknown"
    used = unusable(link(used_at=utcnow()), LinkPurpose.PASSWORD_RESET)
    assert (used.code, used.status) == ("account_link.used", 409)
    expired = unusable(link(expires_at=utcnow()), LinkPurpose.PASSWORD_RESET)
    assert (expired.code, expired.status) == ("account_link.expired", 410)
