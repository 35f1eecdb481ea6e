"""Service accounts: accounts that act only through API tokens (a data wall, an import job, a
moderation bot). Organisers make them from the console; they have no password, signing in as
them is refused, and an organiser may issue tokens for them (expo/tokens.py), as for oneself."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select
from starlette.requests import Request

from expo.accounts import display_name
from expo.http import JSONResponse, read_json, route, services
from expo.models import SERVICE_PASSWORD, Account, Role

# Roles a service account may have: exhibitor staff belong to an exhibitor and speakers to a
# programme, both people.
ServiceRole = Literal["attendee", "moderator", "organizer"]
SERVICE_ROLES = frozenset({Role.ATTENDEE, Role.MODERATOR, Role.ORGANIZER})  # the same, as roles
# Addresses that can never be anyone's (RFC 2606's .invalid): a service account has no mailbox.
SERVICE_DOMAIN = "service.shubo.invalid"


class NewServiceAccount(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    display_name: str = Field(min_length=1, max_length=80)
    role: ServiceRole = "attendee"


class ServiceAccountOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    display_name: str
    role: str
    service: Literal[True]
    created_at: datetime


class ServiceAccountEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: ServiceAccountOut


class ServiceAccountList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[ServiceAccountOut]


def service_view(account: Account) -> dict[str, object]:
    return {
        "id": account.id,
        "display_name": account.display_name,
        "role": account.role,
        "service": True,
        "created_at": account.created_at.isoformat(),
    }


async def create(request: Request) -> JSONResponse:
    form = await read_json(request, NewServiceAccount)
    name = display_name(form.display_name)
    account = Account(
        email=f"service-{secrets.token_hex(8)}@{SERVICE_DOMAIN}",
        password_hash=SERVICE_PASSWORD,
        display_name=name,
        role=Role(form.role),
        service=True,
    )
    async with services(request).db() as db:
        db.add(account)
        await db.commit()
        await db.refresh(account)
    return JSONResponse({"account": service_view(account)}, status_code=201)


async def list_accounts(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        query = select(Account).where(col(Account.service).is_(True)).order_by(col(Account.id))
        rows = (await db.execute(query)).scalars().all()
    return JSONResponse({"accounts": [service_view(a) for a in rows]})


routes = [
    route(
        "/api/service-accounts",
        create,
        methods=["POST"],
        action="service_account.create",
        body=NewServiceAccount,
        responses={201: ServiceAccountEnvelope},
        summary="Make a service account (no password; it acts through API tokens)",
    ),
    route(
        "/api/service-accounts",
        list_accounts,
        methods=["GET"],
        action="service_account.read",
        responses={200: ServiceAccountList},
        summary="The service accounts",
    ),
]
