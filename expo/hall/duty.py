"""Staff on duty at their booth, and the roster of planned shifts (rules in duty_rules.py).

- `booth.duty` over the websocket, or `PUT /api/exhibitors/{id}/duty`, puts a staff member on
  or off duty (themselves; organisers, and colleagues of the same booth, may name `account`).
- `PUT /api/exhibitors/{id}/roster` replaces the booth's planned shifts.
- `GET /api/exhibitors/{id}/duty`: who is on duty now, and the roster (anyone).

Each change is stored with the booth's duty version bumped, then announced as
`booth.duty_changed` {exhibitor, version, on_duty, roster} on `booth:<id>`. "On duty now" is
computed when asked (`on_duty`), so a shift that ends is over at once for the server; the event
carries each person's `until` so pages drop them when it passes without waiting for an event.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select
from starlette.requests import Request

from expo.errors import BadRequest, Conflict, NotFound, Unavailable
from expo.hall.access import STAFF_OF_BOOTH, booth_of_command, booth_of_path
from expo.hall.booth_store import exhibitor_of
from expo.hall.duty_rules import Shift, clean_roster, on_duty_now
from expo.hall.models import BoothDuty, DutyShift, StaffDuty
from expo.hall.paths import ExhibitorPath
from expo.hall.topics import booth_topic
from expo.http import ErrorBody, JSONResponse, path_int, principal, read_json, route, services
from expo.models import Account, Role, utcnow
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.security import Principal
from expo.services import Services

Id = Annotated[int, Field(gt=0, lt=2**31)]
log = logging.getLogger(__name__)


class DutySet(Strict):
    on: bool
    account: Id | None = None  # None: oneself


class DutyCommand(DutySet):
    exhibitor: Id


class ShiftIn(BaseModel):
    model_config = {"extra": "forbid"}

    account: Id
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class RosterIn(BaseModel):
    model_config = {"extra": "forbid"}

    shifts: list[ShiftIn] = Field(max_length=400)
    version: int | None = Field(default=None, ge=0, lt=2**31)


class DutyOut(BaseModel):
    duty: dict[str, Any]


# --- reading --------------------------------------------------------------------------------


async def _staff(db: AsyncSession, exhibitor_id: int) -> dict[int, Account]:
    rows = await db.execute(
        select(Account)
        .where(
            col(Account.exhibitor_id) == exhibitor_id,
            col(Account.role) == Role.EXHIBITOR,
            col(Account.disabled_at).is_(None),
        )
        .order_by(col(Account.id))
    )
    return {a.id: a for a in rows.scalars() if a.id is not None}


async def _shifts(db: AsyncSession, exhibitor_id: int) -> list[Shift]:
    rows = await db.execute(
        select(DutyShift)
        .where(col(DutyShift.exhibitor_id) == exhibitor_id)
        .order_by(col(DutyShift.starts_at), col(DutyShift.account_id))
    )
    return [Shift(s.account_id, s.starts_at, s.ends_at) for s in rows.scalars()]


async def _toggled_on(db: AsyncSession, exhibitor_id: int) -> list[int]:
    rows = await db.execute(
        select(StaffDuty.account_id).where(
            col(StaffDuty.exhibitor_id) == exhibitor_id, col(StaffDuty.on_duty).is_(True)
        )
    )
    return list(rows.scalars())


@dataclass(frozen=True, slots=True)
class StaffOnDuty:
    """One of a booth's staff on duty now, as the booth page, matchmaking and the queues show
    them; `until` is the end of their shift (None: no shift planned)."""

    account_id: int
    name: str
    title: str
    until: datetime | None


async def on_duty(
    db: AsyncSession, exhibitor_id: int, now: datetime | None = None
) -> list[StaffOnDuty]:
    """The booth's staff on duty now: on duty by their own say, within a shift if they have
    any planned, and not disabled; by account id."""
    staff = await _staff(db, exhibitor_id)
    toggled = [a for a in await _toggled_on(db, exhibitor_id) if a in staff]
    found = on_duty_now(toggled, await _shifts(db, exhibitor_id), now or utcnow())
    return [
        StaffOnDuty(
            d.account_id, staff[d.account_id].display_name, staff[d.account_id].title, d.until
        )
        for d in found
    ]


def _person(account: Account) -> dict[str, Any]:
    return {"id": account.id, "name": account.display_name, "title": account.title}


async def duty_view(db: AsyncSession, exhibitor_id: int) -> dict[str, Any]:
    """Who is on duty now, everyone's own switch, and the roster, with the duty version."""
    staff = await _staff(db, exhibitor_id)
    shifts = await _shifts(db, exhibitor_id)
    toggled = {a for a in await _toggled_on(db, exhibitor_id) if a in staff}
    now = utcnow()
    state = await db.get(BoothDuty, exhibitor_id)
    return {
        "exhibitor": exhibitor_id,
        "version": state.version if state else 0,
        "on_duty": [
            _person(staff[d.account_id]) | {"until": d.until.isoformat() if d.until else None}
            for d in on_duty_now(toggled, shifts, now)
        ],
        "staff": [_person(a) | {"on": a.id in toggled} for a in staff.values()],
        "roster": [
            {
                "account": s.account_id,
                "name": staff[s.account_id].display_name if s.account_id in staff else "",
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat(),
            }
            for s in shifts
            if s.ends_at > now
        ],
    }


