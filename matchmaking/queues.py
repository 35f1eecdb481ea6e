"""Live booth queues over HTTP and the websocket (the operations: matchmaking/queue_engine.py).

The person in line:
- `POST /api/match/queues/{exhibitor_id}/tickets` {share_card} (or `queue.join`): join, or get
  the ticket already held there (201 new, 200 the same one);
- `GET /api/match/queue-tickets`: my live tickets (every page's queue badge), and those the
  queue dropped in the last hour (every page's "you left the line" notice);
- `GET /api/match/queue-tickets/{ticket_id}`: one of mine, with its position and wait;
- `DELETE /api/match/queue-tickets/{ticket_id}` (`queue.leave`): leave the line;
- `POST /api/match/queue-tickets/{ticket_id}/answer` (`queue.answer`): answer a call.

The booth's staff:
- `GET /api/match/queues/{exhibitor_id}/line`: who waits, in order, and the calls going on;
- `POST /api/match/queues/{exhibitor_id}/call` (`queue.call`): call the next person;
- `POST /api/match/queue-tickets/{ticket_id}/served` (`queue.serve`),
  `POST /api/match/queue-tickets/{ticket_id}/no-show` (`queue.no_show`);
- `PATCH /api/match/queues/{exhibitor_id}` {state, max_length}: pause, resume, close, cap.

Anyone: `GET /api/match/queues/{exhibitor_id}` (state, length, service times, my ticket), and
`GET /api/match/hall-queues?exhibitors=1,2,3` (the same, short, for a page of the hall's cards).
Organisers: `GET /api/match/queues` (every queue's length and longest wait).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlmodel import col, or_, select
from starlette.requests import Request

from expo.db import stored_id
from expo.errors import BadRequest, Conflict, NotFound
from expo.hall.paths import ExhibitorPath
from expo.hall.public import booth_of_command, booth_of_path
from expo.http import (
    ErrorBody,
    JSONResponse,
    Responses,
    path_int,
    principal,
    read_json,
    route,
    services,
)
from expo.models import Account, Exhibitor, Role, utcnow
from expo.permissions import Rule, only
from expo.realtime.broker import BrokerUnavailable
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from matchmaking import queue_engine as engine
from matchmaking.models import BoothQueue, QueueState, QueueTicket, TicketStatus
from matchmaking.queue_access import (
    JOIN,
    OWNER_OF_TICKET,
    SEES_LINE,
    SERVES_BOOTH,
    ticket_of_command,
    ticket_of_path,
    unknown_ticket,
)
from matchmaking.queue_store import (
    active_ticket,
    booth_queue,
    booth_queues,
    live_tickets_at,
    waiting_counts,
)
from matchmaking.queue_views import hall_view, queue_view, staff_ticket_view, ticket_view

Id = Annotated[int, Field(gt=0, lt=2**31)]
MAX_LENGTH = 2000  # the longest line a booth may allow
RECENT_DROPS = timedelta(hours=1)  # how long a dropped ticket is told to its owner
HALL_BOOTHS = 48  # booths one hall read may ask about (a page of the hall's cards)


class JoinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    share_card: bool = False


class QueueSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["open", "paused", "closed"] | None = None
    max_length: int | None = Field(default=None, ge=1, le=MAX_LENGTH)


class JoinCommand(Strict):
    exhibitor: Id
    share_card: bool = False


class TicketCommand(Strict):
    ticket: Id


class BoothCommand(Strict):
    exhibitor: Id


class TicketPath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: int = Field(gt=0, lt=2**31, examples=[1])


class TicketOut(BaseModel):
    ticket: dict[str, Any]


class TicketsOut(BaseModel):
    tickets: list[dict[str, Any]] = Field(
        description="My live tickets (waiting, called or in conversation), oldest first. A "
        "waiting ticket's `line` has `position`, `length`, `staffed` and `eta`: [low, high] "
        "whole minutes, or null when no staff member is on duty (the wait is unknown)."
    )
    dropped: list[dict[str, Any]] = Field(
        default_factory=list,
        description="My tickets the queue ended in the last hour without me: `drop.reason` "
        "`away` (none of my pages was open for longer than `drop.grace` seconds) or `no_show` "
        "(two calls not answered). Only the latest at each booth, and none at a booth where "
        "I joined again since; oldest first.",
    )


class QueueOut(BaseModel):
    queue: dict[str, Any]
    ticket: dict[str, Any] | None


class LineOut(BaseModel):
    queue: dict[str, Any]
    waiting: list[dict[str, Any]]
    calls: list[dict[str, Any]]


class QueuesOut(BaseModel):
    queues: list[dict[str, Any]]


class HallQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exhibitors: str = Field(
        max_length=HALL_BOOTHS * 11,
        examples=["1,2,3"],
        description=f"Booth ids, comma-separated: 1 to {HALL_BOOTHS} of them.",
    )


class HallQueuesOut(BaseModel):
    queues: list[dict[str, Any]] = Field(
        description="Per booth asked about, in the order asked (a booth that does not exist is "
        "left out): `exhibitor`, `state` (open, paused, closed), `length`, `max_length`, "
        "`version`, `staffed`, `eta` (the wait of someone joining now: [low, high] whole "
        "minutes, null with nobody on duty) and `ticket`: mine there ({id, status, position}) "
        "or null."
    )


# --- the person in line -----------------------------------------------------------------------


async def _my_ticket_view(request: Request, ticket: QueueTicket) -> dict[str, Any]:
    svc = services(request)
    place = await engine.my_place(svc, ticket)
    times = await engine.times_of(svc, ticket.exhibitor_id)
    async with svc.read() as db:
        return await ticket_view(db, ticket, place, times)


async def join(request: Request) -> JSONResponse:
    form = await read_json(request, JoinIn)
    who = principal(request)
    assert who is not None
    view, created = await engine.join(
        services(request), who, path_int(request, "exhibitor_id"), share_card=form.share_card
    )
    return JSONResponse({"ticket": view}, status_code=201 if created else 200)


def drops_to_tell(tickets: list[QueueTicket]) -> list[QueueTicket]:
    """Of one person's recent tickets (by id), the dropped ones still worth telling: the
    latest at its booth (joined again since: old news)."""
    latest: dict[int, QueueTicket] = {}
    for ticket in tickets:
        latest[ticket.exhibitor_id] = ticket
    return [t for t in latest.values() if t.status == TicketStatus.DROPPED]


async def my_tickets(request: Request) -> JSONResponse:
    """My live tickets, and those dropped in the last hour (only mine: the query is mine)."""
    who = principal(request)
    assert who is not None
    async with services(request).read() as db:
        rows = await db.execute(
            select(QueueTicket)
            .where(
                col(QueueTicket.account_id) == who.account_id,
                or_(
                    col(QueueTicket.active) == 1,
                    col(QueueTicket.ended_at) > utcnow() - RECENT_DROPS,
                ),
            )
            .order_by(col(QueueTicket.id))
        )
        tickets = list(rows.scalars())
    live = [t for t in tickets if t.active == 1]
    dropped = sorted(drops_to_tell(tickets), key=stored_id)
    return JSONResponse(
        {
            "tickets": [await _my_ticket_view(request, t) for t in live],
            "dropped": [await _my_ticket_view(request, t) for t in dropped],
        }
    )


async def _ticket(request: Request) -> QueueTicket:
    ticket_id = path_int(request, "ticket_id")
    async with services(request).read() as db:
        ticket = await db.get(QueueTicket, ticket_id)
    if ticket is None:
        raise unknown_ticket(ticket_id)
    return ticket


async def my_ticket(request: Request) -> JSONResponse:
    return JSONResponse({"ticket": await _my_ticket_view(request, await _ticket(request))})


async def leave(request: Request) -> JSONResponse:
    view = await engine.leave(services(request), path_int(request, "ticket_id"))
    return JSONResponse({"ticket": view})


async def answer(request: Request) -> JSONResponse:
    view = await engine.answer(services(request), path_int(request, "ticket_id"))
    return JSONResponse({"ticket": view})


async def queue(request: Request) -> JSONResponse:
    """The queue as the booth page shows it, with my ticket if I hold one."""
    svc = services(request)
    exhibitor_id = path_int(request, "exhibitor_id")
    who = principal(request)
    async with svc.read() as db:
        if await db.get(Exhibitor, exhibitor_id) is None:
            raise NotFound("exhibitor.unknown", f"There is no exhibitor {exhibitor_id}.")
        row = await booth_queue(db, exhibitor_id)
        mine = None
        if who is not None:
            mine = await active_ticket(db, exhibitor_id, who.account_id)
    view = await engine.queue_summary(svc, row)
    ticket = await _my_ticket_view(request, mine) if mine is not None else None
    return JSONResponse({"queue": view, "ticket": ticket})


def hall_booths(raw: str | None) -> list[int]:
    """The booth ids of a hall read (`1,2,3`), each once, in their order; refused when not a
    list of 1 to HALL_BOOTHS ids."""
    if not raw:
        raise BadRequest("queue.bad_exhibitors", "`exhibitors` lists booth ids, e.g. 1,2,3.")
    parts = raw.split(",")
    if len(parts) > HALL_BOOTHS:
        raise BadRequest("queue.too_many_exhibitors", f"At most {HALL_BOOTHS} booths in one read.")
    ids: list[int] = []
    for part in parts:
        if not (part.isascii() and part.isdigit() and len(part) <= 10 and 0 < int(part) < 2**31):
            raise BadRequest("queue.bad_exhibitors", "`exhibitors` lists booth ids, e.g. 1,2,3.")
        if int(part) not in ids:
            ids.append(int(part))
    return ids


async def hall_lengths(request: Request, booths: list[int]) -> dict[int, int]:
    """The lines' lengths in one round trip; those not loaded are counted in the database
    (what a rebuild would load), without loading them: this is only a look."""
    svc = services(request)
    try:
        found = await engine.index_of(svc).lengths(booths)
    except BrokerUnavailable as error:
        raise engine.unavailable() from error
    missing = [b for b in booths if b not in found]
    if missing:
        async with svc.read() as db:
            found.update(await waiting_counts(db, missing))
    return found


async def hall_queues(request: Request) -> JSONResponse:
    """The queues of a page of the hall's booths, and my tickets there: a few queries and one
    round trip to the lines for all of them."""
    svc = services(request)
    asked = hall_booths(request.query_params.get("exhibitors"))
    who = principal(request)
    async with svc.read() as db:
        known = set(
            (await db.execute(select(Exhibitor.id).where(col(Exhibitor.id).in_(asked)))).scalars()
        )
        booths = [b for b in asked if b in known]
        rows = await booth_queues(db, booths)
        mine = await live_tickets_at(db, who.account_id, booths) if who and booths else []
    lengths = await hall_lengths(request, booths) if booths else {}
    times = await engine.times_of_many(svc, booths)
    tickets = {t.exhibitor_id: t for t in mine}  # at most five: one look each at its place
    places = {b: await engine.my_place(svc, t) for b, t in tickets.items()}
    return JSONResponse(
        {
            "queues": [
                hall_view(rows[b], lengths[b], times[b], tickets.get(b), places.get(b))
                for b in booths
            ]
        }
    )


# --- the booth's staff ------------------------------------------------------------------------


async def line(request: Request) -> JSONResponse:
    svc = services(request)
    exhibitor_id = path_int(request, "exhibitor_id")
    snapshot = await engine.on_line(svc, exhibitor_id, lambda idx: idx.snapshot(exhibitor_id))
    order = snapshot.tickets()
    async with svc.read() as db:
        row = await booth_queue(db, exhibitor_id)
        rows = await db.execute(
            select(QueueTicket).where(
                col(QueueTicket.exhibitor_id) == exhibitor_id, col(QueueTicket.active) == 1
            )
        )
        tickets = {stored_id(t): t for t in rows.scalars()}
        # Everyone named below in one query: the views' lookups then find them in the session.
        people = {t.account_id for t in tickets.values()} | {
            t.called_by for t in tickets.values() if t.called_by is not None
        }
        # Kept in a variable: the session holds its rows only while something refers to them.
        named = (await db.execute(select(Account).where(col(Account.id).in_(people or {0})))).all()
        # Numbered over those still waiting in the database: a ticket called between the
        # line's snapshot and this read is no one's place any more.
        in_line = [t for t in order if t in tickets and tickets[t].status == TicketStatus.WAITING]
        waiting = [await staff_ticket_view(db, tickets[t], i + 1) for i, t in enumerate(in_line)]
        del named
        calls = [
            await staff_ticket_view(db, t, None)
            for t in sorted(tickets.values(), key=lambda t: stored_id(t))
            if t.status in (TicketStatus.CALLED, TicketStatus.SERVING)
        ]
    times = await engine.times_of(svc, exhibitor_id)
    return JSONResponse(
        {"queue": queue_view(row, len(in_line), times), "waiting": waiting, "calls": calls}
    )


async def call(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    view = await engine.call_next(services(request), who, path_int(request, "exhibitor_id"))
    return JSONResponse({"ticket": view})


async def served(request: Request) -> JSONResponse:
    view = await engine.serve(services(request), path_int(request, "ticket_id"))
    return JSONResponse({"ticket": view})


async def no_show(request: Request) -> JSONResponse:
    svc = services(request)
    ticket = await engine.no_show(svc, path_int(request, "ticket_id"))
    if ticket is None:
        raise Conflict("queue.not_called", "This ticket is not being called now.")
    async with svc.read() as db:
        return JSONResponse({"ticket": await staff_ticket_view(db, ticket, None)})


async def set_queue(request: Request) -> JSONResponse:
    form = await read_json(request, QueueSet)
    view = await engine.set_queue(
        services(request),
        path_int(request, "exhibitor_id"),
        state=form.state,
        max_length=form.max_length,
    )
    return JSONResponse({"queue": view, "ticket": None})


async def all_queues(request: Request) -> JSONResponse:
    """Every booth with someone in line: its length, its longest wait, its state."""
    async with services(request).read() as db:
        rows = await db.execute(
            select(
                QueueTicket.exhibitor_id,
                func.count(),
                func.min(QueueTicket.joined_at),
            )
            .where(col(QueueTicket.status) == TicketStatus.WAITING)
            .group_by(col(QueueTicket.exhibitor_id))
            .order_by(func.count().desc(), col(QueueTicket.exhibitor_id))
        )
        found = rows.all()
        ids = [r[0] for r in found] or [0]
        names = {
            e.id: e
            for e in (
                await db.execute(select(Exhibitor).where(col(Exhibitor.id).in_(ids)))
            ).scalars()
        }
        states = {
            q.exhibitor_id: q.state
            for q in (
                await db.execute(select(BoothQueue).where(col(BoothQueue.exhibitor_id).in_(ids)))
            ).scalars()
        }
    return JSONResponse(
        {
            "queues": [
                {
                    "exhibitor": exhibitor_id,
                    "state": states.get(exhibitor_id, QueueState.OPEN),
                    "name_zh": names[exhibitor_id].name_zh if exhibitor_id in names else "",
                    "name_en": names[exhibitor_id].name_en if exhibitor_id in names else "",
                    "length": length,
                    "longest_wait_since": since.isoformat() if since else None,
                }
                for exhibitor_id, length, since in found
            ]
        }
    )


# --- the websocket ----------------------------------------------------------------------------


async def join_command(ctx: CommandContext, data: JoinCommand) -> dict[str, Any]:
    view, created = await engine.join(
        ctx.services, ctx.require_principal(), data.exhibitor, share_card=data.share_card
    )
    return {"ticket": view, "created": created}


async def leave_command(ctx: CommandContext, data: TicketCommand) -> dict[str, Any]:
    return {"ticket": await engine.leave(ctx.services, data.ticket)}


async def answer_command(ctx: CommandContext, data: TicketCommand) -> dict[str, Any]:
    return {"ticket": await engine.answer(ctx.services, data.ticket)}


async def call_command(ctx: CommandContext, data: BoothCommand) -> dict[str, Any]:
    return {"ticket": await engine.call_next(ctx.services, ctx.require_principal(), data.exhibitor)}


async def serve_command(ctx: CommandContext, data: TicketCommand) -> dict[str, Any]:
    return {"ticket": await engine.serve(ctx.services, data.ticket)}


async def no_show_command(ctx: CommandContext, data: TicketCommand) -> dict[str, Any]:
    ticket = await engine.no_show(ctx.services, data.ticket)
    if ticket is None:
        raise Conflict("queue.not_called", "This ticket is not being called now.")
    async with ctx.services.read() as db:
        return {"ticket": await staff_ticket_view(db, ticket, None)}


_TICKET: Responses = {200: TicketOut, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody}

routes = [
    route(
        "/api/match/queues",
        all_queues,
        methods=["GET"],
        action="queue.overview",
        responses={200: QueuesOut},
        summary="Every booth queue's length and longest wait (organisers)",
    ),
    route(
        "/api/match/hall-queues",
        hall_queues,
        methods=["GET"],
        action="queue.hall",
        query=HallQuery,
        responses={200: HallQueuesOut, 400: ErrorBody, 503: ErrorBody},
        summary="The queues of a page of the hall's booths (state, length, wait, my ticket)",
    ),
    route(
        "/api/match/queues/{exhibitor_id}",
        queue,
        methods=["GET"],
        action="queue.read",
        path_params=ExhibitorPath,
        responses={200: QueueOut, 404: ErrorBody, 503: ErrorBody},
        summary="A booth's queue: state, length, waiting times, and my ticket there",
    ),
    route(
        "/api/match/queues/{exhibitor_id}",
        set_queue,
        methods=["PATCH"],
        action="queue.set",
        body=QueueSet,
        path_params=ExhibitorPath,
        target=booth_of_path,
        responses={200: QueueOut, 404: ErrorBody, 503: ErrorBody},
        summary="Pause, resume, close or cap a booth's queue (its staff)",
    ),
    route(
        "/api/match/queues/{exhibitor_id}/tickets",
        join,
        methods=["POST"],
        action="queue.join",
        body=JoinIn,
        path_params=ExhibitorPath,
        responses={201: TicketOut, **_TICKET},
        summary="Join a booth's queue (or get the ticket already held there)",
    ),
    route(
        "/api/match/queues/{exhibitor_id}/line",
        line,
        methods=["GET"],
        action="queue.line",
        path_params=ExhibitorPath,
        target=booth_of_path,
        responses={200: LineOut, 404: ErrorBody, 503: ErrorBody},
        summary="Who waits in a booth's queue, in order, and the calls going on (its staff)",
    ),
    route(
        "/api/match/queues/{exhibitor_id}/call",
        call,
        methods=["POST"],
        action="queue.call",
        path_params=ExhibitorPath,
        target=booth_of_path,
        responses=_TICKET,
        summary="Call the next person in line (a staff member of the booth)",
    ),
    route(
        "/api/match/queue-tickets",
        my_tickets,
        methods=["GET"],
        action="queue.mine",
        responses={200: TicketsOut, 503: ErrorBody},
        summary="My live queue tickets, with positions and waits, and those dropped lately",
    ),
    route(
        "/api/match/queue-tickets/{ticket_id}",
        my_ticket,
        methods=["GET"],
        action="queue.ticket",
        path_params=TicketPath,
        target=ticket_of_path,
        responses=_TICKET,
        summary="One of my queue tickets",
    ),
    route(
        "/api/match/queue-tickets/{ticket_id}",
        leave,
        methods=["DELETE"],
        action="queue.leave",
        path_params=TicketPath,
        target=ticket_of_path,
        responses=_TICKET,
        summary="Leave a queue (or let a call go)",
    ),
    route(
        "/api/match/queue-tickets/{ticket_id}/answer",
        answer,
        methods=["POST"],
        action="queue.answer",
        path_params=TicketPath,
        target=ticket_of_path,
        responses=_TICKET,
        summary="Answer a call within its window: the call's room opens",
    ),
    route(
        "/api/match/queue-tickets/{ticket_id}/served",
        served,
        methods=["POST"],
        action="queue.serve",
        path_params=TicketPath,
        target=ticket_of_path,
        responses=_TICKET,
        summary="Mark a called person served (the booth's staff)",
    ),
    route(
        "/api/match/queue-tickets/{ticket_id}/no-show",
        no_show,
        methods=["POST"],
        action="queue.no_show",
        path_params=TicketPath,
        target=ticket_of_path,
        responses=_TICKET,
        summary="A called person did not come: back in line once, then out (the booth's staff)",
    ),
]

commands = {
    # Joining and leaving spend the "moderate" budget (120 a minute, 30 at once) per account.
    "queue.join": CommandSpec(join_command, JoinCommand, action="queue.join", rate="moderate"),
    "queue.leave": CommandSpec(
        leave_command,
        TicketCommand,
        action="queue.leave",
        rate="moderate",
        target=ticket_of_command,
    ),
    "queue.answer": CommandSpec(
        answer_command, TicketCommand, action="queue.answer", target=ticket_of_command
    ),
    "queue.call": CommandSpec(
        call_command, BoothCommand, action="queue.call", target=booth_of_command
    ),
    "queue.serve": CommandSpec(
        serve_command, TicketCommand, action="queue.serve", target=ticket_of_command
    ),
    "queue.no_show": CommandSpec(
        no_show_command, TicketCommand, action="queue.no_show", target=ticket_of_command
    ),
}

ORGANISERS: Rule = only(Role.ORGANIZER)

permissions = {
    "queue.read": Rule(None),
    "queue.hall": Rule(None),
    "queue.join": JOIN,
    "queue.mine": Rule(frozenset(Role)),
    "queue.ticket": OWNER_OF_TICKET,
    "queue.leave": OWNER_OF_TICKET,
    "queue.answer": OWNER_OF_TICKET,
    "queue.line": SEES_LINE,
    "queue.call": SERVES_BOOTH,
    "queue.serve": SERVES_BOOTH,
    "queue.no_show": SERVES_BOOTH,
    "queue.set": SERVES_BOOTH,
    "queue.overview": ORGANISERS,
}
