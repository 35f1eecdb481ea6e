"""Schedule interchange over HTTP: the programme exported as the schedule JSON that pretalx
exports (c3voc schema), as frab XML and as iCalendar, and a pretalx/c3voc JSON imported.

    GET  /api/programme/schedule.json   anyone    application/json
    GET  /api/programme/schedule.xml    anyone    application/xml
    GET  /api/programme/schedule.ics    anyone    text/calendar (?lang=zh|en for titles)
    POST /api/programme/import          organiser the JSON; ?create_rooms=true makes forums

The import is checked against the c3voc schema, matched to the forums, upserted by guid and
checked for collisions as a whole, in one transaction under the programme lock; once stored
it is announced on `lobby:forums` and on each forum whose programme changed:

    <= {"type": "programme.imported", "topic": "lobby:forums", "seq": 41,
        "data": {"created": 3, "updated": 1, "unchanged": 32, "forums": [2, 3],
                 "rooms_created": []}}

The formats' mapping of our bilingual sessions is in docs/forums/interchange.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import Response

from expo.db import stored_id
from expo.errors import BadRequest, Conflict
from expo.http import ErrorBody, JSONResponse, Raw, read_json, route, services
from expo.models import Role, utcnow
from expo.permissions import ANYONE, only
from forums import schedule_frab, schedule_ical, schedule_json, store
from forums.domain import ScheduleConflict, Slot, forum_topic, people_names
from forums.models import Forum, ForumSession, SessionPerson
from forums.programme_store import lock_programme, slot_of
from forums.rooms import programme_changed
from forums.schedule_data import Event, Programme, Room, ScheduleMeta, programme_of
from forums.schedule_import import (
    import_conflicts,
    match_room,
    new_forum,
    people_rows,
    rooms_used,
)

META = ScheduleMeta()  # the expo as a conference; its base_url is the request's (or settings')
LOBBY_TOPIC = "lobby:forums"
IMPORTED = "programme.imported"
# A real programme is bigger than the 64 KiB other bodies may be (pretalx's demo is 63 KiB).
MAX_IMPORT_BYTES = 2 * 1024 * 1024
CONFLICTS_LISTED = 50


# --- exports -----------------------------------------------------------------------------------


def _meta(request: Request) -> ScheduleMeta:
    settings = services(request).settings
    return replace(META, base_url=settings.public_url or str(request.base_url).rstrip("/"))


async def _programme(request: Request) -> Programme:
    meta = _meta(request)
    async with services(request).read() as db:
        forums = await store.list_forums(db)
        sessions = await store.list_sessions(db)
        people = await store.people_of(db, [s.id for s in sessions])  # type: ignore[misc]
    today = utcnow().astimezone(meta.zone).date()
    return programme_of(meta, forums, sessions, people, today)


def _download(body: bytes, media_type: str, extension: str) -> Response:
    filename = f"{META.acronym}-schedule.{extension}"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-cache",  # the programme changes; apps revalidate
        },
    )


async def schedule_json_export(request: Request) -> Response:
    """The programme as the schedule JSON pretalx exports (c3voc schema)."""
    document = schedule_json.export(await _programme(request))
    return _download(schedule_json.dumps(document), "application/json", "json")


async def schedule_xml_export(request: Request) -> Response:
    """The programme as frab schedule XML (c3voc schedule.xml.xsd)."""
    return _download(schedule_frab.export(await _programme(request)), "application/xml", "xml")


class CalendarQuery(BaseModel):
    lang: Literal["zh", "en"] | None = Field(
        default=None, description="Titles in this language (default: each session's own)."
    )


async def schedule_ics_export(request: Request) -> Response:
    """The programme as iCalendar, one event per session."""
    lang = request.query_params.get("lang")
    if lang not in (None, "zh", "en"):
        raise BadRequest(message="`lang` is zh or en.")
    programme = await _programme(request)
    body = schedule_ical.export(programme, stamp=utcnow(), lang=lang)  # type: ignore[arg-type]
    return _download(body, "text/calendar", "ics")


# --- import ------------------------------------------------------------------------------------


class ScheduleDocument(RootModel[dict[str, Any]]):
    """A schedule in the c3voc JSON format (what pretalx exports), checked against its schema:
    https://c3voc.de/schedule/schema.json"""


class ImportQuery(BaseModel):
    create_rooms: bool = Field(
        default=False,
        description="Create a forum for each room the programme does not have (otherwise "
        "such rooms are refused with `schedule.unknown_room`).",
    )


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ImportResult(_Out):
    """What the import changed (sessions are matched by guid; none are deleted)."""

    created: int = Field(ge=0)
    updated: int = Field(ge=0)
    unchanged: int = Field(ge=0)
    forums: list[int]  # forums whose programme changed
    rooms_created: list[int]  # forums made for rooms the programme did not have


