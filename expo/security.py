"""Password hashing (Argon2) and the signed session cookie that browsers and websockets share."""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "expo_session"
SESSION_MAX_AGE = 14 * 24 * 3600

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
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
