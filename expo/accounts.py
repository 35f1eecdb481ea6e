"""Signing in and out with the session cookie. Registration and roles grow here (issue 3)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlmodel import select
from starlette.requests import Request
from starlette.routing import Route

from expo.errors import Unauthorized
from expo.http import JSONResponse, read_json, services
from expo.models import Account, AccountPublic
from expo.security import SESSION_COOKIE, SESSION_MAX_AGE, Principal, verify_password


class SignIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


def principal_of(account: Account) -> Principal:
    assert account.id is not None
    return Principal(account.id, account.role, account.display_name, account.exhibitor_id)


def account_view(account: Account) -> dict[str, object]:
    return AccountPublic.model_validate(account, from_attributes=True).model_dump(mode="json")


async def sign_in(request: Request) -> JSONResponse:
    form = await read_json(request, SignIn)
    svc = services(request)
    async with svc.read() as db:
        account = (
            (await db.execute(select(Account).where(Account.email == form.email.strip().lower())))
            .scalars()
            .first()
        )
    if account is None or not verify_password(account.password_hash, form.password):
        raise Unauthorized("account.bad_credentials", "Wrong email or password.")
    response = JSONResponse({"account": account_view(account)})
    response.set_cookie(
        SESSION_COOKIE,
        svc.signer.dumps(principal_of(account)),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def sign_out(request: Request) -> JSONResponse:
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def me(request: Request) -> JSONResponse:
    svc = services(request)
    principal = svc.signer.from_cookie_header(request.headers.get("cookie"))
    if principal is None:
        raise Unauthorized(message="Not signed in.")
    async with svc.read() as db:
        account = await db.get(Account, principal.account_id)
    if account is None:
        raise Unauthorized(message="Not signed in.")
    return JSONResponse({"account": account_view(account)})


routes = [
    Route("/api/session", sign_in, methods=["POST"]),
    Route("/api/session", sign_out, methods=["DELETE"]),
    Route("/api/me", me, methods=["GET"]),
]
