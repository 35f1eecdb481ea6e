"""Stream keys and the hook secret: pure functions, no I/O.

A room has two keys, `main` and `backup`. A publisher's key is compared with every key of every
room in constant time (`hmac.compare_digest`, and no early exit): nine rooms make eighteen
comparisons, so the time a refusal takes says nothing about how much of a key was right. Keys
are never looked up with a WHERE on the key, which would leak timing through an index.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

KEY_BYTES = 24  # 192 bits: 32 url-safe characters
HOOK_CONTEXT = b"expo.streams.hooks.v1"


class Which(StrEnum):
    MAIN = "main"
    BACKUP = "backup"


@dataclass(frozen=True, slots=True)
class RoomKeys:
    forum_id: int
    main_key: str
    backup_key: str


@dataclass(frozen=True, slots=True)
class KeyMatch:
    forum_id: int
    which: Which


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def _same(given: bytes, key: str) -> bool:
    return hmac.compare_digest(given, key.encode())


def match_key(given: str, rooms: Iterable[RoomKeys]) -> KeyMatch | None:
    """The room and key that `given` is, comparing against all of them whatever matches."""
    raw = given.encode("utf-8", "surrogateescape")  # any text compares; only a key matches
    found: KeyMatch | None = None
    for room in rooms:
        # Both comparisons always run (`&`, `|` on bools do not short-circuit).
        main, backup = _same(raw, room.main_key), _same(raw, room.backup_key)
        if main | backup and found is None:
            found = KeyMatch(room.forum_id, Which.MAIN if main else Which.BACKUP)
    return found


def hook_secret(secret_key: str) -> str:
    """The secret nginx puts in its callback URLs: derived from the platform's secret key, so
    every server process (and `expo rtmp-config`) agrees without another setting."""
    return hmac.new(secret_key.encode(), HOOK_CONTEXT, hashlib.sha256).hexdigest()


def hook_secret_ok(given: str | None, secret_key: str) -> bool:
    if not given:
        return False
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), hook_secret(secret_key).encode()
    )
