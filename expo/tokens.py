"""Bearer tokens for API clients: organisers issue and revoke them; each acts as one account."""

from __future__ import annotations

import secrets
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select
from starlette.requests import Request

from expo.accounts import SESSION_ENDED
from expo.errors import NotFound
from expo.http import ErrorBody, JSONResponse, path_int, principal, read_json, route, services
from expo.models import Account, ApiToken, utcnow
from expo.sessions import TOKEN_PREFIX, token_hash


class IssueToken(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=80)
    # The account the token acts as; the issuing organiser's own when left out.
    account_id: int | None = Field(default=None, gt=0, lt=2**31)


class ApiTokenOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    account_id: int
    issued_by: int
    created_at: datetime
    revoked: bool


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


def token_view(row: ApiToken) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "account_id": row.account_id,
        "issued_by": row.issued_by,
        "created_at": row.created_at.isoformat(),
        "revoked": row.revoked_at is not None,
    }


async def issue(request: Request) -> JSONResponse:
    form = await read_json(request, IssueToken)
    who = principal(request)
    assert who is not None
    secret = "expo_" + secrets.token_urlsafe(32)
    async with services(request).db() as db:
        account_id = form.account_id or who.account_id
        if await db.get(Account, account_id) is None:
            raise NotFound("account.unknown", f"There is no account {account_id}.")
        row = ApiToken(
            token_hash=token_hash(secret),
            name=form.name.strip(),
            account_id=account_id,
            issued_by=who.account_id,
        )
        db.add(row)
        await db.commit()
        await db.refresh(row)
    # The secret is shown once, here; only its hash is kept.
    return JSONResponse({"token": secret, "api_token": token_view(row)}, status_code=201)


async def list_tokens(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        rows = (await db.execute(select(ApiToken).order_by(col(ApiToken.id)))).scalars().all()
    return JSONResponse({"api_tokens": [token_view(r) for r in rows]})


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
    # Sockets opened with the token close, on every process, as after signing out (retried
    # when the broker fails it: the revocation is stored).
    await svc.hub.announce_stored(SESSION_ENDED, {"session": f"{TOKEN_PREFIX}{token_id}"})
    return JSONResponse({"api_token": token_view(row)})


routes = [
    route(
        "/api/tokens",
        issue,
        methods=["POST"],
        action="token.issue",
        body=IssueToken,
        responses={201: IssuedToken, 404: ErrorBody},
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
