"""People: organisers find accounts, change their roles, disable and enable them.

A change is stored first, then told to every process: a new name or role reaches the account's
open sockets (`ACCOUNT_CHANGED`), a disabled account's sockets close (`SESSION_ENDED` for the
whole account), both through the hub's stored-then-announced policy.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.requests import Request

from expo.account_links import new_link
from expo.account_rules import (
    check_assignment,
    check_keeps_an_organiser,
    like_pattern,
    normalize_email,
)
from expo.accounts import SESSION_ENDED
from expo.bilingual import ExhibitorRef
from expo.credentials import link_base
from expo.errors import BadRequest, Conflict, NotFound, from_validation
from expo.http import ErrorBody, JSONResponse, path_int, principal, read_json, route, services
from expo.models import Account, Exhibitor, LinkPurpose, Role, utcnow
from expo.realtime.gateway import ACCOUNT_CHANGED
from expo.service_accounts import SERVICE_ROLES

PER_PAGE = 25
MAX_PER_PAGE = 100


class PeopleQuery(BaseModel):
    q: str = Field(default="", max_length=100, description="Part of a name, email or organisation.")
    role: Role | None = Field(default=None, description="Only accounts with this role.")
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=PER_PAGE, ge=1, le=MAX_PER_PAGE)


class AccountPath(BaseModel):
    account_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


class AccountChange(BaseModel):
    """A new role (with the exhibitor for exhibitor staff), or disabling / enabling."""

    model_config = ConfigDict(extra="forbid", strict=True)

    role: Role | None = Field(default=None, strict=False)
    exhibitor_id: int | None = Field(default=None, gt=0, lt=2**31)
    disabled: bool | None = None
    email: str | None = Field(
        default=None,
        max_length=254,
        description="A new sign-in email, set at once (no confirmation link: with no mail server "
        "the person's own change cannot be confirmed, and they ask the organisers).",
    )


class PersonOut(BaseModel):
    """An account as organisers see it: with its email, never its password hash."""

    model_config = ConfigDict(extra="forbid")

    id: int
    email: str
    display_name: str
    organisation: str
    title: str
    role: Role
    exhibitor: ExhibitorRef | None
    language: str
    created_at: datetime
    disabled: bool


class PeoplePage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[PersonOut]
    total: int
    page: int
    per_page: int


class PersonEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: PersonOut


def person_view(account: Account, exhibitor: Exhibitor | None) -> dict[str, object]:
    return {
        "id": account.id,
        "email": account.email,
        "display_name": account.display_name,
        "organisation": account.organisation,
        "title": account.title,
        "role": account.role,
        "exhibitor": None
        if exhibitor is None
        else {"id": exhibitor.id, "name": {"zh": exhibitor.name_zh, "en": exhibitor.name_en}},
        "language": account.language,
        "created_at": account.created_at.isoformat(),
        "disabled": account.disabled_at is not None,
    }


def _query(request: Request) -> PeopleQuery:
    try:
        return PeopleQuery.model_validate(dict(request.query_params))
    except ValidationError as error:
        raise from_validation(error) from None


async def list_people(request: Request) -> JSONResponse:
    query = _query(request)
    found = select(Account, Exhibitor).outerjoin(
        Exhibitor,
        Exhibitor.id == Account.exhibitor_id,  # type: ignore[arg-type]
    )
    text = query.q.strip()
    if text:
        pattern = like_pattern(text)
        found = found.where(
            or_(
                col(Account.display_name).ilike(pattern, escape="\\"),
                col(Account.email).ilike(pattern, escape="\\"),
                col(Account.organisation).ilike(pattern, escape="\\"),
                col(Exhibitor.name_zh).ilike(pattern, escape="\\"),
                col(Exhibitor.name_en).ilike(pattern, escape="\\"),
            )
        )
    if query.role is not None:
        found = found.where(Account.role == query.role)
    async with services(request).read() as db:
        total = (await db.execute(select(func.count()).select_from(found.subquery()))).scalar_one()
        rows = (
            await db.execute(
                found.order_by(col(Account.id))
                .offset((query.page - 1) * query.per_page)
                .limit(query.per_page)
            )
        ).all()
    return JSONResponse(
        {
            "accounts": [person_view(a, e) for a, e in rows],
            "total": total,
            "page": query.page,
            "per_page": query.per_page,
        }
    )


async def locked_organisers(db: AsyncSession) -> list[int]:
    """The enabled organisers' ids, locked in id order (PostgreSQL; SQLite has one writer at a
    time): two organisers demoting each other at once cannot both pass the count, and the same
    order for everyone means no deadlock. The second, once the first commits, finds one
    organiser fewer. People only: a service account cannot sign in to the console, so it never
    counts as an organiser left."""
    found = await db.execute(
        select(Account.id)
        .where(Account.role == Role.ORGANIZER)
        .where(col(Account.disabled_at).is_(None))
        .where(col(Account.service).is_(False))
        .order_by(col(Account.id))
        .with_for_update()
    )
    return list(found.scalars().all())


async def change_person(request: Request) -> JSONResponse:
    account_id = path_int(request, "account_id")
    form = await read_json(request, AccountChange)
    who = principal(request)
    assert who is not None
    if form.role is None and form.disabled is None and form.email is None:
        raise BadRequest(message="Send a `role`, `disabled` or `email`.")
    email = normalize_email(form.email) if form.email is not None else None
    if form.role is None and form.exhibitor_id is not None:
        raise BadRequest("account.exhibitor", "An exhibitor goes with the role `exhibitor`.")
    svc = services(request)
    async with svc.db() as db:
        account = await db.get(Account, account_id)
        if account is None:
            raise NotFound("account.unknown", f"There is no account {account_id}.")
        organisers = await locked_organisers(db)
        await db.refresh(account)  # as it is now that the organisers are locked
        was = (account.role, account.exhibitor_id, account.display_name)
        role = form.role if form.role is not None else Role(account.role)
        exhibitor_id = form.exhibitor_id if form.role is not None else account.exhibitor_id
        check_assignment(role, exhibitor_id)
        if account.service and role not in SERVICE_ROLES:
            # Exhibitor staff belong to an exhibitor and speakers to a programme: both people.
            raise BadRequest(
                "account.service_role",
                "A service account is an attendee, a moderator or an organiser.",
            )
        exhibitor = await db.get(Exhibitor, exhibitor_id) if exhibitor_id is not None else None
        if exhibitor_id is not None and exhibitor is None:
            raise NotFound("exhibitor.unknown", f"There is no exhibitor {exhibitor_id}.")
        disabled = account.disabled_at is not None if form.disabled is None else form.disabled
        if disabled and account.id == who.account_id:
            raise BadRequest("account.not_self", "You cannot disable your own account.")
        check_keeps_an_organiser(
            was_organiser=account.id in organisers,
            stays=role is Role.ORGANIZER and not disabled,
            other_organisers=len([o for o in organisers if o != account.id]),
        )
        if email is not None and email != account.email:
            # As with a reset link: another organiser's seat is the operator's, a service
            # account has no mailbox.
            if account.service:
                raise BadRequest("account.service", "A service account has no email.")
            if Role(account.role) is Role.ORGANIZER:
                raise BadRequest(
                    "account.organiser", "An organiser's email is changed by the operator."
                )
            taken = (await db.execute(select(Account.id).where(Account.email == email))).first()
            if taken is not None:
                raise Conflict("account.email_taken", "An account with this email exists.")
            account.email = email
        newly_disabled = disabled and account.disabled_at is None
        account.role, account.exhibitor_id = role, exhibitor_id
        if newly_disabled:
            account.disabled_at = utcnow()
        elif not disabled:
            account.disabled_at = None
        try:
            await db.commit()
        except IntegrityError:  # the new email was taken between the look and the write
            raise Conflict("account.email_taken", "An account with this email exists.") from None
        await db.refresh(account)
    if newly_disabled:
        # Its sessions end (re-enabling revives none) and its sockets close on every process.
        await svc.sessions.revoke_account(account_id)
        await svc.hub.announce_stored(SESSION_ENDED, {"account": account_id})
    elif (account.role, account.exhibitor_id, account.display_name) != was:
        await svc.hub.announce_stored(ACCOUNT_CHANGED, {"account": account_id})
    return JSONResponse({"account": person_view(account, exhibitor)})


class ResetLink(BaseModel):
    """A password reset link for an organiser to hand over (shown once; only its hash is kept)."""

    model_config = ConfigDict(extra="forbid")

    link: str
    expires_in_minutes: float


async def make_reset_link(request: Request) -> JSONResponse:
    """The forgotten-password form sends a link by email; with no mail server it tells people to
    ask the organisers, who make the same link here and hand it over once they know it is them.
    Not for oneself (the profile changes one's password), a service account (it has none) nor
    another organiser (their seat is handed over by the operator: `expo admin reset-link`)."""
    account_id = path_int(request, "account_id")
    who = principal(request)
    assert who is not None
    svc = services(request)
    minutes = svc.settings.account_link_minutes
    async with svc.db() as db:
        account = await db.get(Account, account_id)
        if account is None:
            raise NotFound("account.unknown", f"There is no account {account_id}.")
        if account.id == who.account_id:
            raise BadRequest("account.not_self", "Change your own password on your profile.")
        if account.service:
            raise BadRequest("account.service", "A service account has no password.")
        if account.role == Role.ORGANIZER:
            raise BadRequest(
                "account.organiser",
                "Another organiser's reset link comes from the operator: expo admin reset-link.",
            )
        token, row = new_link(account, LinkPurpose.PASSWORD_RESET, account.email, minutes)
        db.add(row)
        await db.commit()
    link = f"{link_base(request)}/#/reset/{token}"
    return JSONResponse({"link": link, "expires_in_minutes": minutes}, status_code=201)


routes = [
    route(
        "/api/accounts",
        list_people,
        methods=["GET"],
        action="account.read",
        query=PeopleQuery,
        responses={200: PeoplePage},
        summary="Find accounts (by name, email, organisation or exhibitor), a page at a time",
    ),
    route(
        "/api/accounts/{account_id}",
        change_person,
        methods=["PATCH"],
        action="account.manage",
        path_params=AccountPath,
        body=AccountChange,
        responses={200: PersonEnvelope, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody},
        summary="Change an account's role or email, or disable or enable it",
    ),
    route(
        "/api/accounts/{account_id}/reset-link",
        make_reset_link,
        methods=["POST"],
        action="account.manage",
        path_params=AccountPath,
        responses={201: ResetLink, 400: ErrorBody, 404: ErrorBody},
        summary="Make a password reset link for someone to hand over (shown once)",
    ),
]
