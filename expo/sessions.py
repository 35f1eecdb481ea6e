"""Sessions: signing in creates one, every request and websocket handshake checks it, signing out
revokes it everywhere (and closes its open websockets through the broker)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from expo.models import Account, AccountSession, utcnow
from expo.security import SESSION_MAX_AGE, Principal, TokenSigner, cookie_value


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(account: Account, session_id: str | None = None) -> Principal:
    assert account.id is not None
    return Principal(
        account.id, account.role, account.display_name, account.exhibitor_id, session_id
    )


class SessionStore:
    def __init__(
        self,
        signer: TokenSigner,
        db: async_sessionmaker[AsyncSession],
        read: async_sessionmaker[AsyncSession],
    ) -> None:
        self._signer, self._db, self._read = signer, db, read

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

    async def principal_from_cookie(self, header: str | None) -> Principal | None:
        value = cookie_value(header)
        token = self._signer.loads(value) if value else None
        if token is None:
            return None
        async with self._read() as db:
            found = (
                await db.execute(
                    select(AccountSession, Account)
                    .join(Account, Account.id == AccountSession.account_id)  # type: ignore[arg-type]
                    .where(AccountSession.id == _hash(token))
                )
            ).first()
        if found is None:
            return None
        session, account = found
        if session.revoked_at is not None or session.expires_at <= utcnow():
            return None
        return principal_of(account, session.id)

    async def revoke(self, session_id: str) -> None:
        async with self._db() as db:
            row = await db.get(AccountSession, session_id)
            if row is not None and row.revoked_at is None:
                row.revoked_at = utcnow()
                await db.commit()
