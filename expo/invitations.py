"""Invitations: organisers invite exhibitor staff, speakers, moderators and fellow organisers.

The organiser sees the link at once and, when SMTP is configured, the invitee gets it by email.
Whoever holds the link may accept: a new account is made with the role, or, for an address that
has an account already, that account (signed in) takes the role.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select, update
from starlette.requests import Request

from expo.account_rules import check_keeps_an_organiser, check_password, normalize_email
from expo.accounts import AccountEnvelope, Language, account_view, display_name, signed_in
from expo.bilingual import Names
from expo.errors import (
    BadRequest,
    Conflict,
    ExpoError,
    Forbidden,
    NotFound,
    Unauthorized,
    Unavailable,
    from_validation,
)
from expo.http import (
    ErrorBody,
    JSONResponse,
    client_address,
    path_int,
    principal,
    read_json,
    route,
    services,
)
from expo.invitation_rules import MAX_ROWS, Row, State, check_rows, read_rows, state_of
from expo.mail import send_mail
from expo.models import Account, Exhibitor, Invitation, Role, utcnow
from expo.people import locked_organisers
from expo.ratelimit import charge, enforce
from expo.realtime.gateway import ACCOUNT_CHANGED
from expo.sessions import token_hash

log = logging.getLogger("expo.invitations")

VALID_FOR = timedelta(days=7)
MAIL_AT_ONCE = 8  # mails of one bulk invitation in flight at once
# Invitations listed at once (GET /api/invitations): bulk pastes of MAX_ROWS add up.
INVITATIONS_PAGE = 200
INVITABLE = {Role.EXHIBITOR, Role.SPEAKER, Role.MODERATOR, Role.ORGANIZER}
ROLE_NAMES = {
    Role.EXHIBITOR: ("参展商工作人员", "exhibitor staff"),
    Role.SPEAKER: ("演讲嘉宾", "speaker"),
    Role.MODERATOR: ("主持人", "moderator"),
    Role.ORGANIZER: ("主办方", "organiser"),
}


class Invite(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    email: str = Field(max_length=254)
    # Strict models take enums only as instances; JSON brings their values.
    role: Role = Field(strict=False)
    exhibitor_id: int | None = Field(default=None, gt=0, lt=2**31)


class OpenLink(BaseModel):
    """The link's token travels in bodies, never in a URL that access logs keep."""

    model_config = ConfigDict(extra="forbid", strict=True)

    token: str = Field(min_length=16, max_length=64)


class Accept(OpenLink):
    # For a new account; an existing account accepts signed in, with only the token.
    display_name: str | None = Field(default=None, max_length=80)
    password: str | None = Field(default=None, max_length=256)
    language: Language = "zh-CN"


class InvitationOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    email: str
    role: Role
    exhibitor_id: int | None
    created_at: datetime
    expires_at: datetime
    accepted: bool
    state: State
    display_name: str = Field(description="The name the organiser suggested, if any.")
    language: str = Field(description="`zh-CN`, `en`, or empty: the language suggested.")


class InvitationCreated(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invitation: InvitationOut
    link: str = Field(description="Give it to the invitee; whoever holds it may accept.")
    emailed: bool


class InvitationList(BaseModel):
    """The newest `limit` invitations (before `before`), oldest of them first."""

    model_config = ConfigDict(extra="forbid")

    invitations: list[InvitationOut]
    next_before: int | None = Field(
        description="Pass as `before` for the older ones; null when there are none."
    )


class InvitationsQuery(BaseModel):
    limit: int = Field(default=INVITATIONS_PAGE, ge=1, le=INVITATIONS_PAGE)
    before: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Only invitations with a smaller id."
    )


