"""Rules for accounts, with no I/O: what an email and a password must be."""

from __future__ import annotations

import re

from expo.errors import BadRequest

MIN_PASSWORD = 10
# A valid-enough address: one @, a dot in the domain, no spaces. Delivery proves the rest.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "iloveyou",
        "abc1234567",
        "aaaaaaaaaa",
        "shubo-demo-2026",
        "bigdataexpo",
        "guiyang2026",
    }
)


def normalize_email(email: str) -> str:
    cleaned = email.strip().lower()
    if not EMAIL.match(cleaned) or len(cleaned) > 254:
        raise BadRequest("account.bad_email", "That does not look like an email address.")
    return cleaned


def check_password(password: str, *, email: str, display_name: str) -> None:
    """Refuse passwords that are short, common, or made of the person's own name or address."""
    if len(password) < MIN_PASSWORD:
        raise _weak("too_short", f"Use at least {MIN_PASSWORD} characters.")
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < 4:
        raise _weak("common", "That password is too easy to guess.")
    personal = {email.split("@")[0], email, display_name.strip().lower()}
    if any(part and len(part) >= 4 and part in lowered for part in personal):
        raise _weak("personal", "Do not use your name or email address in the password.")


def _weak(reason: str, message: str) -> BadRequest:
    return BadRequest(
        "account.weak_password",
        message,
        details=[{"field": "password", "reason": reason, "message": message}],
    )
