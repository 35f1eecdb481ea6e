"""Password hashing (Argon2) and the signed session cookie that browsers and websockets share."""

from __future__ import annotations

import os
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "expo_session"
SESSION_MAX_AGE = 14 * 24 * 3600

# EXPO_TEST_FAST_PASSWORD_HASH=1 (the test suite sets it, tests/conftest.py): Argon2 with its
# lightest parameters, so the thousands of sign-ins the tests make take a millisecond each
# instead of a tenth of a second of CPU (Django's test settings swap in a fast hasher the same
# way). The code paths are the same; verifying reads the parameters from the hash itself. Never
# set it in production: the server says so in its log when it is (expo/app.py).
FAST_HASH_VARIABLE = "EXPO_TEST_FAST_PASSWORD_HASH"
STANDARD_HASHER = PasswordHasher()  # argon2-cffi's RFC 9106 "low memory" profile: 64 MiB, 3 passes
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def fast_hashing() -> bool:
    return os.environ.get(FAST_HASH_VARIABLE) == "1"


def _hasher() -> PasswordHasher:
    return FAST_HASHER if fast_hashing() else STANDARD_HASHER


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: an account, as one of its sessions found it."""

    account_id: int
    role: str
    display_name: str
    exhibitor_id: int | None = None
    session_id: str | None = None
    # A bearer token's scope (expo.models.TokenScope): "read" may only read. Cookies: "full".
    scope: str = "full"


class TokenSigner:
    """Signs the session token carried by the cookie; a forged or stale cookie reads as None."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="expo.session")

    def dumps(self, token: str) -> str:
        return self._serializer.dumps(token)

    def loads(self, value: str) -> str | None:
        try:
            token = self._serializer.loads(value, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        return token if isinstance(token, str) else None


def cookie_value(header: str | None) -> str | None:
    if not header:
        return None
    try:
        morsel = SimpleCookie(header).get(SESSION_COOKIE)
    except CookieError:
        return None
    return morsel.value if morsel else None
