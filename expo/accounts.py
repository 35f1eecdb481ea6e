"""Accounts: registering, signing in and out, one's own profile."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from starlette.requests import Request

from expo.account_rules import MIN_PASSWORD, check_password, normalize_email
from expo.errors import BadRequest, Conflict, Forbidden, Unauthorized
from expo.http import (
    ErrorBody,
    JSONResponse,
    client_address,
    principal,
    read_json,
    route,
    services,
)
from expo.models import Account, AccountPublic, Exhibitor, Role
from expo.ratelimit import Rate, charge, enforce
from expo.realtime.gateway import ACCOUNT_CHANGED
from expo.security import SESSION_COOKIE, SESSION_MAX_AGE
from expo.sessions import TOKEN_PREFIX
from expo.text_rules import without_controls

if TYPE_CHECKING:
    from expo.realtime.gateway import CommandContext

# Control messages (expo/realtime/gateway.py applies them on every process):
SESSION_ENDED = "session.ended"  # this session (`session`), or every one of `account`, is over
# ACCOUNT_CHANGED (from the gateway): `account`'s name or role changed; its sockets refresh.


Language = Literal["zh-CN", "en"]
# What the handlers check beyond the models (expo/account_rules.py, `display_name`), told to the
# OpenAPI document only: the handlers refuse with their own codes.
EMAIL_DOC: JsonDict = {"format": "email"}
PASSWORD_DOC: JsonDict = {"minLength": MIN_PASSWORD}
NAME_DOC: JsonDict = {"pattern": r"\S"}  # not blank


class Register(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254, json_schema_extra=EMAIL_DOC)
    password: str = Field(max_length=256, json_schema_extra=PASSWORD_DOC)
    display_name: str = Field(max_length=80, json_schema_extra=NAME_DOC)
    organisation: str = Field(default="", max_length=120)
    title: str = Field(default="", max_length=80)
    language: Language = "zh-CN"


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=80, json_schema_extra=NAME_DOC)
    organisation: str | None = Field(default=None, max_length=120)
    title: str | None = Field(default=None, max_length=80)
    language: Language | None = None


class SignIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class AccountOut(AccountPublic):
    """An account as the API shows it: never its email or password hash."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class AccountEnvelope(BaseModel):
    """The account (signing in or registering also sets the `expo_session` cookie)."""

    model_config = ConfigDict(extra="forbid")

    account: AccountOut


