"""A personal agenda: attendees star sessions, read them back (also as iCalendar), and get a
reminder on their own topic when a starred session starts.

    => {"type": "agenda.star", "id": 1, "data": {"session": 7}}
    <- {"type": "ok", "id": 1, "data": {"session": 7, "starred": true}}
    <= {"type": "agenda.changed", "topic": "account:3", "data": {"session": 7, "starred": true}}
    <= {"type": "agenda.reminder", "topic": "account:3", "data": {"session": {...}, "forum": {...}}}

The reminders are a background job in every server process; each due session is claimed with
one conditional UPDATE of `reminded_at`, so exactly one process sends its reminders. A claim
whose first reminder the broker failed is given back for the next round; once one went out the
rest are kept and retried (expo/reminder_claims.py, shared with the matchmaking reminders).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response

from expo.db import stored_id
from expo.errors import NotFound
from expo.http import JSONResponse, Raw, principal, route, services
from expo.models import Account, utcnow
from expo.permissions import SIGNED_IN
from expo.realtime.announce import Announcement
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.reminder_claims import Reminders, remind_once
from expo.services import Services
from forums import store
from forums.agenda_ical import AgendaEntry, agenda_calendar
from forums.models import AgendaStar, Forum, ForumSession, PersonRole
from forums.programme_rules import REMINDER_LATE
from forums.views import SessionOut, Title, session_view

log = logging.getLogger("forums.agenda")

CHANGED = "agenda.changed"
REMINDER = "agenda.reminder"


def account_topic(account_id: int) -> str:
    return f"account:{account_id}"


class StarData(Strict):
    session: int = Field(gt=0, lt=2**31)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoomRef(_Out):
    id: int
    slug: str  # the room's address in the web app: #/forum/<slug>
    title: Title


class AgendaItem(_Out):
    session: SessionOut
    forum: RoomRef
    starred_at: datetime


class AgendaOut(_Out):
    """The sessions one has starred, by start time."""

    items: list[AgendaItem]


# --- starring ----------------------------------------------------------------------------------


async def star(ctx: CommandContext, data: StarData) -> dict[str, Any]:
    return await _set_star(ctx, data.session, starred=True)


async def unstar(ctx: CommandContext, data: StarData) -> dict[str, Any]:
    return await _set_star(ctx, data.session, starred=False)


async def _set_star(ctx: CommandContext, session_id: int, *, starred: bool) -> dict[str, Any]:
    """Star or unstar (both idempotent); the account's other tabs hear of it."""
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    try:
        async with svc.db() as db:
            if await db.get(ForumSession, session_id) is None:
                raise NotFound("session.unknown", f"There is no session {session_id}.")
            mine = (
                col(AgendaStar.account_id) == who.account_id,
                col(AgendaStar.session_id) == session_id,
            )
            if not starred:
                await db.execute(delete(AgendaStar).where(*mine))
            elif (await db.execute(select(AgendaStar.id).where(*mine))).first() is None:
                db.add(AgendaStar(account_id=who.account_id, session_id=session_id))
            await db.commit()
    except IntegrityError:
        pass  # starred at the same moment in another tab: starred all the same
    result = {"session": session_id, "starred": starred}
    await svc.hub.publish_stored([(account_topic(who.account_id), CHANGED, result)])
    return result


# --- reading -----------------------------------------------------------------------------------


async def _starred(db: AsyncSession, account_id: int) -> list[tuple[ForumSession, Forum, datetime]]:
    query = (
        select(ForumSession, Forum, AgendaStar.created_at)
        .join(AgendaStar, col(AgendaStar.session_id) == ForumSession.id)
        .join(Forum, col(Forum.id) == ForumSession.forum_id)
        .where(col(AgendaStar.account_id) == account_id)
        .order_by(col(ForumSession.starts_at), col(ForumSession.id))
    )
    return [(s, f, at) for s, f, at in (await db.execute(query)).all()]


def room_ref(forum: Forum) -> dict[str, Any]:
    return {
        "id": forum.id,
        "slug": forum.slug,
        "title": {"zh": forum.title_zh, "en": forum.title_en},
    }


