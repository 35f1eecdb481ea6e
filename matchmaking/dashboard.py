"""The organisers' matchmaking figures (`GET /api/match/dashboard`) and every meeting as a
spreadsheet (`GET /api/match/meetings.csv`), read from the requests and meetings as stored.

Figures are counted in SQL (GROUP BY), so they cost the same with 200 people or 20,000; the
per-participant histogram is over everyone with a profile, so "no meeting yet" counts those
who are waiting, not everyone who ever signed in.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response

from expo.errors import NotFound
from expo.hall.public import exhibitor_card
from expo.http import ErrorBody, JSONResponse, Raw, path_int, route, services
from expo.models import Account, Role, utcnow
from expo.permissions import only
from expo.spreadsheet import csv_response
from matchmaking.meetings_ical import (
    calendar_domain,
    calendar_entries,
    calendar_language,
    meetings_calendar,
)
from matchmaking.meetings_store import confirmed_meetings
from matchmaking.models import (
    MatchProfile,
    MatchSlot,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    RequestStatus,
)
from matchmaking.organiser_settings import seats_of
from matchmaking.profiles import AccountPath

BUSIEST = 10
WAITING_LISTED = 20


class DashboardOut(BaseModel):
    dashboard: dict[str, Any]


def acceptance_rate(accepted: int, declined: int) -> float | None:
    """Of the requests answered, the share accepted (None before any answer). Withdrawn and
    pending ones are no answer: they say nothing of how welcome requests are."""
    answered = accepted + declined
    return None if answered == 0 else round(accepted / answered, 4)


def histogram(per_person: dict[int, int], everyone: list[int]) -> list[dict[str, int]]:
    """How many people have 0, 1, 2... meetings, from 0 to the most anyone has."""
    counts = Counter(per_person.get(a, 0) for a in everyone)
    top = max(counts, default=0)
    return [{"meetings": n, "people": counts.get(n, 0)} for n in range(top + 1)]


async def figures(db: AsyncSession) -> dict[str, Any]:
    by_status = dict(
        (
            await db.execute(
                select(MeetingRequest.status, func.count()).group_by(col(MeetingRequest.status))
            )
        ).all()
    )
    requests = {s.value: int(by_status.get(s.value, 0)) for s in RequestStatus}
    confirmed = col(Meeting.status) == MeetingStatus.CONFIRMED
    per_person: Counter[int] = Counter()
    for column in (Meeting.requester_id, Meeting.recipient_id):
        rows = await db.execute(select(column, func.count()).where(confirmed).group_by(col(column)))
        per_person.update({a: int(n) for a, n in rows.all()})
    profiles = await db.execute(
        select(MatchProfile.account_id, Account.display_name, Account.organisation)
        .join(Account, col(Account.id) == col(MatchProfile.account_id))
        .where(col(Account.disabled_at).is_(None))
        .order_by(col(MatchProfile.account_id))
    )
    people = profiles.all()
    everyone = [a for a, _, _ in people]
    waiting = [
        {"account": a, "name": name, "organisation": org}
        for a, name, org in people
        if per_person.get(a, 0) == 0
    ]
    # Who "asked", as the scheduler counts them: sent a request (not withdrawn) or accepted
    # one. The headline "without a meeting" is over these, so the dashboard and the
    # scheduler's "everyone who asked has a meeting" agree; profiles that never sent nor
    # received a request are counted apart.
    asked_rows = await db.execute(
        sa_select(col(MeetingRequest.requester_id)).where(
            col(MeetingRequest.status) != RequestStatus.CANCELLED
        )
    )
    askers = {int(a) for (a,) in asked_rows.all()}
    accepted_rows = await db.execute(
        sa_select(col(MeetingRequest.recipient_id)).where(
            col(MeetingRequest.status) == RequestStatus.ACCEPTED
        )
    )
    askers |= {int(a) for (a,) in accepted_rows.all()}
    touched_rows = await db.execute(
        sa_select(col(MeetingRequest.requester_id), col(MeetingRequest.recipient_id))
    )
    touched = {int(a) for pair in touched_rows.all() for a in pair}
    asked_waiting = [p for p in waiting if p["account"] in askers]
    untouched = sum(1 for a in everyone if a not in touched)
    busiest_rows = await db.execute(
        select(Meeting.exhibitor_id, func.count())
        .where(confirmed, col(Meeting.exhibitor_id).is_not(None))
        .group_by(col(Meeting.exhibitor_id))
        .order_by(func.count().desc(), col(Meeting.exhibitor_id))
        .limit(BUSIEST)
    )
    busiest = []
    for exhibitor_id, count in busiest_rows.all():
        card = await exhibitor_card(db, exhibitor_id)
        busiest.append(
            {
                "exhibitor": {
                    "id": exhibitor_id,
                    "name_zh": card.name_zh if card else "",
                    "name_en": card.name_en if card else "",
                },
                "meetings": int(count),
                "seats": await seats_of(db, exhibitor_id),
            }
        )
    meetings = int(
        (await db.execute(select(func.count()).select_from(Meeting).where(confirmed))).scalar_one()
    )
    # The people with the most meetings, each with a link to their calendar in the console.
    top = per_person.most_common(BUSIEST)
    named = dict(
        (a, (name, org))
        for a, name, org in (
            await db.execute(
                select(Account.id, Account.display_name, Account.organisation).where(
                    col(Account.id).in_([a for a, _ in top])
                )
            )
        ).all()
    )
    busiest_people = [
        {
            "account": a,
            "name": named.get(a, ("", ""))[0],
            "organisation": named.get(a, ("", ""))[1],
            "meetings": n,
        }
        for a, n in top
    ]
    return {
        "requests": {"total": sum(requests.values()), **requests},
        "acceptance_rate": acceptance_rate(requests["accepted"], requests["declined"]),
        "meetings": meetings,
        "participants": len(everyone),
        "per_participant": histogram(per_person, everyone),
        "without_meeting": {"count": len(waiting), "people": waiting[:WAITING_LISTED]},
        "asked_without_meeting": {
            "count": len(asked_waiting),
            "people": asked_waiting[:WAITING_LISTED],
        },
        "without_request": {"count": untouched},
        "busiest_exhibitors": busiest,
        "busiest_people": busiest_people,
    }


async def read_dashboard(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        return JSONResponse({"dashboard": await figures(db)})


HEADER = [
    "meeting",
    "status",
    "starts_at",
    "ends_at",
    "requester",
    "requester_organisation",
    "recipient",
    "recipient_organisation",
    "exhibitor_zh",
    "exhibitor_en",
    "seat",
    "placed_by",
    "note",
]


async def meeting_rows(db: AsyncSession) -> list[list[object]]:
    requester, recipient = aliased(Account, name="requester"), aliased(Account, name="recipient")
    rows = await db.execute(
        sa_select(
            Meeting,
            col(MatchSlot.starts_at),
            col(MatchSlot.ends_at),
            col(requester.display_name),
            col(requester.organisation),
            col(recipient.display_name),
            col(recipient.organisation),
            col(MeetingRequest.note),
        )
        .join(MatchSlot, col(MatchSlot.id) == col(Meeting.slot_id))
        .join(requester, col(requester.id) == col(Meeting.requester_id))
        .join(recipient, col(recipient.id) == col(Meeting.recipient_id))
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .order_by(col(MatchSlot.starts_at), col(Meeting.id))
    )
    names: dict[int, tuple[str, str]] = {}
    out: list[list[object]] = []
    for meeting, starts, ends, req_name, req_org, rec_name, rec_org, note in rows.all():
        ex = meeting.exhibitor_id
        if ex is not None and ex not in names:
            card = await exhibitor_card(db, ex)
            names[ex] = (card.name_zh, card.name_en) if card else ("", "")
        zh, en = names.get(ex, ("", "")) if ex is not None else ("", "")
        out.append(
            [
                meeting.id,
                meeting.status,
                starts.isoformat(),
                ends.isoformat(),
                req_name,
                req_org,
                rec_name,
                rec_org,
                zh,
                en,
                meeting.seat,
                meeting.placed_by,
                note,
            ]
        )
    return out


async def meetings_csv(request: Request) -> Response:
    async with services(request).read() as db:
        rows = await meeting_rows(db)
    return csv_response("数博会-商务撮合-meetings.csv", HEADER, rows)


async def person_meetings_ics(request: Request) -> Response:
    """One person's confirmed meetings as iCalendar, for organisers to hand out or check: the
    very calendar that person gets at /api/match/meetings.ics (the meetings part's builder), in
    that person's language."""
    account_id = path_int(request, "account_id")
    svc = services(request)
    async with svc.read() as db:
        account = await db.get(Account, account_id)
        if account is None:
            raise NotFound("match.unknown_person", f"There is no account {account_id}.")
        theirs = await confirmed_meetings(db, account_id)
    lang = calendar_language(account.language)
    base = svc.settings.public_url or str(request.base_url).rstrip("/")
    entries = calendar_entries(theirs.meetings, theirs.people, account_id, lang=lang, base=base)
    body = meetings_calendar(entries, lang=lang, stamp=utcnow(), domain=calendar_domain(base))
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="shubo-meetings-{account_id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )


routes = [
    route(
        "/api/match/people/{account_id}/meetings.ics",
        person_meetings_ics,
        methods=["GET"],
        action="match.dashboard",
        path_params=AccountPath,
        responses={200: Raw("text/calendar", {"type": "string"}), 404: ErrorBody},
        summary="One person's meetings as iCalendar (organisers)",
    ),
    route(
        "/api/match/dashboard",
        read_dashboard,
        methods=["GET"],
        action="match.dashboard",
        responses={200: DashboardOut},
        summary="Matchmaking figures: requests, acceptance, meetings per participant",
    ),
    route(
        "/api/match/meetings.csv",
        meetings_csv,
        methods=["GET"],
        action="match.dashboard",
        responses={200: Raw("text/csv", {"type": "string"})},
        summary="Every meeting as a spreadsheet (formula-safe)",
    ),
]

permissions = {"match.dashboard": only(Role.ORGANIZER)}
