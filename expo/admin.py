"""`expo admin`: what an operator does from a shell before anyone can sign in.

The first organiser cannot be invited (inviting takes an organiser), and `expo demo` would seed
passwords printed in the README: `expo admin create-organiser` makes one with a password read
from a prompt, stdin or a file, never from the command line (where `ps` and shell histories
would keep it).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from expo.account_rules import check_password, normalize_email
from expo.db import make_engine, make_sessionmaker
from expo.errors import Conflict
from expo.models import Account, Role
from expo.security import hash_password


async def create_organiser(database_url: str, email: str, name: str, password: str) -> Account:
    """A new organiser account; refuses (`ExpoError`) a bad email, a weak password or an email
    that has an account."""
    email = normalize_email(email)
    name = " ".join(name.split()) or email.split("@")[0]
    check_password(password, email=email, display_name=name)
    account = Account(
        email=email,
        password_hash=hash_password(password),
        display_name=name,
        role=Role.ORGANIZER,
    )
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as db:
            taken = (await db.execute(select(Account.id).where(Account.email == email))).first()
            if taken is not None:
                raise _taken()
            db.add(account)
            try:
                await db.commit()
            except IntegrityError:
                raise _taken() from None
            await db.refresh(account)
    finally:
        await engine.dispose()
    return account


def _taken() -> Conflict:
    return Conflict("account.email_taken", "An account with this email exists.")


async def reset_link(database_url: str, email: str, base_url: str, minutes: float) -> str:
    """A password reset link for the account with `email`, for an operator to hand over when
    the server sends no email (EXPO_SMTP_URL unset) and they know who is asking."""
    from expo.account_links import issue_reset_link

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as db:
            token = await issue_reset_link(db, email, minutes)
    finally:
        await engine.dispose()
    return f"{base_url.rstrip('/')}/#/reset/{token}"
