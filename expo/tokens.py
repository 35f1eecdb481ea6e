"""Bearer tokens for API clients: organisers issue and revoke them; each acts as one account.

An organiser issues a token for themselves or for a service account (expo/service_accounts.py),
never for another person: a token would let its holder act as them unseen (`token.not_yours`).
Each token has a scope (`full`, or `read`: expo/permissions.py) and an expiry; an expired token
is refused at its next request (`auth.token_expired`) and its open websockets close at the next
session audit (expo/realtime/gateway.py, at most SESSION_AUDIT_INTERVAL later, on every
process).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select
from starlette.requests import Request

from expo.accounts import SESSION_ENDED
from expo.errors import BadRequest, Forbidden, NotFound
from expo.http import ErrorBody, JSONResponse, path_int, principal, read_json, route, services
from expo.models import Account, ApiToken, TokenScope, utcnow
from expo.sessions import TOKEN_PREFIX, token_hash
from expo.text_rules import without_controls

MAX_DAYS = 365


class TokenAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    service: bool


class IssueToken(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=80)
    # The account the token acts as: the issuing organiser's own when left out, else a
    # service account.
    account_id: int | None = Field(default=None, gt=0, lt=2**31)
    scope: Literal["full", "read"] = "full"
    expires_in_days: int = Field(default=30, ge=1, le=MAX_DAYS)


class ApiTokenOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    account_id: int
    account: TokenAccount
    issued_by: int
    created_at: datetime
    revoked: bool
    scope: Literal["full", "read"]
    expires_at: datetime | None  # None: issued before expiries, never expires
    expired: bool


class IssuedToken(BaseModel):
    """The secret is in `token`, shown this once."""

    model_config = ConfigDict(extra="forbid")

    token: str
    api_token: ApiTokenOut


class TokenEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_token: ApiTokenOut


class TokenList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_tokens: list[ApiTokenOut]


class TokenPath(BaseModel):
    token_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


def token_view(row: ApiToken, account: Account) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "account_id": row.account_id,
        "account": {"id": account.id, "name": account.display_name, "service": account.service},
        "issued_by": row.issued_by,
        "created_at": row.created_at.isoformat(),
        "revoked": row.revoked_at is not None,
        "scope": row.scope,
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "expired": row.expires_at is not None and row.expires_at <= utcnow(),
    }


async def issue(request: Request) -> JSONResponse:
    form = await read_json(request, IssueToken)
    who = principal(request)
    assert who is not None
    name = " ".join(without_controls(form.name, blank=" ").split())
    if not name:
        raise BadRequest("token.bad_name", "Name the token (what uses it).")
    secret = "expo_" + secrets.token_urlsafe(32)
    async with services(request).db() as db:
        account_id = form.account_id or who.account_id
        account = await db.get(Account, account_id)
        if account is None:
            raise NotFound("account.unknown", f"There is no account {account_id}.")
        if account_id != who.account_id and not account.service:
            raise Forbidden(
                "token.not_yours",
                "Issue tokens for yourself or for a service account, not for another person.",
            )
        row = ApiToken(
            token_hash=token_hash(secret),
            name=name,
            account_id=account_id,
            issued_by=who.account_id,
            scope=TokenScope(form.scope),
            expires_at=utcnow() + timedelta(days=form.expires_in_days),
        )
        db.add(row)
        await db.commit()
        await db.refresh(row)
    # The secret is shown once, here; only its hash is kept.
    return JSONResponse({"token": secret, "api_token": token_view(row, account)}, status_code=201)


async def list_tokens(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        query = (
            select(ApiToken, Account)
            .join(Account, col(Account.id) == col(ApiToken.account_id))
            .order_by(col(ApiToken.id))
        )
        rows = (await db.execute(query)).all()
    return JSONResponse({"api_tokens": [token_view(token, account) for token, account in rows]})


async def revoke(request: Request) -> JSONResponse:
    token_id = path_int(request, "token_id")
    svc = services(request)
    async with svc.db() as db:
        row = await db.get(ApiToken, token_id)
        if row is None:
            raise NotFound("token.unknown", f"There is no token {token_id}.")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            await db.commit()
            await db.refresh(row)
        account = await db.get(Account, row.account_id)
        assert account is not None  # a foreign key
    # Sockets opened with the token close, on every process, as after signing out (retried
    # when the broker fails it: the revocation is stored).
    await svc.hub.announce_stored(SESSION_ENDED, {"session": f"{TOKEN_PREFIX}{token_id}"})
    return JSONResponse({"api_token": token_view(row, account)})


routes = [
    route(
        "/api/tokens",
        issue,
        methods=["POST"],
        action="token.issue",
        body=IssueToken,
        responses={201: IssuedToken, 404: ErrorBody},  # 403 token.not_yours
        summary="Issue a bearer token",
    ),
    route(
        "/api/tokens",
        list_tokens,
        methods=["GET"],
        action="token.read",
        responses={200: TokenList},
        summary="The bearer tokens issued",
    ),
    route(
        "/api/tokens/{token_id}",
        revoke,
        methods=["DELETE"],
        action="token.revoke",
        path_params=TokenPath,
        responses={200: TokenEnvelope, 404: ErrorBody, 503: ErrorBody},
        summary="Revoke a bearer token (its websockets close)",
    ),
]
