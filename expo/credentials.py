"""Changing what signs an account in: its password (knowing the current one, or by an emailed
link when it is forgotten) and its email (confirmed by a link sent to the new address).

The links are one-time account links (`AccountLink`, copying invitations' habits): a random
token in the link, only its hash kept, usable once (a conditional UPDATE claims it, so two
clicks or two processes cannot both use it) and only for `account_link_minutes`.

Mail goes out when EXPO_SMTP_URL is configured. Without it a reset link reaches nobody: the
demo (EXPO_DEMO, whose accounts are public anyway) logs it, and a real deployment logs only that
one was asked for; its operator hands a link over with `expo admin reset-link EMAIL` once they
know who is asking (README, "Accounts").
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.requests import Request

from expo.account_rules import check_password, normalize_email
from expo.accounts import (
    EMAIL_DOC,
    PASSWORD_DOC,
    SESSION_ENDED,
    AccountEnvelope,
    _failure_budgets,
    account_view,
    signed_in,
)
from expo.errors import BadRequest, Conflict, ExpoError, NotFound, Unauthorized, Unavailable
from expo.http import ErrorBody, JSONResponse, client_address, principal, read_json, route, services
from expo.mail import send_mail
from expo.models import Account, AccountLink, LinkPurpose, utcnow
from expo.ratelimit import charge, enforce
from expo.services import Services
from expo.sessions import TOKEN_PREFIX, token_hash

log = logging.getLogger("expo.credentials")
OUTBOX = "expo.outbox"  # services.cache: mails being sent after their request was answered


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(max_length=256, json_schema_extra=PASSWORD_DOC)


class ForgotPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254, json_schema_extra=EMAIL_DOC)


class ResetPassword(BaseModel):
    """The link's token travels in the body, never in a URL that access logs keep."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=16, max_length=64)
    password: str = Field(max_length=256, json_schema_extra=PASSWORD_DOC)


class EmailChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=256)
    email: str = Field(max_length=254, json_schema_extra=EMAIL_DOC)


class ConfirmEmail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=16, max_length=64)


class PasswordChanged(AccountEnvelope):
    """The password is changed; every other session of the account has ended."""

    sessions_ended: int = Field(ge=0)


class ResetRequested(BaseModel):
    """The same answer whether or not an account has the address."""

    model_config = ConfigDict(extra="forbid")

    requested: Literal[True]
    # False: this server sends no email; the organisers hand reset links over themselves.
    mail_configured: bool


