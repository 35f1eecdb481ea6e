"""Sessions: signing in creates one, every request and websocket handshake checks it, signing out
revokes it everywhere (and closes its open websockets through the broker)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select, update

from expo.batching import BatchedLookup
from expo.errors import Unauthorized
from expo.models import Account, AccountSession, ApiToken, TokenScope, utcnow
from expo.security import SESSION_MAX_AGE, Principal, TokenSigner, cookie_value

T = TypeVar("T")

TOKEN_PREFIX = "token:"  # the session id of a principal that came with a bearer token
# Ids asked about per audit query: asyncpg refuses a statement with more than 32,767
# parameters (SQLite 32,766), and one process may hold more sockets than that.
AUDIT_CHUNK = 1000


def token_hash(token: str) -> str:
    return _hash(token)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(
    account: Account, session_id: str | None = None, scope: str = TokenScope.FULL
) -> Principal:
    assert account.id is not None
    return Principal(
        account.id, account.role, account.display_name, account.exhibitor_id, session_id, scope
    )


def token_live(token: ApiToken, now: datetime) -> bool:
    """Neither revoked nor expired."""
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


class SessionStore:
    def __init__(
        self,
        signer: TokenSigner,
        db: async_sessionmaker[AsyncSession],
        read: async_sessionmaker[AsyncSession],
    ) -> None:
        self._signer, self._db, self._read = signer, db, read
        # Cookies are checked in batches under load: a reconnect storm's handshakes share
        # queries instead of queueing one each for the database (expo/batching.py).
        self._cookie_sessions = BatchedLookup(self._sessions_by_id)

    async def open(self, account: Account) -> tuple[str, Principal]:
        """A new session for `account`: the cookie value to set, and who it is."""
        assert account.id is not None
        token = secrets.token_urlsafe(32)
        row = AccountSession(
            id=_hash(token),
            account_id=account.id,
            expires_at=utcnow() + timedelta(seconds=SESSION_MAX_AGE),
        )
        async with self._db() as db:
            db.add(row)
            await db.commit()
        return self._signer.dumps(token), principal_of(account, row.id)

    async def principal(self, cookie: str | None, authorization: str | None) -> Principal | None:
        """Who a request or handshake comes from: a bearer token (API clients) or the session
        cookie (browsers). A bad token is refused; a stale cookie just reads as anonymous."""
        if authorization:
            return await self.principal_from_token(authorization)
        return await self.principal_from_cookie(cookie)

    async def principal_from_token(self, authorization: str) -> Principal:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("auth.bad_token", "Use `Authorization: Bearer <token>`.")
        async with self._read() as db:
            found = (
                await db.execute(
                    select(ApiToken, Account)
                    .join(Account, Account.id == ApiToken.account_id)  # type: ignore[arg-type]
                    .where(ApiToken.token_hash == _hash(token.strip()))
                )
            ).first()
        if found is None or found[0].revoked_at is not None:
            raise Unauthorized("auth.bad_token", "This token is unknown or revoked.")
        api_token, account = found
        if account.disabled_at is not None:
            raise Unauthorized("account.disabled", "The token's account is disabled.")
        if not token_live(api_token, utcnow()):
            raise Unauthorized("auth.token_expired", "This token has expired; ask for a new one.")
        return principal_of(account, f"{TOKEN_PREFIX}{api_token.id}", api_token.scope)

    async def principal_from_cookie(self, header: str | None) -> Principal | None:
        value = cookie_value(header)
        token = self._signer.loads(value) if value else None
        if token is None:
            return None
        found = await self._cookie_sessions.get(_hash(token))
        if found is None:
            return None
        session, account = found
        if session.revoked_at is not None or session.expires_at <= utcnow():
            return None
        if account.disabled_at is not None:  # its sessions were revoked; this is the backstop
            return None
        return principal_of(account, session.id)

    async def _sessions_by_id(
        self, session_ids: list[str]
    ) -> Mapping[str, tuple[AccountSession, Account]]:
        async with self._read() as db:
            rows = await db.execute(
                select(AccountSession, Account)
                .join(Account, Account.id == AccountSession.account_id)  # type: ignore[arg-type]
                .where(col(AccountSession.id).in_(session_ids))
            )
            return {session.id: (session, account) for session, account in rows.all()}

    async def revoke(self, session_id: str) -> None:
        async with self._db() as db:
            row = await db.get(AccountSession, session_id)
            if row is not None and row.revoked_at is None:
                row.revoked_at = utcnow()
                await db.commit()

    async def revoke_all(self, account_id: int, *, keep: str | None = None) -> list[str]:
        """Revoke every live session of the account but `keep` (the one changing its password):
        the ids revoked, for closing their websockets everywhere. Bearer tokens stay: organisers
        issue and revoke those (expo/tokens.py)."""
        now = utcnow()
        async with self._db() as db:
            rows = (
                await db.execute(
                    select(AccountSession).where(
                        AccountSession.account_id == account_id,
                        col(AccountSession.revoked_at).is_(None),
                        col(AccountSession.expires_at) > now,
                    )
                )
            ).scalars()
            revoked = []
            for row in rows:
                if row.id != keep:
                    row.revoked_at = now
                    revoked.append(row.id)
            await db.commit()
        return revoked

    async def accounts(self, account_ids: set[int]) -> dict[int, Account]:
        """These accounts as stored now, by id (those gone are missing), to refresh the
        principals of open sockets: a query per AUDIT_CHUNK ids."""
        found: dict[int, Account] = {}
        async with self._read() as db:
            for chunk in _chunks(account_ids):
                rows = await db.execute(select(Account).where(col(Account.id).in_(chunk)))
                found |= {a.id: a for a in rows.scalars() if a.id is not None}
        return found

    async def revoke_account(self, account_id: int) -> None:
        """End every session of the account (it was disabled): re-enabling it revives none."""
        async with self._db() as db:
            await db.execute(
                update(AccountSession)
                .where(col(AccountSession.account_id) == account_id)
                .where(col(AccountSession.revoked_at).is_(None))
                .values(revoked_at=utcnow())
            )
            await db.commit()

    async def ended(self, session_ids: set[str]) -> set[str]:
        """Which of these sessions (and bearer tokens, `token:<id>`) are over: revoked, expired
        or gone, or their account disabled. A query per AUDIT_CHUNK ids of each kind, for
        auditing open websockets."""
        tokens = {int(s[len(TOKEN_PREFIX) :]) for s in session_ids if s.startswith(TOKEN_PREFIX)}
        cookies = {s for s in session_ids if not s.startswith(TOKEN_PREFIX)}
        live: set[str] = set()
        now = utcnow()
        async with self._read() as db:
            for chunk in _chunks(cookies):
                rows = await db.execute(
                    select(AccountSession).where(col(AccountSession.id).in_(chunk))
                )
                live |= {
                    r.id for r in rows.scalars() if r.revoked_at is None and r.expires_at > now
                }
            for token_chunk in _chunks(tokens):
                pairs = await db.execute(
                    select(ApiToken, Account)
                    .join(Account, Account.id == ApiToken.account_id)  # type: ignore[arg-type]
                    .where(col(ApiToken.id).in_(token_chunk))
                )
                live |= {
                    f"{TOKEN_PREFIX}{token.id}"
                    for token, account in pairs.all()
                    if token_live(token, now) and account.disabled_at is None
                }
        return session_ids - live


def _chunks(ids: set[T]) -> Iterator[list[T]]:
    ordered = list(ids)
    for start in range(0, len(ordered), AUDIT_CHUNK):
        yield ordered[start : start + AUDIT_CHUNK]