class ExhibitorName(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Names


class InvitationOffer(InvitationOut):
    has_account: bool = Field(description="Accept signed in as that account, with `{}`.")
    exhibitor: ExhibitorName | None


class OfferEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invitation: InvitationOffer


class InvitationPath(BaseModel):
    invitation_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


class InvitationEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invitation: InvitationOut


class BulkInvite(BaseModel):
    """Rows of `email, role, exhibitor[, display name[, language]]` (commas or tabs; a first
    line naming the columns is skipped); the exhibitor by id or by name in either language."""

    model_config = ConfigDict(extra="forbid", strict=True)

    csv: str = Field(min_length=1, max_length=60_000)
    confirm: bool = Field(
        default=False, description="False: only check the rows. True: invite the valid ones."
    )


class BulkRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: int
    email: str
    role: Role | None
    exhibitor_id: int | None
    display_name: str
    language: str
    errors: list[str] = Field(description="Codes: `invitation.bad_email`, `exhibitor.unknown`...")
    created: InvitationCreated | None = Field(description="With `confirm`, for a valid row.")


class BulkResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[BulkRow]
    valid: int
    invalid: int
    created: int


def invitation_view(row: Invitation) -> dict[str, object]:
    return {
        "id": row.id,
        "email": row.email,
        "role": row.role,
        "exhibitor_id": row.exhibitor_id,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat(),
        "accepted": row.accepted_at is not None,
        "state": state_of(
            accepted_at=row.accepted_at,
            revoked_at=row.revoked_at,
            expires_at=row.expires_at,
            now=utcnow(),
        ),
        "display_name": row.display_name,
        "language": row.language,
    }


def invitation_text(link: str, role: Role, exhibitor: Exhibitor | None) -> tuple[str, str]:
    zh, en = ROLE_NAMES[role]
    at_zh = f"（{exhibitor.name_zh}）" if exhibitor else ""
    at_en = f" of {exhibitor.name_en}" if exhibitor else ""
    subject = f"数博会线上展邀请您成为{zh} · Your invitation to the Big Data Expo online"
    body = (
        f"您好！\n\n数博会线上展邀请您以{zh}{at_zh}的身份加入。请在 7 天内打开以下链接接受邀请：\n"
        f"{link}\n\n"
        f"Hello,\n\nYou are invited to join the Big Data Expo online as {en}{at_en}. "
        f"Open this link within 7 days to accept:\n{link}\n"
    )
    return subject, body


async def create(request: Request) -> JSONResponse:
    form = await read_json(request, Invite)
    who = principal(request)
    assert who is not None
    if form.role not in INVITABLE:
        raise BadRequest(
            "invitation.bad_role", "Attendees register themselves; invite other roles."
        )
    if (form.role is Role.EXHIBITOR) != (form.exhibitor_id is not None):
        raise BadRequest(
            "invitation.exhibitor", "Exhibitor staff, and only they, need an exhibitor."
        )
    email = normalize_email(form.email)
    svc = services(request)
    async with svc.db() as db:
        exhibitor = await db.get(Exhibitor, form.exhibitor_id) if form.exhibitor_id else None
        if form.exhibitor_id and exhibitor is None:
            raise NotFound("exhibitor.unknown", f"There is no exhibitor {form.exhibitor_id}.")
        row = Invitation(
            token_hash="",
            email=email,
            role=form.role,
            exhibitor_id=form.exhibitor_id,
            invited_by=who.account_id,
            expires_at=utcnow() + VALID_FOR,
        )
        token = _new_token(row)
        db.add(row)
        await db.commit()
        await db.refresh(row)
    return JSONResponse(await _sent(request, row, token, exhibitor), status_code=201)


def _new_token(row: Invitation) -> str:
    """A fresh link for `row` (any older one stops working): the token, shown once."""
    token = secrets.token_urlsafe(24)
    row.token_hash = token_hash(token)
    row.expires_at = utcnow() + VALID_FOR
    return token


async def _sent(
    request: Request, row: Invitation, token: str, exhibitor: Exhibitor | None
) -> dict[str, object]:
    """The link for the organiser, emailed to the invitee when SMTP is configured: the
    invitation as made, its link and whether the mail went."""
    svc = services(request)
    base = svc.settings.public_url or str(request.base_url).rstrip("/")
    link = f"{base}/#/invite/{token}"
    emailed = False
    if svc.settings.smtp_url:
        subject, body = invitation_text(link, Role(row.role), exhibitor)
        try:
            await send_mail(svc.settings.smtp_url, svc.settings.mail_from, row.email, subject, body)
            emailed = True
        except Unavailable as error:
            # The invitation exists: the organiser still gets the link, and sees it was not sent.
            log.warning("invitation not emailed", extra={"invitation": row.id, "error": str(error)})
    return {"invitation": invitation_view(row), "link": link, "emailed": emailed}


async def resend(request: Request) -> JSONResponse:
    """A new link (the old one stops working) valid for VALID_FOR from now, emailed again."""
    invitation_id = path_int(request, "invitation_id")
    async with services(request).db() as db:
        row = await _pending(db, invitation_id)
        token = _new_token(row)
        await db.commit()
        await db.refresh(row)
        exhibitor = await db.get(Exhibitor, row.exhibitor_id) if row.exhibitor_id else None
    return JSONResponse(await _sent(request, row, token, exhibitor))


async def revoke(request: Request) -> JSONResponse:
    """Take an invitation back: its link stops working (revoking twice is fine)."""
    invitation_id = path_int(request, "invitation_id")
    async with services(request).db() as db:
        row = await db.get(Invitation, invitation_id)
        if row is None:
            raise NotFound("invitation.unknown", f"There is no invitation {invitation_id}.")
        if row.accepted_at is not None:
            raise Conflict("invitation.used", "This invitation has been accepted already.")
        if row.revoked_at is None:
            # Only while nobody has accepted it: an accept may be committing right now.
            revoked = await db.execute(
                update(Invitation)
                .where(col(Invitation.id) == row.id, col(Invitation.accepted_at).is_(None))
                .values(revoked_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            await db.commit()
            await db.refresh(row)
            if revoked.rowcount != 1 and row.accepted_at is not None:  # type: ignore[attr-defined]
                raise Conflict("invitation.used", "This invitation has been accepted already.")
    return JSONResponse({"invitation": invitation_view(row)})


async def _pending(db: AsyncSession, invitation_id: int) -> Invitation:
    row = await db.get(Invitation, invitation_id)
    if row is None:
        raise NotFound("invitation.unknown", f"There is no invitation {invitation_id}.")
    if row.accepted_at is not None:
        raise Conflict("invitation.used", "This invitation has been accepted already.")
    if row.revoked_at is not None:
        raise Conflict("invitation.revoked", "This invitation was revoked; invite again.")
    return row


async def bulk(request: Request) -> JSONResponse:
    """Check pasted rows (each told its errors) and, with `confirm`, invite the valid ones
    (checked again: the preview may be stale). At most MAX_ROWS rows."""
    form = await read_json(request, BulkInvite)
    who = principal(request)
    assert who is not None
    rows = read_rows(form.csv)
    emails = {r.email for r in rows}
    now = utcnow()
    svc = services(request)
    async with svc.db() as db:
        exhibitors = (await db.execute(select(Exhibitor))).scalars().all()
        with_account = set(
            (await db.execute(select(Account.email).where(col(Account.email).in_(emails))))
            .scalars()
            .all()
        )
        invited = set(
            (
                await db.execute(
                    select(Invitation.email)
                    .where(col(Invitation.email).in_(emails))
                    .where(col(Invitation.accepted_at).is_(None))
                    .where(col(Invitation.revoked_at).is_(None))
                    .where(col(Invitation.expires_at) > now)
                )
            )
            .scalars()
            .all()
        )
        by_key: dict[str, int] = {}
        for exhibitor in exhibitors:
            assert exhibitor.id is not None
            for key in (str(exhibitor.id), exhibitor.name_zh.lower(), exhibitor.name_en.lower()):
                by_key[key] = exhibitor.id
        check_rows(rows, exhibitors=by_key, with_account=with_account, invited=invited)
        made: list[tuple[Row, Invitation, str]] = []
        if form.confirm:
            for row in rows:
                if not row.valid:
                    continue
                assert row.role_value is not None
                invitation = Invitation(
                    token_hash="",
                    email=row.email,
                    role=row.role_value,
                    exhibitor_id=row.exhibitor_id,
                    invited_by=who.account_id,
                    expires_at=now,
                    display_name=row.display_name,
                    language=row.language,
                )
                made.append((row, invitation, _new_token(invitation)))
                db.add(invitation)
            await db.commit()
            for _row, invitation, _token in made:
                await db.refresh(invitation)
    names = {e.id: e for e in exhibitors}
    mailing = asyncio.Semaphore(MAIL_AT_ONCE)

    async def mailed(invitation: Invitation, token: str) -> dict[str, object]:
        # A few at a time: 500 mails one after another could outlast the request.
        async with mailing:
            return await _sent(request, invitation, token, names.get(invitation.exhibitor_id or 0))

    outcomes = await asyncio.gather(*(mailed(invitation, token) for _r, invitation, token in made))
    sent = {row.line: outcome for (row, _i, _t), outcome in zip(made, outcomes, strict=True)}
    valid = sum(r.valid for r in rows)
    return JSONResponse(
        {
            "rows": [
                {
                    "line": r.line,
                    "email": r.email,
                    "role": r.role_value,
                    "exhibitor_id": r.exhibitor_id,
                    "display_name": r.display_name,
                    "language": r.language,
                    "errors": r.errors,
                    "created": sent.get(r.line),
                }
                for r in rows
            ],
            "valid": valid,
            "invalid": len(rows) - valid,
            "created": len(made),
        },
        status_code=201 if made else 200,
    )


async def list_invitations(request: Request) -> JSONResponse:
    try:
        query = InvitationsQuery.model_validate(dict(request.query_params))
    except ValidationError as error:
        raise from_validation(error) from None
    found = select(Invitation).order_by(col(Invitation.id).desc()).limit(query.limit + 1)
    if query.before is not None:
        found = found.where(col(Invitation.id) < query.before)
    async with services(request).read() as db:
        rows = list((await db.execute(found)).scalars().all())
    # One more than the page was read: whether older ones remain.
    more = len(rows) > query.limit
    page = rows[: query.limit][::-1]
    return JSONResponse(
        {
            "invitations": [invitation_view(r) for r in page],
            "next_before": page[0].id if more else None,
        }
    )


async def _open_invitation(token: str, db: AsyncSession) -> Invitation:
    row = (
        (await db.execute(select(Invitation).where(Invitation.token_hash == token_hash(token))))
        .scalars()
        .first()
    )
    if row is None:
        raise NotFound("invitation.unknown", "This invitation link is not valid.")
    if row.accepted_at is not None:
        raise Conflict("invitation.used", "This invitation has been accepted already.")
    if row.revoked_at is not None:
        raise ExpoError(
            "invitation.revoked", "This invitation was taken back; ask for a new one.", status=410
        )
    if row.expires_at <= utcnow():
        raise ExpoError(
            "invitation.expired", "This invitation has expired; ask for a new one.", status=410
        )
    return row


async def view(request: Request) -> JSONResponse:
    """What the link offers, for the page that accepts it."""
    form = await read_json(request, OpenLink)
    async with services(request).read() as db:
        row = await _open_invitation(form.token, db)
        exhibitor = await db.get(Exhibitor, row.exhibitor_id) if row.exhibitor_id else None
        has_account = (
            await db.execute(select(Account.id).where(Account.email == row.email))
        ).first() is not None
    body = invitation_view(row) | {
        "has_account": has_account,
        "exhibitor": None
        if not exhibitor
        else {"name": {"zh": exhibitor.name_zh, "en": exhibitor.name_en}},
    }
    return JSONResponse({"invitation": body})


async def accept(request: Request) -> JSONResponse:
    """Accept with the link's token, as a new account or as the invited one, signed in.

    The address's `sign_in` budget (shared with signing in: a guesser cannot alternate) is
    spent by an acceptance and by a token that is no invitation's (a guess, told apart by its
    404), never by a refusal of the form: a weak password or a blank name is a typo, told what
    to fix. Looked at first, spent afterwards, as at registering (expo/accounts.py).
    """
    form = await read_json(request, Accept)
    svc = services(request)
    key, rate = f"sign_in:{client_address(request)}", svc.settings.rate_limits["sign_in"]
    await enforce(svc.limiter, key, rate, "requests", spend=False)
    try:
        response = await _accept(request, form)
    except NotFound:
        await charge(svc.limiter, key, rate)
        raise
    await charge(svc.limiter, key, rate)
    return response


async def _accept(request: Request, form: Accept) -> JSONResponse:
    who = principal(request)
    svc = services(request)
    async with svc.db() as db:
        row = await _open_invitation(form.token, db)
        account = (
            (await db.execute(select(Account).where(Account.email == row.email))).scalars().first()
        )
        if account is not None:
            if who is None:
                raise Unauthorized(
                    "invitation.sign_in_first", "Sign in with the invited address to accept."
                )
            if who.account_id != account.id:
                raise Forbidden(
                    "invitation.other_account", "This invitation is for another address."
                )
            if account.role == Role.ORGANIZER and row.role != Role.ORGANIZER:
                # Accepting is a role change like the People tab's: the last organiser cannot
                # step down by it either.
                organisers = await locked_organisers(db)
                await db.refresh(account)  # as it is now that the organisers are locked
                check_keeps_an_organiser(
                    was_organiser=account.id in organisers,
                    stays=False,
                    other_organisers=len([o for o in organisers if o != account.id]),
                )
        else:
            if form.display_name is None or form.password is None:
                raise BadRequest(
                    "invitation.account_needed",
                    "Choose a display name and a password for the new account.",
                )
            name = display_name(form.display_name)
            check_password(form.password, email=row.email, display_name=name)
            account = Account(
                email=row.email,
                display_name=name,
                language=form.language,
                password_hash=await svc.passwords.hash(form.password),
            )
            db.add(account)
        account.role, account.exhibitor_id = row.role, row.exhibitor_id
        try:
            await db.flush()
            # Claimed by a conditional UPDATE, not from what was read above: a revoke, a resend
            # or another accept may have landed while the password was hashed (PostgreSQL;
            # SQLite's writers are serialised), and then this accept must not happen.
            now = utcnow()
            claimed = await db.execute(
                update(Invitation)
                .where(
                    col(Invitation.id) == row.id,
                    col(Invitation.token_hash) == row.token_hash,
                    col(Invitation.accepted_at).is_(None),
                    col(Invitation.revoked_at).is_(None),
                    col(Invitation.expires_at) > now,
                )
                .values(accepted_at=now, account_id=account.id)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                await db.rollback()
                await _open_invitation(form.token, db)  # says why: revoked, resent, used...
                raise Conflict("invitation.used", "This invitation has been accepted already.")
            await db.commit()
        except IntegrityError:  # a second accept (a double click) created the account first
            raise Conflict(
                "invitation.used", "This invitation has been accepted already."
            ) from None
        await db.refresh(account)
    if who is not None and who.account_id == account.id:
        # The account's open sockets take the new role now, on every process.
        await svc.hub.announce_stored(ACCOUNT_CHANGED, {"account": account.id})
        return JSONResponse({"account": account_view(account)})
    # A new account: whoever accepted is now signed in as it (in place of any other session).
    return await signed_in(request, account)


GONE = {404: ErrorBody, 409: ErrorBody, 410: ErrorBody}  # unknown, used, expired/revoked links

routes = [
    route(
        "/api/invitations",
        create,
        methods=["POST"],
        action="invitation.create",
        body=Invite,
        responses={201: InvitationCreated, 404: ErrorBody, 503: ErrorBody},
        summary="Invite someone to a role (emailed when SMTP is configured)",
    ),
    route(
        "/api/invitations",
        list_invitations,
        methods=["GET"],
        action="invitation.read",
        query=InvitationsQuery,
        responses={200: InvitationList},
        summary="The invitations made, a page at a time (the newest page first)",
    ),
    route(
        "/api/invitations/bulk",
        bulk,
        methods=["POST"],
        action="invitation.create",
        body=BulkInvite,
        responses={200: BulkResult, 201: BulkResult, 503: ErrorBody},
        summary=f"Check, then invite, up to {MAX_ROWS} people pasted as CSV",
    ),
    route(
        "/api/invitations/{invitation_id}/resend",
        resend,
        methods=["POST"],
        action="invitation.manage",
        path_params=InvitationPath,
        responses={200: InvitationCreated, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody},
        summary="Send an invitation again, with a new link (the old one stops working)",
    ),
    route(
        "/api/invitations/{invitation_id}",
        revoke,
        methods=["DELETE"],
        action="invitation.manage",
        path_params=InvitationPath,
        responses={200: InvitationEnvelope, 404: ErrorBody, 409: ErrorBody},
        summary="Revoke an invitation (its link stops working)",
    ),
    route(
        "/api/invitations/open",
        view,
        methods=["POST"],
        action="invitation.view",
        body=OpenLink,
        responses={200: OfferEnvelope, **GONE},
        summary="What an invitation link offers",
    ),
    route(
        "/api/invitations/accept",
        accept,
        methods=["POST"],
        action="invitation.accept",
        # The `sign_in` budget is spent by the handler, on what it is for (see `accept`).
        body=Accept,
        responses={200: AccountEnvelope, **GONE, 429: ErrorBody},
        summary="Accept an invitation",
    ),
]
