"""Signing in and out. Registration, invitations and tokens grow here."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlmodel import select
from starlette.requests import Request

from expo.errors import Unauthorized
from expo.http import JSONResponse, principal, read_json, route, services
from expo.models import Account, AccountPublic
from expo.security import SESSION_COOKIE, SESSION_MAX_AGE, verify_password

SESSION_ENDED = "session.ended"


class SignIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


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
    cookie, _who = await svc.sessions.open(account)
    response = JSONResponse({"account": account_view(account)})
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
    if who is not None and who.session_id is not None:
        await svc.sessions.revoke(who.session_id)
        await svc.hub.announce(SESSION_ENDED, {"session": who.session_id})
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def me(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None  # the permission table lets only the signed-in here
    async with services(request).read() as db:
        account = await db.get(Account, who.account_id)
    if account is None:
        raise Unauthorized(message="Not signed in.")
    return JSONResponse({"account": account_view(account)})


routes = [
    route("/api/session", sign_in, methods=["POST"], action="session.create"),
    route("/api/session", sign_out, methods=["DELETE"], action="session.delete"),
    route("/api/me", me, methods=["GET"], action="account.read_self"),
]