async def import_schedule(request: Request) -> JSONResponse:
    """Import a pretalx/c3voc schedule JSON: sessions upserted by guid, as a whole or not at
    all."""
    create_rooms = flag(request, "create_rooms")
    upload = await read_json(request, ScheduleDocument, max_bytes=MAX_IMPORT_BYTES)
    # Checking a schedule of thousands of sessions takes a while: off the event loop.
    programme = await asyncio.to_thread(schedule_json.parse, upload.root)
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    try:
        async with svc.db() as db:
            await lock_programme(db)
            result = await _store(db, programme, create_rooms=create_rooms)
            await db.commit()
    except IntegrityError:
        raise Conflict(
            "schedule.changed", "The programme changed meanwhile; import again."
        ) from None
    if result["forums"]:
        await announce_import(svc, result)
        await programme_changed(svc, result["forums"])  # some may have left a room's staff
    return JSONResponse(result)


def flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise BadRequest(message=f"`{name}` is true or false.")
    return raw in ("true", "1")


@dataclass(slots=True)
class Plan:
    """What the import does with one event: its stored row (None: a new session), its forum,
    its people as rows, and the id its slot has in the collision check."""

    event: Event
    row: ForumSession | None
    forum_id: int
    people: list[SessionPerson]
    slot_id: int  # the row's id, or a negative number of its own for a new session

    def slot(self) -> Slot:
        accounts = frozenset(p.account_id for p in self.people if p.account_id is not None)
        names = people_names((p.name, p.account_id) for p in self.people)
        event = self.event
        return Slot(self.slot_id, self.forum_id, event.starts_at, event.ends_at, accounts, names)


async def _store(db: AsyncSession, programme: Programme, *, create_rooms: bool) -> dict[str, Any]:
    """Write the imported programme into the transaction, or raise without writing."""
    forums, rooms_created = await _forums_for(db, rooms_used(programme), create_rooms=create_rooms)
    stored = await store.list_sessions(db)
    stored_people = await store.people_of(db, [s.id for s in stored])  # type: ignore[misc]
    by_guid = {s.guid: s for s in stored}
    plans = []
    for number, event in enumerate(programme.events, start=1):
        row = by_guid.get(event.guid)
        before = stored_people.get(row.id, []) if row else []  # type: ignore[arg-type]
        forum_id = forums[event.room].id
        assert forum_id is not None
        people = people_rows(event.people, before)
        plans.append(Plan(event, row, forum_id, people, row.id if row else -number))  # type: ignore[arg-type]
    _refuse_conflicts(plans, stored, stored_people)

    created, updated, changed_forums = await write_plans(db, plans, stored_people)
    return {
        "created": created,
        "updated": updated,
        "unchanged": len(plans) - created - updated,
        "forums": sorted(changed_forums),
        "rooms_created": rooms_created,
    }


async def write_plans(
    db: AsyncSession, plans: Sequence[Plan], stored_people: dict[int, list[SessionPerson]]
) -> tuple[int, int, set[int]]:
    """Write the planned sessions into the transaction (the unchanged ones stay as they are):
    how many were created and updated, and the forums whose programme changed."""
    created = updated = 0
    changed_forums: set[int] = set()
    for plan in plans:
        row = plan.row
        if row is None:
            row = ForumSession(forum_id=plan.forum_id, **event_fields(plan.event))
            db.add(row)
            await db.flush()  # for its id
            created += 1
        elif _differs(row, plan, stored_people.get(row.id, [])):  # type: ignore[arg-type]
            changed_forums.add(row.forum_id)  # a moved session leaves its old room too
            if row.starts_at != plan.event.starts_at:
                row.reminded_at = None  # a new start: its reminders are due again
            for name, value in event_fields(plan.event).items():
                setattr(row, name, value)
            row.forum_id, row.updated_at = plan.forum_id, utcnow()
            row.version += 1  # under the programme lock, as an edit
            await db.execute(delete(SessionPerson).where(col(SessionPerson.session_id) == row.id))
            updated += 1
        else:
            continue
        changed_forums.add(plan.forum_id)
        for person in plan.people:
            person.session_id = row.id
            db.add(person)
    return created, updated, changed_forums


async def _forums_for(
    db: AsyncSession, rooms: Sequence[Room], *, create_rooms: bool
) -> tuple[dict[Room, Forum], list[int]]:
    """The forum of each room, and the ids of those made for rooms the programme did not have
    (only when asked to: otherwise such rooms are refused)."""
    forums = list(await store.list_forums(db))
    found = {room: match_room(room, forums) for room in rooms}
    unknown = [room for room, forum in found.items() if forum is None]
    if unknown and not create_rooms:
        names = [room.name for room in unknown]
        raise Conflict(
            "schedule.unknown_room",
            f"The programme has no room {names[0]!r}: add it, or import with create_rooms=true.",
            details={"rooms": names},
        )
    matched: dict[Room, Forum] = {}
    created: list[int] = []
    for room, forum in found.items():
        if forum is None:
            forum = new_forum(room, forums)
            db.add(forum)
            await db.flush()  # for its id
            forums.append(forum)
            created.append(forum.id)  # type: ignore[arg-type]
        matched[room] = forum
    return matched, created


