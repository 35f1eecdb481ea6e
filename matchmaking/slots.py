"""The organisers' meeting slots, settings and each exhibitor's seats.

- `GET /api/match/slots`: every slot (anyone signed in: the profile's availability grid);
- `PUT /api/match/slots` (organisers): replace the list. A slot named by `id` is kept (its
  meetings and availability with it), a slot without one is new, a stored slot left out is
  deleted with its availability. A slot that holds meetings is neither deleted nor moved
  (`match.slot_in_use`): the meeting would lose its time behind its people's backs.
- `GET/PUT /api/match/settings` (organisers): the open request cap and default seats.
- `PUT /api/exhibitors/{exhibitor_id}/match-seats` (that booth's staff, organisers): how many
  meetings the exhibitor holds at once.

Changes are announced on `match-organisers:all` after they are stored (`match.slots_changed`,
`match.settings_changed`, `match.seats_changed`) with their version where they carry one.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select
from starlette.requests import Request

from expo.errors import BadRequest, Conflict
from expo.hall.paths import ExhibitorPath
from expo.hall.public import STAFF_OF_BOOTH, booth_of_path
from expo.http import ErrorBody, JSONResponse, path_int, read_json, route, services
from expo.models import Role
from expo.permissions import SIGNED_IN, only
from expo.services import Services
from matchmaking.models import ExhibitorSeats, MatchAvailability, MatchSettings, MatchSlot, Meeting
from matchmaking.organiser_settings import all_slots, seats_of
from matchmaking.profile_rules import MAX_SLOTS, SlotSpan, check_slots
from matchmaking.topics import ORGANISERS_TOPIC

ID_MAX = 2**31 - 1


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(default=None, ge=1, le=ID_MAX)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class SlotsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slots: list[SlotIn] = Field(max_length=MAX_SLOTS + 1)


class SlotsOut(BaseModel):
    slots: list[dict[str, Any]]
    # The settings row's version, bumped with every slot change: a page keeps the newest list.
    version: int


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    open_request_cap: int = Field(ge=1, le=100)
    default_seats: int = Field(ge=1, le=50)
    # Booth queues (left out: unchanged): seconds a called person has to answer; seconds a
    # ticket is kept while none of its person's pages is open; how many booked appointments may
    # go ahead of any one walk-in (0: none jump the line). Kept small: each pass halves a rank's
    # gap (matchmaking/queue_line.py), and a double has 52 bits to halve.
    queue_call_window: int | None = Field(default=None, ge=15, le=600)
    queue_grace: int | None = Field(default=None, ge=30, le=1800)
    queue_overtake_cap: int | None = Field(default=None, ge=0, le=10)
    version: int | None = Field(default=None, ge=0, le=ID_MAX)


class SettingsOut(BaseModel):
    settings: dict[str, Any]


class SeatsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seats: int = Field(ge=1, le=50)


class SeatsOut(BaseModel):
    exhibitor: int
    seats: int


def slot_view(slot: MatchSlot) -> dict[str, Any]:
    return {
        "id": slot.id,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
    }


async def slots_view(db: AsyncSession) -> list[dict[str, Any]]:
    return [slot_view(s) for s in await all_slots(db)]


async def read_slots(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        stored = await db.get(MatchSettings, 1)
        version = stored.version if stored is not None else 0
        return JSONResponse({"slots": await slots_view(db), "version": version})


async def _in_use(db: AsyncSession, slot_ids: set[int]) -> set[int]:
    if not slot_ids:
        return set()
    rows = await db.execute(
        select(Meeting.slot_id).where(col(Meeting.slot_id).in_(slot_ids)).distinct()
    )
    return set(rows.scalars())


async def replace_slots(svc: Services, form: SlotsIn) -> dict[str, Any]:
    """The stored list and its version ({"slots": [...], "version": n})."""
    check_slots([SlotSpan(s.starts_at, s.ends_at) for s in form.slots])
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        # One replacement at a time: the settings row is the lock (made if missing), and its
        # version, bumped in this transaction, tells this list from an older one.
        settings = await _locked_settings(db)
        stored = {s.id: s for s in await all_slots(db) if s.id is not None}
        named = {s.id: s for s in form.slots if s.id is not None}
        unknown = sorted(set(named) - set(stored))
        if unknown:
            raise BadRequest("match.unknown_slot", f"There is no meeting slot {unknown[0]}.")
        gone = set(stored) - set(named)
        moved = {
            i
            for i, s in named.items()
            if (s.starts_at, s.ends_at) != (stored[i].starts_at, stored[i].ends_at)
        }
        busy = sorted(await _in_use(db, gone | moved))
        if busy:
            raise Conflict(
                "match.slot_in_use",
                f"Slot {busy[0]} holds meetings: move or cancel them first.",
                details={"slots": busy[:50]},
            )
        if gone:
            await db.execute(
                delete(MatchAvailability).where(col(MatchAvailability.slot_id).in_(gone))
            )
            await db.execute(delete(MatchSlot).where(col(MatchSlot.id).in_(gone)))
        for slot_id in moved:
            row = stored[slot_id]
            row.starts_at, row.ends_at = named[slot_id].starts_at, named[slot_id].ends_at
            db.add(row)
        new = [s for s in form.slots if s.id is None]
        db.add_all(MatchSlot(starts_at=s.starts_at, ends_at=s.ends_at) for s in new)
        settings.version += 1
        db.add(settings)
        await db.flush()
        view = {"slots": await slots_view(db), "version": settings.version}
        await db.commit()
    await svc.hub.publish_stored([(ORGANISERS_TOPIC, "match.slots_changed", view)])
    return view


async def put_slots(request: Request) -> JSONResponse:
    form = await read_json(request, SlotsIn)
    return JSONResponse(await replace_slots(services(request), form))


def settings_view(row: MatchSettings) -> dict[str, Any]:
    return {
        "open_request_cap": row.open_request_cap,
        "default_seats": row.default_seats,
        "queue_call_window": row.queue_call_window,
        "queue_grace": row.queue_grace,
        "queue_overtake_cap": row.queue_overtake_cap,
        "version": row.version,
    }


async def _locked_settings(db: AsyncSession) -> MatchSettings:
    """The settings row, locked for this transaction (made if missing, by one of two first
    saves at once, as expo/hall/duty.py's `_locked_state`): saves of settings and slots are
    serial, so a version read here is the one the write replaces."""
    query = (
        select(MatchSettings)
        .where(col(MatchSettings.id) == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = (await db.execute(query)).scalars().first()
    if row is not None:
        return row
    fresh = MatchSettings(id=1, version=0)
    try:
        async with db.begin_nested():
            db.add(fresh)
            await db.flush()
        return fresh
    except IntegrityError:  # made meanwhile by another first save: wait for it and lock it
        return (await db.execute(query)).scalars().one()


async def read_settings(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        stored = await db.get(MatchSettings, 1)
        row = stored or MatchSettings(id=1, version=0)
        return JSONResponse({"settings": settings_view(row)})


async def put_settings(request: Request) -> JSONResponse:
    form = await read_json(request, SettingsIn)
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        row = await _locked_settings(db)
        if form.version is not None and form.version != row.version:
            raise Conflict("match.stale", "The settings changed meanwhile; look again.")
        row.open_request_cap, row.default_seats = form.open_request_cap, form.default_seats
        if form.queue_call_window is not None:
            row.queue_call_window = form.queue_call_window
        if form.queue_grace is not None:
            row.queue_grace = form.queue_grace
        if form.queue_overtake_cap is not None:
            row.queue_overtake_cap = form.queue_overtake_cap
        row.version += 1
        db.add(row)
        await db.flush()
        view = settings_view(row)
        await db.commit()
    await svc.hub.publish_stored([(ORGANISERS_TOPIC, "match.settings_changed", view)])
    return JSONResponse({"settings": view})


async def read_seats(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services(request).read() as db:
        return JSONResponse({"exhibitor": exhibitor_id, "seats": await seats_of(db, exhibitor_id)})


async def put_seats(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    form = await read_json(request, SeatsIn)
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        row = await db.get(ExhibitorSeats, exhibitor_id, with_for_update=True)
        if row is None:
            row = ExhibitorSeats(exhibitor_id=exhibitor_id)
        row.seats = form.seats
        db.add(row)
        await db.commit()
    view = {"exhibitor": exhibitor_id, "seats": form.seats}
    await svc.hub.publish_stored([(ORGANISERS_TOPIC, "match.seats_changed", view)])
    return JSONResponse(view)


SLOTS = "/api/match/slots"
SETTINGS = "/api/match/settings"
SEATS = "/api/exhibitors/{exhibitor_id}/match-seats"

routes = [
    route(
        SLOTS,
        read_slots,
        methods=["GET"],
        action="match.slots.read",
        responses={200: SlotsOut},
        summary="The meeting slots, earliest first",
    ),
    route(
        SLOTS,
        put_slots,
        methods=["PUT"],
        action="match.settings",
        rate="moderate",
        body=SlotsIn,
        responses={200: SlotsOut, 400: ErrorBody, 409: ErrorBody, 503: ErrorBody},
        summary="Replace the meeting slots (organisers)",
    ),
    route(
        SETTINGS,
        read_settings,
        methods=["GET"],
        action="match.settings",
        responses={200: SettingsOut},
        summary="The matchmaking settings (organisers)",
    ),
    route(
        SETTINGS,
        put_settings,
        methods=["PUT"],
        action="match.settings",
        rate="moderate",
        body=SettingsIn,
        responses={200: SettingsOut, 400: ErrorBody, 409: ErrorBody, 503: ErrorBody},
        summary="Change the matchmaking settings (organisers)",
    ),
    route(
        SEATS,
        read_seats,
        methods=["GET"],
        action="match.seats",
        target=booth_of_path,
        path_params=ExhibitorPath,
        responses={200: SeatsOut, 404: ErrorBody},
        summary="How many meetings an exhibitor holds at once",
    ),
    route(
        SEATS,
        put_seats,
        methods=["PUT"],
        action="match.seats",
        rate="moderate",
        target=booth_of_path,
        body=SeatsIn,
        path_params=ExhibitorPath,
        responses={200: SeatsOut, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody},
        summary="Set how many meetings an exhibitor holds at once (its staff, organisers)",
    ),
]

permissions = {
    "match.slots.read": SIGNED_IN,
    "match.settings": only(Role.ORGANIZER),
    "match.seats": STAFF_OF_BOOTH,
}