class ExhibitorBadge(BaseModel):
    """The exhibitor an account is staff of, as shown beside its name (profile, chat)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    name_zh: str
    name_en: str


class MeEnvelope(AccountEnvelope):
    """One's own account, with what only its owner sees: the email, and for exhibitor staff
    their exhibitor."""

    email: str
    exhibitor: ExhibitorBadge | None


class SignedOut(BaseModel):
    """Signed out: the session is revoked, its cookie cleared and its websockets closed."""

    model_config = ConfigDict(extra="forbid")

    signed_out: Literal[True]


def exhibitor_badge(exhibitor: Exhibitor | None) -> dict[str, object] | None:
    if exhibitor is None:
        return None
    return {"id": exhibitor.id, "name_zh": exhibitor.name_zh, "name_en": exhibitor.name_en}


def account_view(account: Account) -> dict[str, object]:
    return AccountPublic.model_validate(account, from_attributes=True).model_dump(mode="json")


def one_line(value: str) -> str:
    """Text shown on a person's card: one line, controls such as a bidi override or a zero-width
    space dropped (emoji sequences kept, see expo/text_rules.py), spaces collapsed."""
    return " ".join(without_controls(value, blank=" ").split())


def display_name(value: str) -> str:
    """A name as shown beside what its owner posts: `one_line`, and never blank."""
    cleaned = one_line(value)
    if not cleaned:
        raise BadRequest("account.bad_name", "Tell us the name to show to others.")
    return cleaned


async def register(request: Request) -> JSONResponse:
    """Anyone may register, as an attendee; other roles come by invitation.

    The address's `register` budget is spent by an account made and by an email found taken,
    never by a refusal of the form: a bad email, a weak password or a blank name is a typo,
    refused before anything costly and told what to fix. A taken email is what someone
    learning which emails have accounts sends (the 409 tells them), and accounts made in a row
    are what the budget bounds, so those two spend. Looked at first, spent afterwards (as at
    signing in): requests in flight at once all pass the look, as many as the password pool
    takes.
    """
    form = await read_json(request, Register)
    svc = services(request)
    key, rate = f"register:{client_address(request)}", svc.settings.rate_limits["register"]
    await enforce(svc.limiter, key, rate, "registrations from this address", spend=False)
    email, name = normalize_email(form.email), display_name(form.display_name)
    check_password(form.password, email=email, display_name=name)
    # Argon2 takes tens of milliseconds of CPU on purpose: on its own bounded pool.
    password_hash = await svc.passwords.hash(form.password)
    account = Account(
        email=email,
        password_hash=password_hash,
        display_name=name,
        organisation=one_line(form.organisation),
        title=one_line(form.title),
        language=form.language,
        role=Role.ATTENDEE,
    )
    async with svc.db() as db:
        db.add(account)
        try:
            await db.commit()
        except IntegrityError:
            await charge(svc.limiter, key, rate)
            raise Conflict("account.email_taken", "An account with this email exists.") from None
        await db.refresh(account)
    await charge(svc.limiter, key, rate)
    return await signed_in(request, account, status_code=201)


async def sign_in(request: Request) -> JSONResponse:
    form = await read_json(request, SignIn)
    svc = services(request)
    email = form.email.strip().lower()
    budgets = failure_budgets(request, email)
    # Looked at before the password is checked, spent only when it is wrong: a guesser's
    # failures cannot refuse the owner's correct password from elsewhere (see `failure_budgets`).
    for key, rate, what in budgets:
        await enforce(svc.limiter, key, rate, what, spend=False)
    async with svc.read() as db:
        account = (
            (await db.execute(select(Account).where(Account.email == email))).scalars().first()
        )
    # An unknown email is verified too (against a dummy hash): answering it sooner would tell
    # which emails have accounts.
    # So is a service account's, which has no password: it is refused like an unknown email.
    valid = await svc.passwords.verify(
        account.password_hash if account is not None and not account.service else None,
        form.password,
    )
    if account is None or not valid:
        for key, rate, _what in budgets:
            await charge(svc.limiter, key, rate)
        raise Unauthorized("account.bad_credentials", "Wrong email or password.")
    if account.disabled_at is not None:
        # Told only to whoever knows the password: the owner learns why, a guesser nothing.
        raise Forbidden("account.disabled", "This account is disabled; ask the organisers.")
    return await signed_in(request, account)


def failure_budgets(request: Request, email: str) -> list[tuple[str, Rate, str]]:
    """The budgets of failed sign-ins for `email` (beside the route's per-address rate, which
    every attempt spends): this address's for this account, then the account's from every
    address, looser, so one or two guessing addresses run out long before they could lock the
    owner out. Unknown emails go the same way (their budgets are as real), so refusals tell
    nobody which emails have accounts. Keys hold a digest: Redis need not hold everyone's
    email."""
    rates = services(request).settings.rate_limits
    account = hashlib.sha256(email.encode()).hexdigest()
    address = client_address(request)
    return [
        (
            f"sign_in_pair:{account}:{address}",
            rates["sign_in_pair"],
            "failed sign-ins for this account from this address",
        ),
        (
            f"sign_in_account:{account}",
            rates["sign_in_account"],
            "failed sign-ins for this account",
        ),
    ]


async def signed_in(request: Request, account: Account, status_code: int = 200) -> JSONResponse:
    cookie, _who = await services(request).sessions.open(account)
    response = JSONResponse({"account": account_view(account)}, status_code=status_code)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def sign_out(request: Request) -> JSONResponse:
    """End this session everywhere: later requests with its cookie are anonymous, and its open
    websockets, on every server process, close with 4001."""
    who = principal(request)
    svc = services(request)
    if (
        who is not None
        and who.session_id is not None
        and not who.session_id.startswith(TOKEN_PREFIX)
    ):  # a bearer token is revoked by an organiser (DELETE /api/tokens/{id}), not signed out
        await svc.sessions.revoke(who.session_id)
        # Revoked: the sign-out stands, and closing its sockets everywhere is retried when the
        # broker fails it (expo/realtime/announce.py), never answered `unavailable`.
        await svc.hub.announce_stored(SESSION_ENDED, {"session": who.session_id})
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def update_me(request: Request) -> JSONResponse:
    form = await read_json(request, ProfileUpdate)
    who = principal(request)
    assert who is not None
    svc = services(request)
    async with svc.db() as db:
        account = await db.get(Account, who.account_id)
        if account is None:
            raise Unauthorized(message="Not signed in.")
        renamed = False
        if form.display_name is not None:
            name = display_name(form.display_name)
            renamed = name != account.display_name
            account.display_name = name
        for field in ("organisation", "title"):
            value = getattr(form, field)
            if value is not None:
                setattr(account, field, one_line(value))
        if form.language is not None:
            account.language = form.language
        await db.commit()
        await db.refresh(account)
    if renamed:
        # Open sockets, on every process, post under the new name from now on (stored first:
        # a broker failure is retried, never answered `unavailable`).
        await svc.hub.announce_stored(ACCOUNT_CHANGED, {"account": account.id})
    return JSONResponse({"account": account_view(account)})


async def me(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None  # the permission table lets only the signed-in here
    async with services(request).read() as db:
        account = await db.get(Account, who.account_id)
        if account is None:
            raise Unauthorized(message="Not signed in.")
        exhibitor = await db.get(Exhibitor, account.exhibitor_id) if account.exhibitor_id else None
    return JSONResponse(
        {
            "account": account_view(account),
            "email": account.email,
            "exhibitor": exhibitor_badge(exhibitor),
        }
    )


routes = [
    route(
        "/api/accounts",
        register,
        methods=["POST"],
        action="account.register",
        body=Register,
        # The `register` budget is spent by the handler, on what it is for (see `register`).
        responses={201: AccountEnvelope, 409: ErrorBody, 429: ErrorBody},
    ),
    route(
        "/api/session",
        sign_in,
        methods=["POST"],
        action="session.create",
        rate="sign_in",
        body=SignIn,
        responses={200: AccountEnvelope, 401: ErrorBody, 403: ErrorBody},
        summary="Sign in with email and password",
    ),
    route(
        "/api/session",
        sign_out,
        methods=["DELETE"],
        action="session.delete",
        responses={200: SignedOut, 503: ErrorBody},
        summary="Sign out",
    ),
    route(
        "/api/me",
        me,
        methods=["GET"],
        action="account.read_self",
        responses={200: MeEnvelope},
        summary="One's own account",
    ),
    route(
        "/api/me",
        update_me,
        methods=["PATCH"],
        action="account.update_self",
        body=ProfileUpdate,
        responses={200: AccountEnvelope},
        summary="Change one's own profile",
    ),
]


async def account_guard(ctx: CommandContext, key: str) -> None:
    """`account:<id>`: an account's own notices (agenda reminders, meeting requests); only that
    account may follow it."""
    who = ctx.require_principal()
    if key != str(who.account_id):
        raise Forbidden("account.not_yours", "Only the account itself may follow its topic.")