def event_fields(event: Event) -> dict[str, Any]:
    return {
        "starts_at": event.starts_at.astimezone(UTC),
        "ends_at": event.ends_at.astimezone(UTC),
        "title_zh": event.title_zh,
        "title_en": event.title_en,
        "abstract_zh": event.abstract_zh,
        "abstract_en": event.abstract_en,
        "guid": event.guid,
        "language": event.language,
        "track": event.track,
        "kind": event.kind,
        "do_not_record": event.do_not_record,
    }


def _person_key(person: SessionPerson) -> tuple[Any, ...]:
    return (person.role, person.account_id, person.name, person.code, person.biography)


def _differs(row: ForumSession, plan: Plan, stored: Sequence[SessionPerson]) -> bool:
    """Whether the import changes a stored session (else it is left alone, `updated_at` too)."""
    return bool(changed_fields(row, plan, stored))


def changed_fields(row: ForumSession, plan: Plan, stored: Sequence[SessionPerson]) -> list[str]:
    """What the import changes of a stored session: its fields' names, `forum_id` when it
    moves room, `people` when its speakers or moderators change."""
    changed = ["forum_id"] if row.forum_id != plan.forum_id else []
    changed += [n for n, v in event_fields(plan.event).items() if getattr(row, n) != v]
    if [_person_key(p) for p in plan.people] != [_person_key(p) for p in stored]:
        changed.append("people")
    return changed


def _refuse_conflicts(
    plans: Sequence[Plan],
    stored: Sequence[ForumSession],
    stored_people: dict[int, list[SessionPerson]],
) -> None:
    """Refuse the whole import if the programme after it would collide anywhere."""
    slots = [
        slot_of(s, [(p.name, p.account_id) for p in stored_people.get(stored_id(s), [])])
        for s in stored
    ]
    conflicts = import_conflicts([plan.slot() for plan in plans], slots)
    if not conflicts:
        return
    names = {stored_id(s): (s.guid, s.title_en or s.title_zh) for s in stored}
    names |= {p.slot_id: (p.event.guid, p.event.title_en or p.event.title_zh) for p in plans}
    listed = [_conflict(slot_id, c, names) for slot_id, c in conflicts]
    first = listed[0]
    what = "the room is taken" if first["reason"] == "schedule.room_taken" else "a person is busy"
    many = f"{len(conflicts)} collision{'s' if len(conflicts) > 1 else ''}"
    raise Conflict(
        first["reason"],
        f"“{first['title']}” collides with “{first['other']['title']}”: {what}"
        f" ({many}; nothing was imported).",
        details={"conflicts": listed[:CONFLICTS_LISTED], "count": len(conflicts)},
    )


def _conflict(
    slot_id: int, conflict: ScheduleConflict, names: dict[int, tuple[str, str]]
) -> dict[str, Any]:
    guid, title = names[slot_id]
    other = conflict.other_session_id
    other_guid, other_title = names.get(other, ("", "")) if other is not None else ("", "")
    return {
        "reason": conflict.reason,
        "guid": guid,
        "title": title,
        "other": {"guid": other_guid, "title": other_title},
        "account_id": conflict.person_id,
        "person": conflict.person_name,
    }


async def announce_import(svc: Any, result: dict[str, Any]) -> None:
    """Announce a stored import (the one policy: expo/realtime/announce.py)."""
    topics = [LOBBY_TOPIC, *(forum_topic(f) for f in result["forums"])]
    await svc.hub.publish_stored([(topic, IMPORTED, result) for topic in topics])


# --- the feature's part ------------------------------------------------------------------------

permissions = {
    "programme.export": ANYONE,  # the public programme
    "programme.import": only(Role.ORGANIZER),
}
commands: dict[str, Any] = {}
routes = [
    route(
        "/api/programme/schedule.json",
        schedule_json_export,
        methods=["GET"],
        action="programme.export",
        responses={200: Raw("application/json", {"type": "object", "required": ["schedule"]})},
        summary="The programme as the schedule JSON that pretalx exports (c3voc schema)",
    ),
    route(
        "/api/programme/schedule.xml",
        schedule_xml_export,
        methods=["GET"],
        action="programme.export",
        responses={200: Raw("application/xml", {"type": "string"})},
        summary="The programme as frab schedule XML",
    ),
    route(
        "/api/programme/schedule.ics",
        schedule_ics_export,
        methods=["GET"],
        action="programme.export",
        query=CalendarQuery,
        responses={200: Raw("text/calendar", {"type": "string"})},
        summary="The programme as iCalendar",
    ),
    route(
        "/api/programme/import",
        import_schedule,
        methods=["POST"],
        action="programme.import",
        rate="moderate",
        body=ScheduleDocument,
        query=ImportQuery,
        responses={200: ImportResult, 409: ErrorBody, 503: ErrorBody},
        summary="Import a pretalx/c3voc schedule JSON (sessions upserted by guid)",
    ),
]
