"""A schedule import in two steps, for the organisers' console: a preview that says exactly
what would change, and a confirm that applies exactly that.

    POST /api/programme/import/preview?create_rooms=        organiser  the JSON; writes nothing
    POST /api/programme/import/confirm?fingerprint=…&create_rooms=   the same JSON again

Unlike `POST /api/programme/import` (all or nothing), the preview refuses sessions one by one,
each with its reasons (`schedule.room_taken`, `schedule.person_busy`, `schedule.unknown_room`,
`schedule.bad_times`), and the confirm imports the rest. The preview's `fingerprint` covers the
document and the whole outcome, with the versions of the stored sessions it would update; the
confirm plans again under the programme lock and refuses with `import.stale` (and the new
preview) if anything came out differently, so what is applied is what the organiser saw.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from expo.db import stored_id
from expo.errors import BadRequest, Conflict
from expo.http import ErrorBody, JSONResponse, read_json, route, services
from forums import schedule_json, store
from forums.domain import ScheduleConflict
from forums.interchange import (
    MAX_IMPORT_BYTES,
    Plan,
    ScheduleDocument,
    announce_import,
    changed_fields,
    flag,
    write_plans,
)
from forums.models import Forum, ForumSession, SessionPerson
from forums.programme_store import lock_programme, slot_of
from forums.rooms import programme_changed
from forums.schedule_data import Event, Programme, Room
from forums.schedule_import import match_room, new_forum, people_rows, refused_slots, rooms_used
from forums.schedule_json import BadTimes

LISTED = 200  # sessions listed per kind (the counts are always whole)


@dataclass(slots=True)
class Outcome:
    """What importing a document would do, decided in full before anything is written."""

    added: list[Plan] = field(default_factory=list)
    updated: list[tuple[Plan, list[str]]] = field(default_factory=list)
    unchanged: list[Plan] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)  # as listed
    rooms_new: list[Room] = field(default_factory=list)  # to create (create_rooms)
    stored_people: dict[int, list[SessionPerson]] = field(default_factory=dict)
    fingerprint: str = ""


async def plan_import(
    db: AsyncSession,
    document: dict[str, Any],
    programme: Programme,
    bad_times: list[BadTimes],
    *,
    create_rooms: bool,
) -> Outcome:
    """Decide the import against the programme as `db` reads it; writes nothing."""
    forums = list(await store.list_forums(db))
    stored = list(await store.list_sessions(db))
    stored_people = await store.people_of(db, [stored_id(s) for s in stored])
    found = {room: match_room(room, forums) for room in rooms_used(programme)}
    unknown = [room for room, forum in found.items() if forum is None]
    # Rooms to be made get negative ids of their own until the confirm creates them.
    forum_of = {room: forum.id for room, forum in found.items() if forum is not None}
    if create_rooms:
        forum_of |= {room: -n for n, room in enumerate(unknown, start=1)}
    by_guid = {s.guid: s for s in stored}
    outcome = Outcome(stored_people=stored_people)
    titles = {stored_id(s): _line_of_row(s, forums) for s in stored}
    plans: list[Plan] = []
    for number, event in enumerate(programme.events, start=1):
        row = by_guid.get(event.guid)
        forum_id = forum_of.get(event.room)
        if forum_id is None:
            reason = {"reason": "schedule.unknown_room", "room": event.room.name}
            outcome.refused.append(_line(event, row, None) | {"reasons": [reason]})
            continue
        before = stored_people.get(stored_id(row), []) if row else []
        people = people_rows(event.people, before)
        plan = Plan(event, row, forum_id, people, stored_id(row) if row else -number)
        plans.append(plan)
        titles[plan.slot_id] = _line(event, row, forum_id)
    outcome.refused += [
        {"guid": b.guid, "id": None, "title": {"zh": b.title, "en": b.title}, "room": b.room}
        | {"forum_id": None, "starts_at": None, "ends_at": None}
        | {"reasons": [{"reason": "schedule.bad_times", "field": b.field, "message": b.message}]}
        for b in bad_times
    ]
    slots = [
        slot_of(s, [(p.name, p.account_id) for p in stored_people.get(stored_id(s), [])])
        for s in stored
    ]
    refused = refused_slots([plan.slot() for plan in plans], slots)
    for plan in plans:
        if plan.slot_id in refused:
            reasons = [_reason(c, titles) for c in refused[plan.slot_id]]
            outcome.refused.append(titles[plan.slot_id] | {"reasons": reasons})
        elif plan.row is None:
            outcome.added.append(plan)
        elif changed := changed_fields(plan.row, plan, stored_people.get(plan.slot_id, [])):
            outcome.updated.append((plan, changed))
        else:
            outcome.unchanged.append(plan)
    used = {p.forum_id for p in outcome.added} | {p.forum_id for p, _ in outcome.updated}
    outcome.rooms_new = [room for room in unknown if forum_of.get(room) in used]
    outcome.fingerprint = fingerprint_of(document, create_rooms, outcome)
    return outcome


def _line(event: Event, row: ForumSession | None, forum_id: int | None) -> dict[str, Any]:
    return {
        "guid": event.guid,
        "id": row.id if row is not None else None,
        "title": {"zh": event.title_zh, "en": event.title_en},
        "room": event.room.name,
        "forum_id": forum_id if forum_id is not None and forum_id > 0 else None,
        "starts_at": event.starts_at.astimezone(UTC).isoformat(),
        "ends_at": event.ends_at.astimezone(UTC).isoformat(),
    }


def _line_of_row(row: ForumSession, forums: list[Forum]) -> dict[str, Any]:
    room = next((f.title_en or f.title_zh for f in forums if f.id == row.forum_id), "")
    return {
        "guid": row.guid,
        "id": row.id,
        "title": {"zh": row.title_zh, "en": row.title_en},
        "room": room,
        "forum_id": row.forum_id,
        "starts_at": row.starts_at.astimezone(UTC).isoformat(),
        "ends_at": row.ends_at.astimezone(UTC).isoformat(),
    }


def _reason(conflict: ScheduleConflict, titles: dict[int, dict[str, Any]]) -> dict[str, Any]:
    other = titles.get(conflict.other_session_id) if conflict.other_session_id else None
    return {
        "reason": conflict.reason,
        "other": None
        if other is None
        else {k: other[k] for k in ("guid", "title", "room", "starts_at", "ends_at")},
        "person": conflict.person_name,
    }


def fingerprint_of(document: dict[str, Any], create_rooms: bool, outcome: Outcome) -> str:
    """The document and everything the import would do, with the versions of the sessions it
    would update: any of it different at the confirm, and the confirm is refused."""
    facts = {
        "document": hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest(),
        "create_rooms": create_rooms,
        "added": [p.event.guid for p in outcome.added],
        "updated": [
            [p.event.guid, p.slot_id, p.row.version if p.row else 0, changed]
            for p, changed in outcome.updated
        ],
        "unchanged": [p.slot_id for p in outcome.unchanged],
        "refused": outcome.refused,
        "rooms_new": [room.name for room in outcome.rooms_new],
    }
    return hashlib.sha256(orjson.dumps(facts, option=orjson.OPT_SORT_KEYS)).hexdigest()


def preview_view(outcome: Outcome) -> dict[str, Any]:
    return {
        "fingerprint": outcome.fingerprint,
        "counts": {
            "added": len(outcome.added),
            "updated": len(outcome.updated),
            "unchanged": len(outcome.unchanged),
            "refused": len(outcome.refused),
        },
        "added": [_line(p.event, None, p.forum_id) for p in outcome.added[:LISTED]],
        "updated": [
            _line(p.event, p.row, p.forum_id) | {"changes": changed}
            for p, changed in outcome.updated[:LISTED]
        ],
        "refused": outcome.refused[:LISTED],
        "rooms_created": [room.name for room in outcome.rooms_new],
    }


# --- routes ------------------------------------------------------------------------------------


class PreviewQuery(BaseModel):
    create_rooms: bool = Field(
        default=False,
        description="Plan a forum for each room the programme does not have (otherwise the "
        "sessions in such rooms are refused with `schedule.unknown_room`).",
    )


class ConfirmQuery(PreviewQuery):
    fingerprint: str = Field(
        pattern="^[0-9a-f]{64}$", description="The preview's fingerprint, as it was given."
    )


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionLine(_Out):
    guid: str
    id: int | None
    title: dict[str, str]
    room: str
    forum_id: int | None  # None: a room the import would create (or an unknown one)
    starts_at: str | None
    ends_at: str | None


class UpdatedLine(SessionLine):
    changes: list[str]  # the stored session's fields that change (`people`, `forum_id`, …)


class Reason(_Out):
    reason: str  # schedule.room_taken | schedule.person_busy | schedule.unknown_room | …
    other: dict[str, Any] | None = None  # the session it collides with
    person: str | None = None  # the busy person's name
    room: str | None = None  # the unknown room
    field: str | None = None  # the JSON path of bad times
    message: str | None = None


class RefusedLine(SessionLine):
    reasons: list[Reason]


class Counts(_Out):
    added: int
    updated: int
    unchanged: int
    refused: int


class ImportPreview(_Out):
    """Exactly what confirming would do (lists hold at most 200 each; counts are whole)."""

    fingerprint: str
    counts: Counts
    added: list[SessionLine]
    updated: list[UpdatedLine]
    refused: list[RefusedLine]
    rooms_created: list[str]


class ConfirmResult(_Out):
    created: int
    updated: int
    unchanged: int
    refused: int
    forums: list[int]
    rooms_created: list[int]


async def _read(request: Request) -> tuple[dict[str, Any], Programme, list[BadTimes]]:
    upload = await read_json(request, ScheduleDocument, max_bytes=MAX_IMPORT_BYTES)
    bad_times: list[BadTimes] = []
    # Checking a schedule of thousands of sessions takes a while: off the event loop.
    programme = await asyncio.to_thread(schedule_json.parse, upload.root, bad_times)
    return upload.root, programme, bad_times


async def preview_import(request: Request) -> JSONResponse:
    """What importing the document would change; nothing is written."""
    create_rooms = flag(request, "create_rooms")
    document, programme, bad_times = await _read(request)
    async with services(request).read() as db:
        outcome = await plan_import(db, document, programme, bad_times, create_rooms=create_rooms)
    return JSONResponse(preview_view(outcome))


async def confirm_import(request: Request) -> JSONResponse:
    """Apply a preview: the same document, planned again under the programme lock; refused
    with `import.stale` if the outcome is not the previewed one."""
    create_rooms = flag(request, "create_rooms")
    fingerprint = request.query_params.get("fingerprint", "")
    if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
        raise BadRequest(message="`fingerprint` is the preview's.")
    document, programme, bad_times = await _read(request)
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    try:
        async with svc.db() as db:
            await lock_programme(db)
            outcome = await plan_import(
                db, document, programme, bad_times, create_rooms=create_rooms
            )
            if outcome.fingerprint != fingerprint:
                raise Conflict(
                    "import.stale",
                    "The programme changed since the preview: check the new preview and "
                    "confirm again.",
                    details={"preview": preview_view(outcome)},
                )
            rooms_created = await _create_rooms(db, outcome)
            plans = [*outcome.added, *(p for p, _ in outcome.updated)]
            created, updated, forums = await write_plans(db, plans, outcome.stored_people)
            await db.commit()
    except IntegrityError:
        raise Conflict(
            "schedule.changed", "The programme changed meanwhile; preview again."
        ) from None
    changed = sorted(forums)
    result = {
        "created": created,
        "updated": updated,
        "unchanged": len(outcome.unchanged),
        "refused": len(outcome.refused),
        "forums": changed,
        "rooms_created": rooms_created,
    }
    if changed:
        await announce_import(svc, result)
        await programme_changed(svc, changed)  # some may have left a room's staff
    return JSONResponse(result)


async def _create_rooms(db: AsyncSession, outcome: Outcome) -> list[int]:
    """Create the planned rooms and move their sessions' plans onto the new forums' ids."""
    forums = list(await store.list_forums(db))
    ids: dict[int, int] = {}
    for room in outcome.rooms_new:
        forum = new_forum(room, forums)
        db.add(forum)
        await db.flush()  # for its id
        forums.append(forum)
        planned = next(
            p.forum_id
            for p in [*outcome.added, *(p for p, _ in outcome.updated)]
            if p.event.room == room
        )
        ids[planned] = stored_id(forum)
    for plan in [*outcome.added, *(p for p, _ in outcome.updated)]:
        plan.forum_id = ids.get(plan.forum_id, plan.forum_id)
    return list(ids.values())


permissions: dict[str, Any] = {}  # both routes are `programme.import` (organisers)
commands: dict[str, Any] = {}
routes = [
    route(
        "/api/programme/import/preview",
        preview_import,
        methods=["POST"],
        action="programme.import",
        rate="moderate",
        body=ScheduleDocument,
        query=PreviewQuery,
        responses={200: ImportPreview},
        summary="Preview a schedule import: what would be added, updated and refused, and why",
    ),
    route(
        "/api/programme/import/confirm",
        confirm_import,
        methods=["POST"],
        action="programme.import",
        rate="moderate",
        body=ScheduleDocument,
        query=ConfirmQuery,
        responses={200: ConfirmResult, 409: ErrorBody, 503: ErrorBody},
        summary="Apply a previewed schedule import (refused as `import.stale` if it changed)",
    ),
]
