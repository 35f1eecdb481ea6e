"""One-time account links (`AccountLink`), with invitations' habits: a random token in the
link, only its hash kept, usable once (a conditional UPDATE claims it, so two clicks or two
processes cannot both use it) and only until it expires."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.account_rules import normalize_email
from expo.errors import Conflict, ExpoError, NotFound
from expo.models import Account, AccountLink, LinkPurpose, utcnow
from expo.sessions import token_hash


def new_link(
    account: Account, purpose: LinkPurpose, email: str, minutes: float
) -> tuple[str, AccountLink]:
    assert account.id is not None
    token = secrets.token_urlsafe(24)
    row = AccountLink(
        token_hash=token_hash(token),
        purpose=purpose,
        account_id=account.id,
        email=email,
        expires_at=utcnow() + timedelta(minutes=minutes),
    )
    return token, row


async def use_link(db: AsyncSession, token: str, purpose: LinkPurpose) -> AccountLink:
    """Claim the link (once, before it expires) in `db`'s transaction, or refuse with why."""
    now = utcnow()
    digest = token_hash(token)
    claimed = await db.execute(
        update(AccountLink)
        .where(
            col(AccountLink.token_hash) == digest,
            col(AccountLink.purpose) == purpose,
            col(AccountLink.used_at).is_(None),
            col(AccountLink.expires_at) > now,
        )
        .values(used_at=now)
    )
    row = (
        (await db.execute(select(AccountLink).where(AccountLink.token_hash == digest)))
        .scalars()
        .first()
    )
    if claimed.rowcount == 1 and row is not None:  # type: ignore[attr-defined]
        return row
    raise unusable(row, purpose)


def unusable(row: AccountLink | None, purpose: LinkPurpose) -> ExpoError:
    """Why a link cannot be used: unknown (or of another kind), used, or expired."""
    if row is None or row.purpose != purpose:
        return NotFound("account_link.unknown", "This link is not valid.")
    if row.used_at is not None:
        return Conflict("account_link.used", "This link has been used already.")
    return ExpoError(
        "account_link.expired", "This link has expired; ask for a new one.", status=410
    )


async def retire_links(db: AsyncSession, account_id: int, purpose: LinkPurpose) -> None:
    """The account's other open links of this kind stop working (a password set, an email
    confirmed): an old reset mail left in an inbox must not undo the new password."""
    await db.execute(
        update(AccountLink)
        .where(
            col(AccountLink.account_id) == account_id,
            col(AccountLink.purpose) == purpose,
            col(AccountLink.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )


async def issue_reset_link(db: AsyncSession, email: str, minutes: float) -> str:
    """For the operator's shell (`expo admin reset-link`): the token of a new reset link for the
    account, made as the forgotten-password form makes one, to hand over in person."""
    account = (
        (await db.execute(select(Account).where(Account.email == normalize_email(email))))
        .scalars()
        .first()
    )
    if account is None:
        raise NotFound("account.unknown", f"No account has the email {email}.")
    token, row = new_link(account, LinkPurpose.PASSWORD_RESET, account.email, minutes)
    db.add(row)
    await db.commit()
    return token
