"""Changing what signs an account in: its password (knowing the current one, or by an emailed
link when it is forgotten) and its email (confirmed by a link sent to the new address).

The links are one-time account links (expo/account_links.py), valid `account_link_minutes`;
what is mailed is in expo/account_mail.py.

Mail goes out when EXPO_SMTP_URL is configured. Without it a reset link reaches nobody: the
demo (EXPO_DEMO, whose accounts are public anyway) logs it, and a real deployment logs only that
one was asked for; its operator hands a link over with `expo admin reset-link EMAIL` once they
know who is asking (README, "Accounts").
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from starlette.requests import Request

from expo.account_links import new_link, retire_links, unusable, use_link
from expo.account_mail import (
    changed_notice,
    confirm_text,
    later,
    reset_text,
    send_later,
    send_logged,
)
from expo.account_rules import check_password, normalize_email
from expo.accounts import (
    EMAIL_DOC,
    PASSWORD_DOC,
    SESSION_ENDED,
    AccountEnvelope,
    account_view,
    failure_budgets,
    signed_in,
)
from expo.errors import BadRequest, Conflict, Forbidden, Unauthorized, Unavailable
from expo.http import ErrorBody, JSONResponse, client_address, principal, read_json, route, services
from expo.mail import send_mail
from expo.models import Account, AccountLink, LinkPurpose, utcnow
from expo.ratelimit import charge, enforce
from expo.services import Services
from expo.sessions import TOKEN_PREFIX, token_hash

log = logging.getLogger("expo.credentials")


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


def link_base(request: Request) -> str:
    """Where the links in mails point: EXPO_PUBLIC_URL, or else the address of the socket the
    request came in on. Never the request's Host header: whoever asks for someone's reset mail
    chooses it, and a link built from it would hand the victim's one-time token to the asker's
    site (password reset poisoning)."""
    public = services(request).settings.public_url
    if public:
        return public
    server = request.scope.get("server")
    if not server or server[1] is None:  # a unix socket: only EXPO_PUBLIC_URL can say
        return "http://localhost"
    host, port = server
    return f"{request.url.scheme}://{f'[{host}]' if ':' in host else host}:{port}"


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
    budgets = failure_budgets(request, account.email)
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
        await send_logged(svc, email, *reset_text(link, round(minutes)), "password_reset")
    elif svc.settings.demo:
        # The demo's accounts are public: its operator may read the link from the log.
        # In the message, not only in `extra`: the demo's plain log lines show no extras.
        log.warning(
            "password reset link (demo only: EXPO_SMTP_URL is not set): %s",
            link,
            extra={"account": account.id, "link": link},
        )
    else:
        log.warning(
            "password reset asked for, but EXPO_SMTP_URL is not set: nothing was sent; "
            "an organiser hands a link over from the console (People: Reset link), "
            "or the operator with `expo admin reset-link EMAIL`",
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
    if preview[1].disabled_at is not None:
        # As at signing in (told to whoever holds the link, the owner): a disabled account is
        # not brought back by a new password, and the link stays unused.
        raise Forbidden("account.disabled", "This account is disabled; ask the organisers.")
    check_password(form.password, email=preview[1].email, display_name=preview[1].display_name)
    password_hash = await svc.passwords.hash(form.password)
    async with svc.db() as db:
        link = await use_link(db, form.token, LinkPurpose.PASSWORD_RESET)
        account = await db.get(Account, link.account_id)
        assert account is not None
        if account.disabled_at is not None:  # disabled since the look above: nothing is used
            raise Forbidden("account.disabled", "This account is disabled; ask the organisers.")
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
        responses={200: AccountEnvelope, 403: ErrorBody, **GONE},
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
