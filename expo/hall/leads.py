"""Leave my card, and the booth's leads: the visitor's consent, the staff's list, notes, tags and
the CSV export.

A visitor who consents shares exactly `SHARED_FIELDS` of their account with that exhibitor; the
lead is a snapshot of them at consent time. Leaving the card again (idempotent) keeps the one
lead and refreshes its snapshot and consent time to what the dialog showed this time (the
source, the staff's notes and tags stay). Withdrawing deletes the lead, and the activity row
that counted it, in one transaction: it is gone from every list, export and count at once.

Events to `booth-staff:<id>` (`booth.lead_added`, `booth.lead_updated`, `booth.lead_withdrawn`)
carry the lead's id and version only, never what the visitor shared: the broker's replay log
then keeps no personal data after a withdrawal; the staff's pages fetch the rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response

from expo.bilingual import ExhibitorRef
from expo.errors import BadRequest, Conflict, NotFound
from expo.hall.access import STAFF_OF_BOOTH, booth_of_path, unknown_exhibitor
from expo.hall.booth_standing import refuse_banned
from expo.hall.leads_rules import (
    CONSENT_VERSION,
    CSV_HEADER,
    SHARED_FIELDS,
    Source,
    card_snapshot,
    clean_notes,
    clean_tags,
    csv_row,
    local_time,
    require_consent,
    source_of,
)
from expo.hall.leads_store import (
    LeadFilter,
    all_leads,
    cards_of,
    lead_of_booth,
    lead_of_visitor,
    list_leads,
    withdraw,
)
from expo.hall.models import ActivityKind, BoothActivity, Lead
from expo.hall.topics import staff_topic
from expo.http import (
    ErrorBody,
    JSONResponse,
    Raw,
    path_int,
    principal,
    query_int,
    read_json,
    route,
    services,
)
from expo.models import Account, Exhibitor, utcnow
from expo.permissions import SIGNED_IN
from expo.security import Principal
from expo.services import Services
from expo.spreadsheet import csv_response

LEAD_ADDED = "booth.lead_added"
LEAD_UPDATED = "booth.lead_updated"
LEAD_WITHDRAWN = "booth.lead_withdrawn"
CARD_CHANGED = "card.changed"  # to the visitor's own `account:<id>` (their other tabs)
MAX_PER_PAGE = 200


class LeaveCard(BaseModel):
    """`consent` must be the literal true (checked by the rule, for its own error code)."""

    model_config = ConfigDict(extra="forbid")

    consent: Any = None
    source: Any = None


class LeadEdit(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    notes: str | None = Field(default=None, max_length=8000)
    tags: list[str] | None = Field(default=None, max_length=50)
    version: int | None = Field(default=None, ge=1, lt=2**31)


def shared_view(lead: Lead) -> dict[str, str]:
    return {name: getattr(lead, name) for name in SHARED_FIELDS}


def lead_view(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.id,
        "account_id": lead.account_id,
        "source": lead.source,
        **shared_view(lead),
        "consent_version": lead.consent_version,
        "consented_at": lead.consented_at.isoformat(),
        "notes": lead.notes,
        "tags": list(lead.tags),
        "version": lead.version,
    }


def exhibitor_names(exhibitor: Exhibitor) -> dict[str, Any]:
    return {"id": exhibitor.id, "name": {"zh": exhibitor.name_zh, "en": exhibitor.name_en}}


def account_topic(account_id: int) -> str:
    return f"account:{account_id}"


def visitor(request: Request) -> Principal:
    who = principal(request)
    assert who is not None  # SIGNED_IN
    return who


async def leave_card(request: Request) -> JSONResponse:
    who = visitor(request)
    exhibitor_id = path_int(request, "exhibitor_id")
    body = await read_json(request, LeaveCard)
    require_consent(body.consent)
    source = source_of(body.source)
    if who.exhibitor_id == exhibitor_id:
        raise BadRequest("lead.own_booth", "Staff do not leave their card at their own booth.")
    svc = services(request)
    await refuse_banned(svc, who, exhibitor_id)  # banned from the booth: no card there either
    try:
        lead, created = await store_card(svc, exhibitor_id, who.account_id, source)
    except IntegrityError:
        # Two first cards at once: the loser finds the winner's lead and refreshes it.
        lead, created = await store_card(svc, exhibitor_id, who.account_id, source)
    view = lead_view(lead)
    await svc.hub.publish_stored(
        [
            (
                staff_topic(exhibitor_id),
                LEAD_ADDED if created else LEAD_UPDATED,
                {"id": lead.id, "version": lead.version},
            ),
            (account_topic(who.account_id), CARD_CHANGED, {"exhibitor": exhibitor_id}),
        ]
    )
    return JSONResponse(
        {
            "created": created,
            "card": card_view(lead),
            "lead_id": view["id"],
        },
        status_code=201 if created else 200,
    )


async def store_card(
    svc: Services, exhibitor_id: int, account_id: int, source: Source
) -> tuple[Lead, bool]:
    """The visitor's card, stored: a new lead (and its activity row), or the one they left
    before with its snapshot and consent refreshed. Whether it is new."""
    async with svc.db() as db:
        if await db.get(Exhibitor, exhibitor_id) is None:
            raise unknown_exhibitor(exhibitor_id)
        account = await db.get(Account, account_id)
        if account is None:
            raise NotFound("account.unknown", "Your account is gone.")
        now = utcnow()
        lead = await lead_of_visitor(db, exhibitor_id, account_id, lock=True)
        created = lead is None
        if lead is None:
            lead = Lead(
                exhibitor_id=exhibitor_id,
                account_id=account_id,
                source=source,
                name=account.display_name,
                email=account.email,
                consent_version=CONSENT_VERSION,
                consented_at=now,
            )
            db.add(lead)
            # Counted in the same transaction as the act (the dashboard, the hall report).
            db.add(
                BoothActivity(
                    exhibitor_id=exhibitor_id,
                    kind=ActivityKind.LEAD,
                    account_id=account_id,
                    at=now,
                )
            )
        else:
            lead.consent_version = CONSENT_VERSION
            lead.consented_at = now
            lead.version += 1
        shared = card_snapshot(
            account.display_name, account.organisation, account.title, account.email
        )
        for name, value in shared.items():
            setattr(lead, name, value)
        await db.commit()
        await db.refresh(lead)
    return lead, created


def card_view(lead: Lead) -> dict[str, Any]:
    return {
        "shared": shared_view(lead),
        "source": lead.source,
        "consent_version": lead.consent_version,
        "consented_at": lead.consented_at.isoformat(),
    }


async def withdraw_card(request: Request) -> JSONResponse:
    who = visitor(request)
    exhibitor_id = path_int(request, "exhibitor_id")
    svc = services(request)
    async with svc.db() as db:
        if await db.get(Exhibitor, exhibitor_id) is None:
            raise unknown_exhibitor(exhibitor_id)
        lead = await lead_of_visitor(db, exhibitor_id, who.account_id)
        if lead is None:
            return JSONResponse({"withdrawn": False})
        lead_id = lead.id
        await withdraw(db, lead)
        await db.commit()
    await svc.hub.publish_stored(
        [
            (staff_topic(exhibitor_id), LEAD_WITHDRAWN, {"id": lead_id}),
            (account_topic(who.account_id), CARD_CHANGED, {"exhibitor": exhibitor_id}),
        ]
    )
    return JSONResponse({"withdrawn": True})


async def read_card(request: Request) -> JSONResponse:
    """Whether I shared my card with this exhibitor and exactly what; and what I would share."""
    who = visitor(request)
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services(request).read() as db:
        exhibitor = await db.get(Exhibitor, exhibitor_id)
        if exhibitor is None:
            raise unknown_exhibitor(exhibitor_id)
        account = await db.get(Account, who.account_id)
        lead = await lead_of_visitor(db, exhibitor_id, who.account_id)
    assert account is not None
    return JSONResponse(
        {
            "exhibitor": exhibitor_names(exhibitor),
            "card": card_view(lead) if lead else None,
            "would_share": card_snapshot(
                account.display_name, account.organisation, account.title, account.email
            ),
            "consent_version": CONSENT_VERSION,
            "own_booth": who.exhibitor_id == exhibitor_id,
        }
    )


async def my_cards(request: Request) -> JSONResponse:
    who = visitor(request)
    async with services(request).read() as db:
        rows = await cards_of(db, who.account_id)
    return JSONResponse(
        {"cards": [{"exhibitor": exhibitor_names(e), **card_view(lead)} for lead, e in rows]}
    )


def lead_filter(request: Request) -> LeadFilter:
    params = request.query_params
    tag, source, q = params.get("tag") or None, params.get("source") or None, params.get("q")
    if tag is not None and len(tag) > 30:
        raise BadRequest("lead.tag_too_long", "A tag is at most 30 characters.")
    if source is not None:
        source = source_of(source).value
    q = (q or "").strip() or None
    if q is not None and len(q) > 100:
        raise BadRequest(message="`q` is at most 100 characters.")
    return LeadFilter(tag=tag, source=source, q=q)


async def list_booth_leads(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    where = lead_filter(request)
    page = query_int(request, "page", 1, low=1, high=100_000) or 1
    per_page = query_int(request, "per_page", 50, low=1, high=MAX_PER_PAGE) or 50
    async with services(request).read() as db:
        rows, total = await list_leads(
            db, exhibitor_id, where, offset=(page - 1) * per_page, limit=per_page
        )
    return JSONResponse(
        {
            "leads": [lead_view(r) for r in rows],
            "total": total,
            "page": page,
            "per_page": per_page,
            "sources": [s.value for s in Source],
        }
    )


async def edit_lead(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    lead_id = path_int(request, "lead_id")
    body = await read_json(request, LeadEdit)
    notes = clean_notes(body.notes) if body.notes is not None else None
    tags = clean_tags(body.tags) if body.tags is not None else None
    svc = services(request)
    async with svc.db() as db:
        lead = await lead_of_booth(db, exhibitor_id, lead_id, lock=True)
        if lead is None:
            raise NotFound("lead.unknown", f"There is no lead {lead_id} at this booth.")
        if body.version is not None and body.version != lead.version:
            raise Conflict(
                "lead.version_mismatch",
                "Someone changed this lead meanwhile; reload it.",
                details={"version": lead.version},
            )
        if notes is not None:
            lead.notes = notes
        if tags is not None:
            lead.tags = tags
        lead.version += 1
        await db.commit()
        await db.refresh(lead)
    view = lead_view(lead)
    await svc.hub.publish_stored(
        [(staff_topic(exhibitor_id), LEAD_UPDATED, {"id": lead.id, "version": lead.version})]
    )
    return JSONResponse({"lead": view})


async def export_leads(request: Request) -> Response:
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services(request).read() as db:
        exhibitor = await db.get(Exhibitor, exhibitor_id)
        if exhibitor is None:
            raise unknown_exhibitor(exhibitor_id)
        rows = await all_leads(db, exhibitor_id)
    today: date = local_time(utcnow()).date()
    filename = f"{exhibitor.name_zh}-leads-{today.isoformat()}.csv"
    return csv_response(filename, CSV_HEADER, [csv_row(r) for r in rows])


# Demo cards left at the first booth (黔算云), with the staff's notes: the leads page and the
# dashboard have something to show. Accounts by email (the core's demo accounts).
DEMO_CARDS = [
    ("speaker@demo.shubo.live", Source.MEETING, "约了下周到贵安看机房", ["算力", "重点"]),
    ("moderator@demo.shubo.live", Source.DOWNLOAD, "", ["白皮书"]),
]


async def seed_demo_leads(db: AsyncSession) -> None:
    """The demo's leads (consented, as if through the card dialog), with their activity rows."""
    exhibitor = (await db.execute(select(Exhibitor).order_by(col(Exhibitor.id)))).scalars().first()
    if exhibitor is None or exhibitor.id is None:
        return
    for email, source, notes, tags in DEMO_CARDS:
        account = (
            (await db.execute(select(Account).where(Account.email == email))).scalars().first()
        )
        if account is None or account.id is None:
            continue
        if await lead_of_visitor(db, exhibitor.id, account.id) is not None:
            continue
        db.add(
            Lead(
                exhibitor_id=exhibitor.id,
                account_id=account.id,
                source=source,
                consent_version=CONSENT_VERSION,
                notes=notes,
                tags=tags,
                name=account.display_name,
                organisation=account.organisation,
                title=account.title,
                email=account.email,
            )
        )
        db.add(
            BoothActivity(exhibitor_id=exhibitor.id, kind=ActivityKind.LEAD, account_id=account.id)
        )
    await db.flush()


