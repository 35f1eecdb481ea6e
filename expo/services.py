"""What handlers reach: built once per app in its lifespan, handed around explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from expo.counters import Counters
from expo.passwords import PasswordPool
from expo.permissions import PermissionTable
from expo.ratelimit import Limiter
from expo.sessions import SessionStore
from expo.settings import Settings

if TYPE_CHECKING:
    from expo.realtime.gateway import Gateway
    from expo.realtime.hub import Hub


@dataclass(slots=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    # Sessions that may write. On SQLite they take the write lock when they begin.
    db: async_sessionmaker[AsyncSession]
    # Sessions that only read: on SQLite they never wait for the write lock.
    read: async_sessionmaker[AsyncSession]
    hub: Hub
    gateway: Gateway
    sessions: SessionStore
    permissions: PermissionTable
    limiter: Limiter
    # Argon2 hashing and verifying, on a bounded pool of its own (expo/passwords.py).
    passwords: PasswordPool
    # Per-app, per-process caches of features, by the feature's own keys.
    cache: dict[str, Any] = field(default_factory=dict)
    # What happened in this process lately (chat messages, questions...), per second: features
    # bump them with one line; the control room sums every process's (expo/counters.py).
    counters: Counters = field(default_factory=Counters)


STATE_KEY = "expo"
