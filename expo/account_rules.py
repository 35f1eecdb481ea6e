"""Rules for accounts, with no I/O: what an email and a password must be, which roles go with
an exhibitor, and that an organiser is always left."""

from __future__ import annotations

import re

from expo.errors import BadRequest, Conflict
from expo.models import Role

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


def check_assignment(role: str, exhibitor_id: int | None) -> None:
    """Exhibitor staff belong to one exhibitor; no other role names one."""
    if (role == Role.EXHIBITOR) != (exhibitor_id is not None):
        raise BadRequest("account.exhibitor", "Exhibitor staff, and only they, need an exhibitor.")


def check_keeps_an_organiser(*, was_organiser: bool, stays: bool, other_organisers: int) -> None:
    """Someone must be left to run the expo: the last enabled organiser can be neither demoted
    nor disabled (by themself, since nobody else could)."""
    if was_organiser and not stays and other_organisers == 0:
        raise Conflict(
            "account.last_organiser", "This is the last organiser: make another one first."
        )


def like_pattern(text: str) -> str:
    """A LIKE pattern finding `text` anywhere, its own % and _ (and the escape) taken literally
    (with `escape="\\\\"`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