async def my_agenda(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    async with services(request).read() as db:
        rows = await _starred(db, who.account_id)
        people = await store.people_of(db, [s.id for s, _, _ in rows])  # type: ignore[misc]
    items = [
        {
            "session": session_view(s, people[s.id]),  # type: ignore[index]
            "forum": room_ref(f),
            "starred_at": at.isoformat(),
        }
        for s, f, at in rows
    ]
    return JSONResponse({"items": items})


async def my_agenda_ics(request: Request) -> Response:
    who = principal(request)
    assert who is not None
    svc = services(request)
    async with svc.read() as db:
        account = await db.get(Account, who.account_id)
        rows = await _starred(db, who.account_id)
        people = await store.people_of(db, [s.id for s, _, _ in rows])  # type: ignore[misc]
    lang = "zh" if account is None or account.language.lower().startswith("zh") else "en"
    base = svc.settings.public_url or str(request.base_url).rstrip("/")
    entries = [
        AgendaEntry(
            session=s,
            room_title=(f.title_zh or f.title_en) if lang == "zh" else (f.title_en or f.title_zh),
            room_url=f"{base}/#/forum/{f.slug}",
            people=[p.name for p in people[s.id] if p.role == PersonRole.SPEAKER],  # type: ignore[index]
        )
        for s, f, _ in rows
    ]
    body = agenda_calendar(entries, lang=lang, stamp=utcnow())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="shubo-agenda.ics"',
            "Cache-Control": "private, no-store",
        },
    )


# --- reminders ---------------------------------------------------------------------------------


async def send_reminders(svc: Services) -> None:
    """Every `settings.reminder_interval` seconds, in every process: claim the sessions that started
    (at most REMINDER_LATE ago) and remind whoever starred them."""
    interval = svc.settings.reminder_interval
    while True:
        try:
            await remind_due(svc, utcnow())
        except Exception:
            log.exception("agenda reminders failed; trying again next round")
        await asyncio.sleep(interval)


async def remind_due(svc: Services, at: datetime) -> list[int]:
    """Send the reminders due at `at`; returns the sessions whose reminders this process sent.
    Claimed and given back by the core's machinery (expo/reminder_claims.py), shared with the
    matchmaking reminders: a session whose first reminder the broker fails is given back for
    the next round, on whichever process, while it is within REMINDER_LATE."""
    return await remind_once(svc, ForumSession, _due, at, _by_session, log)


def _due(at: datetime) -> list[Any]:
    return [
        col(ForumSession.reminded_at).is_(None),
        col(ForumSession.starts_at) <= at,
        col(ForumSession.starts_at) > at - REMINDER_LATE,
    ]


async def _by_session(db: AsyncSession, session_ids: list[int]) -> Reminders:
    grouped: dict[int, list[Announcement]] = {}
    for account_id, data in await _reminders(db, session_ids):
        grouped.setdefault(data["session"]["id"], []).append(
            (account_topic(account_id), REMINDER, data)
        )
    return list(grouped.items())


async def _reminders(db: AsyncSession, session_ids: Sequence[int]) -> list[tuple[int, Any]]:
    query = (
        select(AgendaStar.account_id, ForumSession, Forum)
        .join(ForumSession, col(ForumSession.id) == AgendaStar.session_id)
        .join(Forum, col(Forum.id) == ForumSession.forum_id)
        .where(col(AgendaStar.session_id).in_(session_ids))
        .order_by(col(AgendaStar.account_id), col(ForumSession.id))
    )
    rows = (await db.execute(query)).all()
    people = await store.people_of(db, list({stored_id(s) for _, s, _ in rows}))
    return [
        (
            account_id,
            {
                "session": session_view(s, people[stored_id(s)]),
                "forum": room_ref(f),
            },
        )
        for account_id, s, f in rows
    ]


permissions = {"agenda.read": SIGNED_IN, "agenda.star": SIGNED_IN}
commands = {
    "agenda.star": CommandSpec(star, StarData, action="agenda.star", rate="vote"),
    "agenda.unstar": CommandSpec(unstar, StarData, action="agenda.star", rate="vote"),
}
tasks = [send_reminders]
routes = [
    route(
        "/api/me/agenda",
        my_agenda,
        methods=["GET"],
        action="agenda.read",
        responses={200: AgendaOut},
        summary="My agenda: the sessions I starred",
    ),
    route(
        "/api/me/agenda.ics",
        my_agenda_ics,
        methods=["GET"],
        action="agenda.read",
        responses={200: Raw("text/calendar", {"type": "string"})},
        summary="My agenda as iCalendar (one event per starred session, in UTC)",
    ),
]
