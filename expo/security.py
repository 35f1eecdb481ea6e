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
    """Who is acting: what a signed session says about its account."""

    account_id: int
    role: str
    display_name: str
    exhibitor_id: int | None = None


class SessionSigner:
    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="expo.session")

    def dumps(self, principal: Principal) -> str:
        return self._serializer.dumps(
            {
                "a": principal.account_id,
                "r": principal.role,
                "n": principal.display_name,
                "e": principal.exhibitor_id,
            }
        )

    def loads(self, value: str) -> Principal | None:
        try:
            raw = self._serializer.loads(value, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        try:
            return Principal(int(raw["a"]), str(raw["r"]), str(raw["n"]), raw.get("e"))
        except (KeyError, TypeError, ValueError):
            return None

    def from_cookie_header(self, header: str | None) -> Principal | None:
        if not header:
            return None
        try:
            morsel = SimpleCookie(header).get(SESSION_COOKIE)
        except CookieError:
            return None
        return self.loads(morsel.value) if morsel else None