# --- what the routes read and answer, for the OpenAPI document ---------------------------------


class BoothPath(BaseModel):
    exhibitor_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


class LeadPath(BaseModel):
    exhibitor_id: int = Field(ge=1, le=2**31 - 1, examples=[1])
    lead_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


class LeadQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=MAX_PER_PAGE)
    tag: str | None = Field(default=None, max_length=30, description="Leads with this tag.")
    source: Source | None = Field(default=None, description="Leads from this source.")
    q: str | None = Field(default=None, max_length=100, description="In the name or the org.")


class Shared(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    organisation: str
    title: str
    email: str


class CardOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shared: Shared
    source: Source
    consent_version: str
    consented_at: str


class CardLeft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    created: bool
    card: CardOut
    lead_id: int


class CardState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exhibitor: ExhibitorRef
    card: CardOut | None
    would_share: Shared
    consent_version: str
    own_booth: bool


class Withdrawn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    withdrawn: bool


class MyCard(CardOut):
    exhibitor: ExhibitorRef


class MyCards(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cards: list[MyCard]


class LeadOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    account_id: int
    source: Source
    name: str
    organisation: str
    title: str
    email: str
    consent_version: str
    consented_at: str
    notes: str
    tags: list[str]
    version: int


class LeadPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    leads: list[LeadOut]
    total: int
    page: int
    per_page: int
    sources: list[Source]


class LeadEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lead: LeadOut


CARD = "/api/exhibitors/{exhibitor_id}/card"
LEADS = "/api/exhibitors/{exhibitor_id}/leads"

routes = [
    route(
        CARD,
        leave_card,
        methods=["POST"],
        action="hall.card.leave",
        body=LeaveCard,
        path_params=BoothPath,
        responses={201: CardLeft, 200: CardLeft, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody},
        summary="Leave my card with this exhibitor (body {consent: true, source?})",
        tags=["hall"],
    ),
    route(
        CARD,
        withdraw_card,
        methods=["DELETE"],
        action="hall.card.withdraw",
        path_params=BoothPath,
        responses={200: Withdrawn, 404: ErrorBody, 503: ErrorBody},
        summary="Withdraw my card: the lead is deleted at once",
        tags=["hall"],
    ),
    route(
        CARD,
        read_card,
        methods=["GET"],
        action="hall.card.read",
        path_params=BoothPath,
        responses={200: CardState, 404: ErrorBody},
        summary="Whether I left my card here, and exactly what it shares",
        tags=["hall"],
    ),
    route(
        "/api/me/cards",
        my_cards,
        methods=["GET"],
        action="hall.card.read",
        responses={200: MyCards},
        summary="The exhibitors I left my card with",
        tags=["hall"],
    ),
    route(
        LEADS,
        list_booth_leads,
        methods=["GET"],
        action="hall.leads.read",
        path_params=BoothPath,
        query=LeadQuery,
        responses={200: LeadPage, 400: ErrorBody, 404: ErrorBody},
        target=booth_of_path,
        summary="The booth's leads, newest first (filter by tag, source; search name, org)",
        tags=["hall"],
    ),
    route(
        LEADS + "/{lead_id}",
        edit_lead,
        methods=["PATCH"],
        action="hall.leads.edit",
        body=LeadEdit,
        path_params=LeadPath,
        responses={
            200: LeadEnvelope,
            400: ErrorBody,
            404: ErrorBody,
            409: ErrorBody,
            503: ErrorBody,
        },
        target=booth_of_path,
        summary="The staff's notes and tags on a lead",
        tags=["hall"],
    ),
    route(
        LEADS + ".csv",
        export_leads,
        methods=["GET"],
        action="hall.leads.export",
        path_params=BoothPath,
        responses={200: Raw("text/csv", {"type": "string"}), 404: ErrorBody},
        target=booth_of_path,
        summary="The booth's leads as CSV (UTF-8 with BOM, formula-safe)",
        tags=["hall"],
    ),
]

permissions = {
    "hall.card.leave": SIGNED_IN,
    "hall.card.withdraw": SIGNED_IN,
    "hall.card.read": SIGNED_IN,
    "hall.leads.read": STAFF_OF_BOOTH,
    "hall.leads.edit": STAFF_OF_BOOTH,
    "hall.leads.export": STAFF_OF_BOOTH,
}