async def read_duty(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services(request).read() as db:
        await exhibitor_of(db, exhibitor_id)
        return JSONResponse({"duty": await duty_view(db, exhibitor_id)})


# --- changing -------------------------------------------------------------------------------


async def _locked_state(db: AsyncSession, exhibitor_id: int) -> BoothDuty:
    """The booth's duty state, locked for this transaction (made if missing, by one of two
    first changes at once): changes of one booth's duty are serial, so a version read here is
    the one the write replaces and no first row is inserted twice."""
    query = (
        select(BoothDuty)
        .where(col(BoothDuty.exhibitor_id) == exhibitor_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    state = (await db.execute(query)).scalars().first()
    if state is not None:
        return state
    fresh = BoothDuty(exhibitor_id=exhibitor_id, version=0)
    try:
        async with db.begin_nested():
            db.add(fresh)
            await db.flush()
        return fresh
    except IntegrityError:  # made meanwhile: wait for that one and lock it
        return (await db.execute(query)).scalars().one()


async def _bumped(db: AsyncSession, exhibitor_id: int) -> None:
    state = await _locked_state(db, exhibitor_id)
    state.version += 1
    state.announced_at = utcnow()  # what is announced now is true up to now
    db.add(state)
    await db.flush()


def _whose(who: Principal, exhibitor_id: int, account: int | None) -> int:
    if account is not None:
        return account
    if who.role != Role.EXHIBITOR or who.exhibitor_id != exhibitor_id:
        raise BadRequest("duty.account_needed", "Name the staff member to put on or off duty.")
    return who.account_id


async def set_duty(
    svc: Services, who: Principal, exhibitor_id: int, on: bool, account: int | None
) -> dict[str, Any]:
    account_id = _whose(who, exhibitor_id, account)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        await _locked_state(db, exhibitor_id)  # one change of this booth's duty at a time
        staff = await _staff(db, exhibitor_id)
        if account_id not in staff:
            raise NotFound("duty.unknown_staff", f"Account {account_id} is not staff here.")
        row = await db.get(StaffDuty, account_id, populate_existing=True)
        if row is not None and row.on_duty == on and row.exhibitor_id == exhibitor_id:
            return await duty_view(db, exhibitor_id)  # no change: nothing to announce
        if row is None:
            row = StaffDuty(account_id=account_id, exhibitor_id=exhibitor_id)
        row.exhibitor_id, row.on_duty, row.changed_at = exhibitor_id, on, utcnow()
        db.add(row)
        await _bumped(db, exhibitor_id)
        view = await duty_view(db, exhibitor_id)
        await db.commit()
    await svc.hub.publish_stored([(booth_topic(exhibitor_id), "booth.duty_changed", view)])
    return view


async def duty_command(ctx: CommandContext, data: DutyCommand) -> dict[str, Any]:
    who = ctx.require_principal()
    return {"duty": await set_duty(ctx.services, who, data.exhibitor, data.on, data.account)}


async def put_duty(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    form = await read_json(request, DutySet)
    who = principal(request)
    assert who is not None
    view = await set_duty(services(request), who, exhibitor_id, form.on, form.account)
    return JSONResponse({"duty": view})


async def put_roster(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    form = await read_json(request, RosterIn)
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        staff = await _staff(db, exhibitor_id)
        wanted = [Shift(s.account, s.starts_at, s.ends_at) for s in form.shifts]
        shifts = clean_roster(wanted, staff, utcnow())
        state = await _locked_state(db, exhibitor_id)  # the version checked is the one replaced
        if form.version is not None and form.version != state.version:
            raise Conflict("duty.stale", "Someone changed the roster meanwhile; look again.")
        await db.execute(delete(DutyShift).where(col(DutyShift.exhibitor_id) == exhibitor_id))
        db.add_all(
            DutyShift(
                exhibitor_id=exhibitor_id,
                account_id=s.account_id,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
            )
            for s in shifts
        )
        await _bumped(db, exhibitor_id)
        view = await duty_view(db, exhibitor_id)
        await db.commit()
    await svc.hub.publish_stored([(booth_topic(exhibitor_id), "booth.duty_changed", view)])
    return JSONResponse({"duty": view})


# --- shifts starting and ending ---------------------------------------------------------------

TICK_SECONDS = 15.0
LOOKBACK = timedelta(minutes=10)  # a boundary missed longer ago (all processes down) is let go


async def announce_shift_boundaries(svc: Services) -> None:
    """Every TICK_SECONDS, in every process: announce the booths where a shift started or ended
    since their duty state was last announced (each once, whichever process claims it)."""
    while True:
        try:
            await shift_boundaries(svc, utcnow())
        except Exception:
            log.exception("duty: shift boundaries failed; trying again next round")
        await asyncio.sleep(TICK_SECONDS)


async def shift_boundaries(svc: Services, at: datetime) -> list[int]:
    """The booths whose duty this process announced because a shift began or ended by `at`."""
    since = at - LOOKBACK
    async with svc.read() as db:
        rows = await db.execute(
            select(DutyShift.exhibitor_id, DutyShift.starts_at, DutyShift.ends_at).where(
                or_(
                    and_(col(DutyShift.starts_at) > since, col(DutyShift.starts_at) <= at),
                    and_(col(DutyShift.ends_at) > since, col(DutyShift.ends_at) <= at),
                )
            )
        )
        latest: dict[int, datetime] = {}
        for exhibitor_id, starts_at, ends_at in rows.all():
            boundary = max(b for b in (starts_at, ends_at) if b <= at)
            latest[exhibitor_id] = max(latest.get(exhibitor_id, boundary), boundary)
    if not latest:
        return []
    try:
        await svc.hub.announcer.ready()  # a broker that is down: claim nothing, try next round
    except Unavailable:
        return []
    announced = []
    for exhibitor_id, boundary in sorted(latest.items()):
        async with svc.db() as db:
            # Claimed by one process only: the first to move `announced_at` past the boundary.
            claimed = await db.execute(
                update(BoothDuty)
                .where(
                    col(BoothDuty.exhibitor_id) == exhibitor_id,
                    or_(
                        col(BoothDuty.announced_at).is_(None),
                        col(BoothDuty.announced_at) < boundary,
                    ),
                )
                .values(version=col(BoothDuty.version) + 1, announced_at=at)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            view = await duty_view(db, exhibitor_id)
            await db.commit()
        await svc.hub.publish_stored([(booth_topic(exhibitor_id), "booth.duty_changed", view)])
        announced.append(exhibitor_id)
    return announced


DUTY = "/api/exhibitors/{exhibitor_id}/duty"


routes = [
    route(
        DUTY,
        read_duty,
        methods=["GET"],
        action="hall.read",
        path_params=ExhibitorPath,
        responses={200: DutyOut, 404: ErrorBody},
        summary="Who of a booth's staff is on duty now, and its roster",
    ),
    route(
        DUTY,
        put_duty,
        methods=["PUT"],
        action="booth.duty",
        rate="moderate",
        target=booth_of_path,
        body=DutySet,
        path_params=ExhibitorPath,
        responses={200: DutyOut, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody},
        summary="Put a staff member (oneself, by default) on or off duty",
    ),
    route(
        "/api/exhibitors/{exhibitor_id}/roster",
        put_roster,
        methods=["PUT"],
        action="booth.duty",
        rate="moderate",
        target=booth_of_path,
        body=RosterIn,
        path_params=ExhibitorPath,
        responses={200: DutyOut, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody},
        summary="Replace a booth's roster of planned shifts",
    ),
]

commands = {
    "booth.duty": CommandSpec(
        duty_command, DutyCommand, action="booth.duty", rate="moderate", target=booth_of_command
    ),
}

permissions = {"booth.duty": STAFF_OF_BOOTH}
tasks = [announce_shift_boundaries]