class EmailChangeRequested(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pending_email: str
    expires_in_minutes: float


# --- mail -------------------------------------------------------------------------------


def reset_text(link: str, minutes: int) -> tuple[str, str]:
    subject = "重设您的数博会线上展密码 · Reset your Big Data Expo online password"
    body = (
        f"您好！\n\n有人（希望是您）请求重设此邮箱对应账号的密码。请在 {minutes} 分钟内打开以下链接"
        f"设置新密码（链接只能使用一次）：\n{link}\n\n如果不是您本人操作，请忽略此邮件，您的密码不会改变。\n\n"
        f"Hello,\n\nSomeone (we hope you) asked to reset the password of the account with this "
        f"address. Open this link within {minutes} minutes to choose a new one (it works once):\n"
        f"{link}\n\nIf it was not you, ignore this email: your password stays as it is.\n"
    )
    return subject, body


def confirm_text(link: str, minutes: int) -> tuple[str, str]:
    subject = "确认您的新邮箱 · Confirm your new email address"
    body = (
        f"您好！\n\n请在 {minutes} 分钟内打开以下链接，"
        f"确认将数博会线上展账号的邮箱改为此地址：\n{link}\n\n"
        f"如果不是您本人操作，请忽略此邮件。\n\n"
        f"Hello,\n\nOpen this link within {minutes} minutes to confirm this address as the email "
        f"of your Big Data Expo online account:\n{link}\n\nIf it was not you, ignore this email.\n"
    )
    return subject, body


def changed_notice(new_email: str) -> tuple[str, str]:
    subject = "您的账号邮箱已更改 · The email of your account was changed"
    body = (
        f"您好！\n\n您的数博会线上展账号的邮箱已改为 {new_email}，此后请用新邮箱登录。"
        f"如果不是您本人操作，请立即联系主办方。\n\n"
        f"Hello,\n\nThe email of your Big Data Expo online account is now {new_email}; sign in "
        f"with it from now on. If it was not you, tell the organisers at once.\n"
    )
    return subject, body


def later(svc: Services, work: Coroutine[Any, Any, None]) -> None:
    """Run after the answer: the answer must not wait for (nor its timing tell of) the work.
    A failure is logged; one lost to a shutdown is asked for again by whoever needs it."""
    outbox: set[asyncio.Future[None]] = svc.cache.setdefault(OUTBOX, set())
    task = asyncio.ensure_future(_logged(work))
    outbox.add(task)  # kept: the loop holds tasks weakly
    task.add_done_callback(outbox.discard)


async def _logged(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except Exception:
        log.exception("account mail work failed")


def send_later(svc: Services, to: str, subject: str, body: str, what: str) -> None:
    later(svc, _send_logged(svc, to, subject, body, what))


async def _send_logged(svc: Services, to: str, subject: str, body: str, what: str) -> None:
    assert svc.settings.smtp_url is not None
    try:
        await send_mail(svc.settings.smtp_url, svc.settings.mail_from, to, subject, body)
    except Unavailable as error:
        log.warning("account mail not sent", extra={"mail": what, "error": str(error)})


def link_base(request: Request) -> str:
    return services(request).settings.public_url or str(request.base_url).rstrip("/")


# --- links ------------------------------------------------------------------------------


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


async def end_sessions(svc: Services, account_id: int, keep: str | None) -> int:
    """End the account's sessions but `keep`, and close their websockets on every process."""
    ended = await svc.sessions.revoke_all(account_id, keep=keep)
    if ended:
        # Revoked, so it stands: closing the sockets everywhere is retried if the broker fails.
        await svc.hub.announce_stored(SESSION_ENDED, {"sessions": ended})
    return len(ended)


# --- handlers ---------------------------------------------------------------------------


async def _verify_current(request: Request, account: Account, password: str) -> None:
    """The current password, as signing in checks it: a wrong one spends the same failure
    budgets (someone at an unlocked screen is guessing it)."""
    svc = services(request)
    budgets = _failure_budgets(request, account.email)
    for key, rate, what in budgets:
        await enforce(svc.limiter, key, rate, what, spend=False)
    if not await svc.passwords.verify(account.password_hash, password):
        for key, rate, _what in budgets:
            await charge(svc.limiter, key, rate)
        raise Unauthorized("account.bad_password", "The current password is wrong.")


async def _own_account(svc: Services, account_id: int) -> Account:
    async with svc.read() as db:
        account = await db.get(Account, account_id)
    if account is None:
        raise Unauthorized(message="Not signed in.")
    return account


async def change_password(request: Request) -> JSONResponse:
    """Signed in, with the current password: every *other* session ends (this one stays)."""
    form = await read_json(request, PasswordChange)
    who = principal(request)
    assert who is not None
    svc = services(request)
    account = await _own_account(svc, who.account_id)
    await _verify_current(request, account, form.current_password)
    check_password(form.new_password, email=account.email, display_name=account.display_name)
    password_hash = await svc.passwords.hash(form.new_password)
    async with svc.db() as db:
        stored = await db.get(Account, who.account_id)
        assert stored is not None
        stored.password_hash = password_hash
        await retire_links(db, who.account_id, LinkPurpose.PASSWORD_RESET)
        await db.commit()
        await db.refresh(stored)
    # A bearer token's principal keeps no browser session: it keeps none of them.
    keep = (
        who.session_id if who.session_id and not who.session_id.startswith(TOKEN_PREFIX) else None
    )
    ended = await end_sessions(svc, who.account_id, keep)
    return JSONResponse({"account": account_view(stored), "sessions_ended": ended})


async def forgot_password(request: Request) -> JSONResponse:
    """The same answer (202, the same body) whether or not an account has the address; the
    lookup, the link and the mail come after the answer, so its time tells nothing either.
    Budgets per address and per email are spent by every well-formed request; a malformed
    address is a typo, spends nothing.
    """
    form = await read_json(request, ForgotPassword)
    svc = services(request)
    rates = svc.settings.rate_limits
    email_key = hashlib.sha256(form.email.strip().lower().encode()).hexdigest()
    budgets = [
        (
            f"password_reset:{client_address(request)}",
            rates["password_reset"],
            "reset requests from this address",
        ),
        (
            f"password_reset_email:{email_key}",
            rates["password_reset_email"],
            "reset requests for this email",
        ),
    ]
    for key, rate, what in budgets:
        await enforce(svc.limiter, key, rate, what, spend=False)
    email = normalize_email(form.email)
    for key, rate, _what in budgets:
        await charge(svc.limiter, key, rate)
    # Everything that depends on whether the address has an account happens after the answer:
    # the lookup, the link's row, the mail. The answer's time is the same for every address.
    later(svc, _deliver_reset(svc, email, link_base(request)))
    mail_configured = svc.settings.smtp_url is not None
    return JSONResponse({"requested": True, "mail_configured": mail_configured}, status_code=202)


async def _deliver_reset(svc: Services, email: str, base: str) -> None:
    """A reset link for the account with `email`, if one has it: stored, then mailed (or, with
    no SMTP, logged for the demo only, else the operator told how to hand one over)."""
    minutes = svc.settings.account_link_minutes
    async with svc.db() as db:
        account = (
            (await db.execute(select(Account).where(Account.email == email))).scalars().first()
        )
        if account is None:
            return
        token, row = new_link(account, LinkPurpose.PASSWORD_RESET, email, minutes)
        db.add(row)
        await db.commit()
    link = f"{base}/#/reset/{token}"
    if svc.settings.smtp_url is not None:
        await _send_logged(svc, email, *reset_text(link, round(minutes)), "password_reset")
    elif svc.settings.demo:
        # The demo's accounts are public: its operator may read the link from the log.
        log.warning(
            "password reset link (demo only: EXPO_SMTP_URL is not set)",
            extra={"account": account.id, "link": link},
        )
    else:
        log.warning(
            "password reset asked for, but EXPO_SMTP_URL is not set: nothing was sent; "
            "hand a link over with `expo admin reset-link EMAIL`",
            extra={"account": account.id},
        )


class OpenResetLink(ConfirmEmail):
    """The token of a reset link, to see whether it can still be used."""


class LinkOpen(BaseModel):
    """A reset link that can still be used, and until when."""

    model_config = ConfigDict(extra="forbid")

    expires_at: datetime


async def open_reset_link(request: Request) -> JSONResponse:
    """Whether a reset link can still be used, for the page it opens (so a used or expired link
    says so before a password is typed). Tells nothing of the account."""
    form = await read_json(request, OpenResetLink)
    async with services(request).read() as db:
        row = (
            (
                await db.execute(
                    select(AccountLink).where(AccountLink.token_hash == token_hash(form.token))
                )
            )
            .scalars()
            .first()
        )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise unusable(row, LinkPurpose.PASSWORD_RESET)
    if row.purpose != LinkPurpose.PASSWORD_RESET:
        raise unusable(row, LinkPurpose.PASSWORD_RESET)
    return JSONResponse({"expires_at": row.expires_at.isoformat()})


async def reset_password(request: Request) -> JSONResponse:
    """Set a new password with an emailed link: every session of the account ends, then this
    browser is signed in with a new one."""
    form = await read_json(request, ResetPassword)
    svc = services(request)
    async with svc.read() as db:
        preview = (
            await db.execute(
                select(AccountLink, Account)
                .join(Account, Account.id == AccountLink.account_id)  # type: ignore[arg-type]
                .where(AccountLink.token_hash == token_hash(form.token))
            )
        ).first()
    # Looked at first, claimed below: a dead link costs no hash, a weak password does not use
    # the link up (it is retried), and two clicks racing are told apart by the claim alone.
    if preview is None or preview[0].used_at is not None or preview[0].expires_at <= utcnow():
        raise unusable(preview[0] if preview else None, LinkPurpose.PASSWORD_RESET)
    if preview[0].purpose != LinkPurpose.PASSWORD_RESET:
        raise unusable(preview[0], LinkPurpose.PASSWORD_RESET)
    check_password(form.password, email=preview[1].email, display_name=preview[1].display_name)
    password_hash = await svc.passwords.hash(form.password)
    async with svc.db() as db:
        link = await use_link(db, form.token, LinkPurpose.PASSWORD_RESET)
        account = await db.get(Account, link.account_id)
        assert account is not None
        account.password_hash = password_hash
        await retire_links(db, link.account_id, LinkPurpose.PASSWORD_RESET)
        await db.commit()
        await db.refresh(account)
    await end_sessions(svc, link.account_id, keep=None)
    return await signed_in(request, account)


async def change_email(request: Request) -> JSONResponse:
    """Signed in, with the password: a confirmation link goes to the new address; the email
    changes only when it is opened."""
    form = await read_json(request, EmailChange)
    who = principal(request)
    assert who is not None
    svc = services(request)
    account = await _own_account(svc, who.account_id)
    await _verify_current(request, account, form.password)
    email = normalize_email(form.email)
    if email == account.email:
        raise BadRequest("account.same_email", "That is the account's email already.")
    if svc.settings.smtp_url is None and not svc.settings.demo:
        raise Unavailable(
            "mail.not_configured",
            "This server sends no email, so a new address cannot be confirmed.",
        )
    await enforce(
        svc.limiter,
        f"email_change:{who.account_id}",
        svc.settings.rate_limits["email_change"],
        "email changes",
    )
    minutes = svc.settings.account_link_minutes
    async with svc.db() as db:
        taken = (await db.execute(select(Account.id).where(Account.email == email))).first()
        if taken is not None:  # signed in, with the password: telling is fine here
            raise Conflict("account.email_taken", "An account with this email exists.")
        token, row = new_link(account, LinkPurpose.EMAIL_CHANGE, email, minutes)
        db.add(row)
        await db.commit()
    link = f"{link_base(request)}/#/confirm-email/{token}"
    if svc.settings.smtp_url is not None:
        subject, body = confirm_text(link, round(minutes))
        await send_mail(svc.settings.smtp_url, svc.settings.mail_from, email, subject, body)
    else:
        log.warning(
            "email confirmation link (demo only: EXPO_SMTP_URL is not set)",
            extra={"account": account.id, "link": link},
        )
    return JSONResponse({"pending_email": email, "expires_in_minutes": minutes}, status_code=202)


async def confirm_email(request: Request) -> JSONResponse:
    """Whoever holds the link (sent to the new address) confirms it; the old address is told."""
    form = await read_json(request, ConfirmEmail)
    svc = services(request)
    async with svc.db() as db:
        link = await use_link(db, form.token, LinkPurpose.EMAIL_CHANGE)
        account = await db.get(Account, link.account_id)
        assert account is not None
        old_email, account.email = account.email, link.email
        await retire_links(db, link.account_id, LinkPurpose.EMAIL_CHANGE)
        # Reset links mailed to the old address stop working with it.
        await retire_links(db, link.account_id, LinkPurpose.PASSWORD_RESET)
        try:
            await db.commit()
        except IntegrityError:  # someone registered the address since
            raise Conflict("account.email_taken", "An account with this email exists.") from None
        await db.refresh(account)
    if svc.settings.smtp_url is not None:
        send_later(svc, old_email, *changed_notice(link.email), "email_changed")
    return JSONResponse({"account": account_view(account), "email": account.email})


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


class EmailConfirmed(AccountEnvelope):
    email: str


GONE = {404: ErrorBody, 409: ErrorBody, 410: ErrorBody}  # unknown, used, expired links

routes = [
    route(
        "/api/me/password",
        change_password,
        methods=["POST"],
        action="account.change_password",
        body=PasswordChange,
        responses={200: PasswordChanged, 429: ErrorBody},
        summary="Change one's password (every other session ends)",
    ),
    route(
        "/api/password/forgot",
        forgot_password,
        methods=["POST"],
        action="account.forgot_password",
        body=ForgotPassword,
        responses={202: ResetRequested, 429: ErrorBody},
        summary="Ask for a password reset link by email",
    ),
    route(
        "/api/password/reset/open",
        open_reset_link,
        methods=["POST"],
        action="account.reset_password",
        rate="sign_in",
        body=OpenResetLink,
        responses={200: LinkOpen, **GONE},
        summary="Whether a password reset link can still be used",
    ),
    route(
        "/api/password/reset",
        reset_password,
        methods=["POST"],
        action="account.reset_password",
        rate="sign_in",  # typos in the new password may be retried, as at signing in
        body=ResetPassword,
        responses={200: AccountEnvelope, **GONE},
        summary="Set a new password with a reset link (every session ends; this one signs in)",
    ),
    route(
        "/api/me/email",
        change_email,
        methods=["POST"],
        action="account.change_email",
        body=EmailChange,
        responses={202: EmailChangeRequested, 409: ErrorBody, 429: ErrorBody, 503: ErrorBody},
        summary="Change one's email: a link to the new address confirms it",
    ),
    route(
        "/api/me/email/confirm",
        confirm_email,
        methods=["POST"],
        action="account.confirm_email",
        rate="sign_in",
        body=ConfirmEmail,
        responses={200: EmailConfirmed, **GONE},
        summary="Confirm a new email with the link sent to it",
    ),
]
