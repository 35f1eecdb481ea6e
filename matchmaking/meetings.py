"""1:1 meetings: request, accept (placed at once), decline, withdraw, cancel, reschedule; my
requests, my meetings, and my meetings as iCalendar.

    => {"type": "match.request", "id": 1, "data": {"recipient": 7, "note": "..."}}
    <- {"type": "ok", "id": 1, "data": {"request": {...}}}
    => {"type": "match.accept", "id": 2, "data": {"request": 12}}
    <- {"type": "ok", "id": 2, "data": {"request": {...}, "placed": true, "meeting": {...}}}
       (or "placed": false, "reason": {"code": "match.no_common_slot", ...})
    <= {"type": "match.request_changed", "topic": "account:7",
        "data": {"request": {...}, "version": 2}}
    <= {"type": "match.meeting_changed", "topic": "account:7",
        "data": {"meeting": {...}, "version": 1}}

HTTP twins: POST /api/match/requests, /api/match/requests/{id}/accept|decline|withdraw,
/api/match/meetings/{id}/cancel|reschedule. Every change is stored, then announced on both
people's `account:<id>` topics (and the meeting's own topic), and `match.dashboard_changed`
on `match-organisers:all`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from expo.http import (
    ErrorBody,
    JSONResponse,
    Raw,
    path_int,
    principal,
    read_json,
    route,
    services,
)
from expo.models import Account, utcnow
from expo.permissions import SIGNED_IN, Rule
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.services import Services
from matchmaking import meetings_store as store
from matchmaking.access import (
    PARTICIPANTS,
    PARTY_TO_MEETING,
    PARTY_TO_REQUEST,
    RECIPIENT_OF_REQUEST,
    meeting_of_command,
    meeting_of_path,
    request_of_command,
    request_of_path,
)
from matchmaking.blocks import unseen_by
from matchmaking.meeting_rules import NOTE_STORED, clean_reason
from matchmaking.meetings_ical import (
    calendar_domain,
    calendar_entries,
    calendar_language,
    meetings_calendar,
)

Id = Annotated[int, Field(gt=0, lt=2**31)]


class RequestIn(Strict):
    recipient: Id
    # Measured in characters people see (≤ 300) by the rules; this bounds the raw size first.
    note: str = Field(default="", max_length=NOTE_STORED * 4)


class RequestRef(Strict):
    request: Id


class CancelIn(Strict):
    reason: str = Field(default="", max_length=2000)


class CancelData(CancelIn):
    meeting: Id


class RescheduleIn(Strict):
    slot: Id


class RescheduleData(RescheduleIn):
    meeting: Id


class RequestPath(BaseModel):
    request_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


class MeetingPath(BaseModel):
    meeting_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class RequestOut(_Out):
    request: dict[str, Any]


class AcceptOut(RequestOut):
    placed: bool


class RequestsOut(_Out):
    sent: list[dict[str, Any]]
    received: list[dict[str, Any]]
    cap: int
    pending_sent: int


class MeetingOut(_Out):
    meeting: dict[str, Any]


class MeetingsOut(_Out):
    meetings: list[dict[str, Any]]


async def _done(svc: Services, outcome: store.Outcome) -> dict[str, Any]:
    """Announce what is stored; then answer."""
    await svc.hub.publish_stored(outcome.events)
    return outcome.reply


# --- commands ----------------------------------------------------------------------------------


async def request_command(ctx: CommandContext, data: RequestIn) -> dict[str, Any]:
    who = ctx.require_principal()
    await ctx.services.hub.announcer.ready()  # a broker that is down refuses before storing
    return await _done(
        ctx.services, await store.send_request(ctx.services, who, data.recipient, data.note)
    )


async def accept_command(ctx: CommandContext, data: RequestRef) -> dict[str, Any]:
    who = ctx.require_principal()
    await ctx.services.hub.announcer.ready()
    return await _done(ctx.services, await store.accept(ctx.services, who, data.request))


async def decline_command(ctx: CommandContext, data: RequestRef) -> dict[str, Any]:
    await ctx.services.hub.announcer.ready()
    return await _done(ctx.services, await store.decline(ctx.services, data.request))


async def withdraw_command(ctx: CommandContext, data: RequestRef) -> dict[str, Any]:
    who = ctx.require_principal()
    await ctx.services.hub.announcer.ready()
    return await _done(ctx.services, await store.withdraw(ctx.services, who, data.request))


async def cancel_command(ctx: CommandContext, data: CancelData) -> dict[str, Any]:
    who = ctx.require_principal()
    reason = clean_reason(data.reason)
    await ctx.services.hub.announcer.ready()
    return await _done(ctx.services, await store.cancel(ctx.services, who, data.meeting, reason))


async def reschedule_command(ctx: CommandContext, data: RescheduleData) -> dict[str, Any]:
    who = ctx.require_principal()
    await ctx.services.hub.announcer.ready()
    outcome = await store.reschedule(ctx.services, who, data.meeting, data.slot)
    return await _done(ctx.services, outcome)


# --- HTTP twins --------------------------------------------------------------------------------


async def post_request(request: Request) -> JSONResponse:
    form = await read_json(request, RequestIn)
    who = principal(request)
    assert who is not None
    svc = services(request)
    await svc.hub.announcer.ready()
    reply = await _done(svc, await store.send_request(svc, who, form.recipient, form.note))
    return JSONResponse(reply, status_code=201)


async def post_accept(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    svc = services(request)
    await svc.hub.announcer.ready()
    outcome = await store.accept(svc, who, path_int(request, "request_id"))
    return JSONResponse(await _done(svc, outcome))


async def post_decline(request: Request) -> JSONResponse:
    svc = services(request)
    await svc.hub.announcer.ready()
    outcome = await store.decline(svc, path_int(request, "request_id"))
    return JSONResponse(await _done(svc, outcome))


async def post_withdraw(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    svc = services(request)
    await svc.hub.announcer.ready()
    outcome = await store.withdraw(svc, who, path_int(request, "request_id"))
    return JSONResponse(await _done(svc, outcome))


async def post_cancel(request: Request) -> JSONResponse:
    form = await read_json(request, CancelIn)
    who = principal(request)
    assert who is not None
    svc = services(request)
    reason = clean_reason(form.reason)
    await svc.hub.announcer.ready()
    outcome = await store.cancel(svc, who, path_int(request, "meeting_id"), reason)
    return JSONResponse(await _done(svc, outcome))


async def post_reschedule(request: Request) -> JSONResponse:
    form = await read_json(request, RescheduleIn)
    who = principal(request)
    assert who is not None
    svc = services(request)
    await svc.hub.announcer.ready()
    outcome = await store.reschedule(svc, who, path_int(request, "meeting_id"), form.slot)
    return JSONResponse(await _done(svc, outcome))


# --- reading -----------------------------------------------------------------------------------


async def get_requests(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    async with services(request).read() as db:
        unseen = await unseen_by(db, who.account_id)
        return JSONResponse(await store.my_requests(db, who.account_id, unseen))


async def get_meetings(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    async with services(request).read() as db:
        return JSONResponse({"meetings": await store.my_meetings(db, who.account_id)})


async def get_meeting(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    async with services(request).read() as db:
        view = await store.one_meeting(db, path_int(request, "meeting_id"), who.account_id)
    return JSONResponse({"meeting": view})


async def get_meetings_ics(request: Request) -> Response:
    """My confirmed meetings as iCalendar; a bearer token of the `read` scope will do, so a
    calendar app can subscribe to it. Read once (the store), written out by meetings_ical."""
    who = principal(request)
    assert who is not None
    svc = services(request)
    async with svc.read() as db:
        account = await db.get(Account, who.account_id)
        mine = await store.confirmed_meetings(db, who.account_id)
    lang = calendar_language(None if account is None else account.language)
    base = svc.settings.public_url or str(request.base_url).rstrip("/")
    entries = calendar_entries(mine.meetings, mine.people, who.account_id, lang=lang, base=base)
    body = meetings_calendar(entries, lang=lang, stamp=utcnow(), domain=calendar_domain(base))
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="shubo-meetings.ics"',
            "Cache-Control": "private, no-store",
        },
    )


# --- the table ---------------------------------------------------------------------------------

permissions: dict[str, Rule] = {
    "match.request": Rule(PARTICIPANTS),
    "match.answer": RECIPIENT_OF_REQUEST,  # accept, decline
    # Either of the two; the store lets the requester withdraw an unanswered request and either
    # back out of an accepted one still waiting for a slot (meeting_rules.may_withdraw).
    "match.withdraw": PARTY_TO_REQUEST,
    "match.meeting": PARTY_TO_MEETING,  # cancel, reschedule
    "match.meeting.read": PARTY_TO_MEETING,  # GET only: a read token may
    "match.mine": SIGNED_IN,  # my requests, meetings, calendar (GET only)
}

commands = {
    "match.request": CommandSpec(
        request_command, RequestIn, action="match.request", rate="moderate"
    ),
    "match.accept": CommandSpec(
        accept_command,
        RequestRef,
        action="match.answer",
        rate="moderate",
        target=request_of_command,
    ),
    "match.decline": CommandSpec(
        decline_command,
        RequestRef,
        action="match.answer",
        rate="moderate",
        target=request_of_command,
    ),
    "match.withdraw": CommandSpec(
        withdraw_command,
        RequestRef,
        action="match.withdraw",
        rate="moderate",
        target=request_of_command,
    ),
    "match.cancel": CommandSpec(
        cancel_command,
        CancelData,
        action="match.meeting",
        rate="moderate",
        target=meeting_of_command,
    ),
    "match.reschedule": CommandSpec(
        reschedule_command,
        RescheduleData,
        action="match.meeting",
        rate="moderate",
        target=meeting_of_command,
    ),
}

_CHANGE = {400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody}

routes = [
    route(
        "/api/match/requests",
        post_request,
        methods=["POST"],
        action="match.request",
        rate="moderate",
        body=RequestIn,
        responses={201: RequestOut, **_CHANGE},
        summary="Ask someone for a 1:1 meeting (with a short note)",
    ),
    route(
        "/api/match/requests",
        get_requests,
        methods=["GET"],
        action="match.mine",
        responses={200: RequestsOut},
        summary="My meeting requests, sent and received",
    ),
    route(
        "/api/match/requests/{request_id}/accept",
        post_accept,
        methods=["POST"],
        action="match.answer",
        rate="moderate",
        target=request_of_path,
        path_params=RequestPath,
        responses={200: AcceptOut, **_CHANGE},
        summary="Accept a request: placed at once in the earliest common free slot, if any",
    ),
    route(
        "/api/match/requests/{request_id}/decline",
        post_decline,
        methods=["POST"],
        action="match.answer",
        rate="moderate",
        target=request_of_path,
        path_params=RequestPath,
        responses={200: RequestOut, **_CHANGE},
        summary="Decline a request sent to me",
    ),
    route(
        "/api/match/requests/{request_id}/withdraw",
        post_withdraw,
        methods=["POST"],
        action="match.withdraw",
        rate="moderate",
        target=request_of_path,
        path_params=RequestPath,
        responses={200: RequestOut, **_CHANGE},
        summary="Withdraw a request: mine not yet answered, or either's accepted and waiting "
        "for a slot",
    ),
    route(
        "/api/match/meetings",
        get_meetings,
        methods=["GET"],
        action="match.mine",
        responses={200: MeetingsOut},
        summary="My confirmed meetings, by slot",
    ),
    route(
        "/api/match/meetings.ics",
        get_meetings_ics,
        methods=["GET"],
        action="match.mine",
        responses={200: Raw("text/calendar", {"type": "string"})},
        summary="My meetings as iCalendar (a read-scope bearer token will do)",
    ),
    route(
        "/api/match/meetings/{meeting_id}",
        get_meeting,
        methods=["GET"],
        action="match.meeting.read",
        target=meeting_of_path,
        path_params=MeetingPath,
        responses={200: MeetingOut, 404: ErrorBody},
        summary="One of my meetings",
    ),
    route(
        "/api/match/meetings/{meeting_id}/cancel",
        post_cancel,
        methods=["POST"],
        action="match.meeting",
        rate="moderate",
        target=meeting_of_path,
        body=CancelIn,
        path_params=MeetingPath,
        responses={200: MeetingOut, **_CHANGE},
        summary="Cancel one of my meetings (its seat is offered again at once)",
    ),
    route(
        "/api/match/meetings/{meeting_id}/reschedule",
        post_reschedule,
        methods=["POST"],
        action="match.meeting",
        rate="moderate",
        target=meeting_of_path,
        body=RescheduleIn,
        path_params=MeetingPath,
        responses={200: MeetingOut, **_CHANGE},
        summary="Move one of my meetings to another slot both of us are free in",
    ),
]
