"""The organisers' pages of the hall in the console: the exhibitors (one by one, or a CSV import
with a preview), their tier and order in the hall, and the hall report.

    GET   /api/hall/exhibitors                       organisers: every exhibitor with its booth
    POST  /api/exhibitors                            organisers: a new exhibitor (and its booth)
    POST  /api/hall/exhibitors/import/preview        organisers: each row checked; writes nothing
    POST  /api/hall/exhibitors/import/confirm        the same file and the preview's fingerprint:
                                                     the valid rows are made, or `exhibitors.stale`
    PATCH /api/hall/exhibitors/{exhibitor_id}        organisers: tier and position in the hall
    GET   /api/hall/report.csv                       organisers: per booth, from the activity

The preview's `fingerprint` covers the file and every row's outcome; the confirm checks again
under the import lock and refuses with `exhibitors.stale` (409, the new preview in `details`)
if anything came out differently, so what is made is exactly what the organiser saw, and once:
a second confirm of the same preview finds its rows taken, a different outcome.

Every new exhibitor gets its booth row in the same transaction, and its entry in the hall's
search index (`search_index.reindex`).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import distinct, func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response

from expo.bilingual import Names
from expo.errors import BadRequest, Conflict
from expo.hall import booth_store, search_index
from expo.hall.access import unknown_exhibitor
from expo.hall.booth_store import Announcement
from expo.hall.exhibitor_rules import MAX_SUMMARY, Row, check_rows, clean_line, read_rows
from expo.hall.models import TIER_ORDER, ActivityKind, Booth, BoothActivity, Tier
from expo.http import ErrorBody, JSONResponse, Raw, path_int, read_json, route, services
from expo.industries import IndustryLabel, industry_label
from expo.models import Account, Exhibitor, Role
from expo.permissions import only
from expo.spreadsheet import csv_response

MAX_IMPORT_BYTES = 512 * 1024
TierName = Literal["platinum", "gold", "silver", "standard"]  # Tier, as JSON sends it


class NewExhibitor(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name_zh: str = Field(max_length=480)
    name_en: str = Field(max_length=480)
    industry: str = Field(max_length=60)
    tier: TierName = "standard"
    summary_zh: str = Field(default="", max_length=2000)
    summary_en: str = Field(default="", max_length=2000)


class ImportFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    csv: str = Field(max_length=MAX_IMPORT_BYTES)


class ConfirmFile(ImportFile):
    fingerprint: str = Field(
        pattern="^[0-9a-f]{64}$", description="The preview's fingerprint, as it was given."
    )


class Placing(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    tier: TierName | None = None
    position: int | None = Field(default=None, ge=0, le=100_000)


class ExhibitorPath(BaseModel):
    exhibitor_id: int = Field(ge=1, lt=2**31, examples=[1])


class ConsoleExhibitor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: Names
    industry: IndustryLabel
    summary: Names
    tier: TierName
    position: int
    staff: int  # staff accounts (not disabled)


class ConsoleExhibitorList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exhibitors: list[ConsoleExhibitor]


class ConsoleExhibitorEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exhibitor: ConsoleExhibitor


class ImportRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: int
    name: Names
    industry: str
    tier: str
    summary: Names
    errors: list[str]  # codes: exhibitor.empty_name, exhibitor.exists, exhibitor.bad_tier, ...
    valid: bool


class Created(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: Names


class ImportOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[ImportRow]
    valid: int
    invalid: int
    fingerprint: str  # what the confirm must be given
    created: list[Created] | None = None  # the confirm's


def console_view(exhibitor: Exhibitor, booth: Booth | None, staff: int) -> dict[str, Any]:
    return {
        "id": exhibitor.id,
        "name": {"zh": exhibitor.name_zh, "en": exhibitor.name_en},
        "industry": industry_label(exhibitor.industry),
        "summary": {"zh": exhibitor.summary_zh, "en": exhibitor.summary_en},
        "tier": booth.tier if booth else Tier.STANDARD,
        "position": booth.position if booth else 0,
        "staff": staff,
    }


async def _listing(db: AsyncSession) -> list[dict[str, Any]]:
    rows = await db.execute(
        select(Exhibitor, Booth).join(
            Booth, col(Booth.exhibitor_id) == col(Exhibitor.id), isouter=True
        )
    )
    counted = await db.execute(
        select(col(Account.exhibitor_id), func.count())
        .where(Account.role == Role.EXHIBITOR, col(Account.disabled_at).is_(None))
        .group_by(col(Account.exhibitor_id))
    )
    staff: dict[int | None, int] = {eid: int(n) for eid, n in counted.all()}
    pairs = [(e, b) for e, b in rows.all()]
    pairs.sort(
        key=lambda p: (
            TIER_ORDER.get(Tier(p[1].tier) if p[1] else Tier.STANDARD, 9),
            p[1].position if p[1] else 0,
            p[0].id,
        )
    )
    return [console_view(e, b, staff.get(e.id, 0)) for e, b in pairs]


async def list_exhibitors(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        return JSONResponse({"exhibitors": await _listing(db)})


async def _names_taken(db: AsyncSession) -> set[str]:
    rows = await db.execute(select(Exhibitor.name_zh, Exhibitor.name_en))
    return {n.lower() for pair in rows.all() for n in pair if n}


async def _next_position(db: AsyncSession) -> int:
    top = (await db.execute(select(func.max(Booth.position)))).scalar()
    return 0 if top is None else int(top) + 1


async def _make(db: AsyncSession, row: Row, position: int) -> Exhibitor:
    assert row.industry_key is not None and row.tier_value is not None
    exhibitor = Exhibitor(
        name_zh=row.name_zh,
        name_en=row.name_en,
        industry=row.industry_key,
        summary_zh=row.summary_zh,
        summary_en=row.summary_en,
    )
    db.add(exhibitor)
    await db.flush()
    assert exhibitor.id is not None
    db.add(
        Booth(
            exhibitor_id=exhibitor.id,
            tier=row.tier_value,
            position=position,
            industries=[row.industry_key],
            description_zh=row.summary_zh,
            description_en=row.summary_en,
        )
    )
    await db.flush()
    await search_index.reindex(db, exhibitor.id)
    return exhibitor


async def create_exhibitor(request: Request) -> JSONResponse:
    form = await read_json(request, NewExhibitor)
    row = Row(
        0,
        clean_line(form.name_zh),
        clean_line(form.name_en),
        form.industry,
        str(form.tier),
        clean_line(form.summary_zh),
        clean_line(form.summary_en),
    )
    # One exhibitor is the import's one row, refused with the first of its reasons.
    svc = services(request)
    async with svc.db() as db:
        check_rows([row], existing=await _names_taken(db))
        if row.errors:
            code = row.errors[0]
            cls = Conflict if code == "exhibitor.exists" else BadRequest
            raise cls(code, _MESSAGES.get(code, code), details=row.errors)
        exhibitor = await _make(db, row, await _next_position(db))
        await db.commit()
        await db.refresh(exhibitor)
        booth = await db.get(Booth, exhibitor.id)
    return JSONResponse({"exhibitor": console_view(exhibitor, booth, 0)}, status_code=201)


_MESSAGES = {
    "exhibitor.empty_name": "An exhibitor has a name in Chinese and in English.",
    "exhibitor.name_too_long": "Names are limited to 120 characters.",
    "exhibitor.exists": "An exhibitor of that name is in the hall already.",
    "exhibitor.bad_industry": "That is not an industry of the expo.",
    "exhibitor.bad_tier": "The tier is platinum, gold, silver or standard.",
    "exhibitor.summary_too_long": f"Summaries are limited to {MAX_SUMMARY} characters.",
}


async def _checked(db: AsyncSession, text: str) -> list[Row]:
    return check_rows(read_rows(text), existing=await _names_taken(db))


# Imports write one after another: two confirms of one preview must not both find its names free.
IMPORT_LOCK = 0x4A11_0001


async def _lock_imports(db: AsyncSession) -> None:
    """SQLite's writers are serialised already (the write session begins IMMEDIATE);
    PostgreSQL takes a transaction-level advisory lock."""
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})


def fingerprint_of(csv_text: str, rows: list[dict[str, Any]]) -> str:
    """The file and every row's outcome: either different at the confirm, and it is refused."""
    facts = {"file": hashlib.sha256(csv_text.encode()).hexdigest(), "rows": rows}
    return hashlib.sha256(orjson.dumps(facts, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _outcome(
    csv_text: str, rows: list[Row], created: list[Exhibitor] | None = None
) -> dict[str, Any]:
    valid = sum(1 for r in rows if r.valid)
    checked = [r.as_dict() for r in rows]
    body: dict[str, Any] = {
        "rows": checked,
        "valid": valid,
        "invalid": len(rows) - valid,
        "fingerprint": fingerprint_of(csv_text, checked),
    }
    if created is not None:
        body["created"] = [
            {"id": e.id, "name": {"zh": e.name_zh, "en": e.name_en}} for e in created
        ]
    return body


async def import_preview(request: Request) -> JSONResponse:
    form = await read_json(request, ImportFile, max_bytes=MAX_IMPORT_BYTES * 2)
    async with services(request).read() as db:
        rows = await _checked(db, form.csv)
    return JSONResponse(_outcome(form.csv, rows))


async def import_confirm(request: Request) -> JSONResponse:
    """Checks again under the import lock and makes the valid rows, all in one transaction, if
    the outcome is the previewed one; `exhibitors.stale` (and the new preview) otherwise."""
    form = await read_json(request, ConfirmFile, max_bytes=MAX_IMPORT_BYTES * 2)
    async with services(request).db() as db:
        await _lock_imports(db)
        rows = await _checked(db, form.csv)
        now = _outcome(form.csv, rows)
        if now["fingerprint"] != form.fingerprint:
            raise Conflict(
                "exhibitors.stale",
                "The file or the hall changed since the preview: check the new preview and "
                "confirm again.",
                details={"preview": now},
            )
        position = await _next_position(db)
        created = []
        for row in rows:
            if row.valid:
                created.append(await _make(db, row, position))
                position += 1
        await db.commit()
    return JSONResponse(_outcome(form.csv, rows, created))


async def place_exhibitor(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    form = await read_json(request, Placing)
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    events: list[Announcement] = []
    async with svc.db() as db:
        exhibitor = await db.get(Exhibitor, exhibitor_id)
        if exhibitor is None:
            raise unknown_exhibitor(exhibitor_id)
        # Locked, and made safely when the exhibitor has none yet (booth_store.locked_booth).
        booth = await booth_store.locked_booth(db, exhibitor_id)
        changes: dict[str, Any] = {}
        if form.tier is not None and booth.tier != form.tier:
            changes["tier"] = str(form.tier)
        if form.position is not None and booth.position != form.position:
            changes["position"] = form.position
        if changes:
            for key, value in changes.items():
                setattr(booth, key, value)
            # Open hall and booth pages follow: the card's tier and the hall's order changed.
            _, events = await booth_store.changed(db, booth, card=True)
        await db.commit()
        staff = (
            await db.execute(
                select(func.count())
                .select_from(Account)
                .where(Account.exhibitor_id == exhibitor_id, Account.role == Role.EXHIBITOR)
            )
        ).scalar()
        await db.refresh(booth)
        view = console_view(exhibitor, booth, int(staff or 0))
    await svc.hub.publish_stored(events)
    return JSONResponse({"exhibitor": view})


REPORT_HEADER = [
    "exhibitor_id",
    "name_zh",
    "name_en",
    "tier",
    "visits",
    "unique_visitors",
    "dwell_seconds_total",
    "dwell_seconds_average",
    "chat_messages",
    "private_chats",
    "leads",
    "downloads",
]


async def report_rows(db: AsyncSession) -> list[list[object]]:
    """Per booth, in the hall's order: figures counted from the booth's activity rows."""
    figures = await db.execute(
        select(  # type: ignore[call-overload]
            col(BoothActivity.exhibitor_id),
            col(BoothActivity.kind),
            func.count(),
            func.count(distinct(col(BoothActivity.account_id))),
            func.coalesce(func.sum(col(BoothActivity.seconds)), 0),
            func.count(col(BoothActivity.seconds)),
        ).group_by(col(BoothActivity.exhibitor_id), col(BoothActivity.kind))
    )
    by: dict[tuple[int, str], tuple[int, int, int, int]] = {}
    for exhibitor_id, kind, n, unique, seconds, timed in figures.all():
        by[(exhibitor_id, kind)] = (int(n), int(unique), int(seconds), int(timed))
    out: list[list[object]] = []
    for entry in await _listing(db):
        eid = entry["id"]

        def count(kind: ActivityKind, eid: int = eid) -> int:
            return by.get((eid, kind), (0, 0, 0, 0))[0]

        visits, unique, seconds, timed = by.get((eid, ActivityKind.VISIT), (0, 0, 0, 0))
        out.append(
            [
                eid,
                entry["name"]["zh"],
                entry["name"]["en"],
                entry["tier"],
                visits,
                unique,
                seconds,
                round(seconds / timed) if timed else 0,
                count(ActivityKind.CHAT),
                count(ActivityKind.PRIVATE_CHAT),
                count(ActivityKind.LEAD),
                count(ActivityKind.DOWNLOAD),
            ]
        )
    return out


async def hall_report(request: Request) -> Response:
    async with services(request).read() as db:
        rows = await report_rows(db)
    return csv_response("数博展厅报告-hall-report.csv", REPORT_HEADER, rows)


ORGANISERS = only(Role.ORGANIZER)

routes = [
    route(
        "/api/hall/exhibitors",
        list_exhibitors,
        methods=["GET"],
        action="hall.organise",
        responses={200: ConsoleExhibitorList},
        summary="Organisers: every exhibitor with its tier, position and staff count",
        tags=["hall"],
    ),
    route(
        "/api/exhibitors",
        create_exhibitor,
        methods=["POST"],
        action="hall.organise",
        rate="moderate",
        body=NewExhibitor,
        responses={201: ConsoleExhibitorEnvelope, 409: ErrorBody},
        summary="Organisers: a new exhibitor, with its booth",
        tags=["hall"],
    ),
    route(
        "/api/hall/exhibitors/import/preview",
        import_preview,
        methods=["POST"],
        action="hall.organise",
        rate="moderate",
        body=ImportFile,
        responses={200: ImportOutcome},
        summary="Organisers: check a CSV of exhibitors row by row; writes nothing",
        tags=["hall"],
    ),
    route(
        "/api/hall/exhibitors/import/confirm",
        import_confirm,
        methods=["POST"],
        action="hall.organise",
        rate="moderate",
        body=ConfirmFile,
        responses={200: ImportOutcome, 409: ErrorBody},
        summary="Organisers: make the valid rows of a previewed CSV of exhibitors "
        "(refused as `exhibitors.stale` if it changed)",
        tags=["hall"],
    ),
    route(
        "/api/hall/exhibitors/{exhibitor_id}",
        place_exhibitor,
        methods=["PATCH"],
        action="hall.organise",
        rate="moderate",
        body=Placing,
        path_params=ExhibitorPath,
        responses={200: ConsoleExhibitorEnvelope, 404: ErrorBody},
        summary="Organisers: an exhibitor's tier and position in the hall",
        tags=["hall"],
    ),
    route(
        "/api/hall/report.csv",
        hall_report,
        methods=["GET"],
        action="hall.organise",
        responses={200: Raw("text/csv")},
        summary="Organisers: the hall report (visits, dwell time, chats, leads, downloads)",
        tags=["hall"],
    ),
]

permissions = {"hall.organise": ORGANISERS}
