"""Organisers edit the rooms (the console's rooms tab): titles, stream source, pre-moderation,
default slow mode, and their order in the lobby.

Each change is stored with the room's settings version bumped in the same transaction, logged in
the moderation log, then announced as `forum.room_changed` (the room's whole state, with its
version) on `lobby:forums` and on the room's own topic, so open lobbies, room pages and
programme pages follow without a reload and drop an event older than what they show. A change
of pre-moderation or slow mode is also announced as the room's existing events
(`qa.pre_moderation_changed`, `moderation.slow_mode_changed`) at the same version, which the
room's Q&A and chat already follow.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.requests import Request

from expo.errors import Conflict, NotFound
from expo.http import ErrorBody, JSONResponse, path_int, principal, read_json, route, services
from expo.models import Role
from forums import moderation_log as log
from forums import store
from forums.domain import forum_topic
from forums.models import Forum
from forums.moderation_rules import MAX_SLOW_MODE_SECONDS
from forums.room_edit_rules import (
    MAX_STREAM_URL,
    MAX_TITLE_EN,
    MAX_TITLE_ZH,
    Direction,
    clean_stream_url,
    clean_title,
    moved,
)
from forums.room_rules import Room, room_staff
from forums.rooms import load_room
from forums.routes import ForumPath
from forums.views import Title

LOBBY_TOPIC = "lobby:forums"
ORGANISERS = room_staff(Role.ORGANIZER)


class RoomChanges(BaseModel):
    """What to change; what is left out stays. `version`, when given, is the one the editor
    saw: a room changed since is refused (`room.stale`) rather than overwritten unseen."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title_zh: str | None = Field(default=None, max_length=4 * MAX_TITLE_ZH)
    title_en: str | None = Field(default=None, max_length=4 * MAX_TITLE_EN)
    stream_url: str | None = Field(default=None, max_length=MAX_STREAM_URL + 100)  # "": none
    pre_moderation: bool | None = None
    slow_mode_seconds: int | None = Field(default=None, ge=0, le=MAX_SLOW_MODE_SECONDS)
    version: int | None = Field(default=None, ge=1, lt=2**31)


class RoomMove(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    direction: Direction


class RoomState(BaseModel):
    """A room as organisers set it up (and as `forum.room_changed` carries it)."""

    model_config = ConfigDict(extra="forbid")

    forum_id: int
    slug: str
    kind: str
    position: int
    title: Title
    stream_url: str | None
    pre_moderation: bool
    slow_mode_seconds: int
    version: int


class RoomEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    room: RoomState


class RoomOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rooms: list[RoomState]  # every room whose place changed


def room_state(forum: Forum) -> dict[str, Any]:
    return {
        "forum_id": forum.id,
        "slug": forum.slug,
        "kind": forum.kind,
        "position": forum.position,
        "title": {"zh": forum.title_zh, "en": forum.title_en},
        "stream_url": forum.stream_url,
        "pre_moderation": forum.pre_moderation,
        "slow_mode_seconds": forum.slow_mode_seconds,
        "version": forum.version,
    }


def changed_events(state: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    topic = forum_topic(state["forum_id"])
    return [(LOBBY_TOPIC, "forum.room_changed", state), (topic, "forum.room_changed", state)]


async def room_of_path(request: Request) -> Room:
    """The room the path names, for the permission table's room rule."""
    async with services(request).read() as db:
        return await load_room(db, path_int(request, "forum_id"))


async def edit_room(request: Request) -> JSONResponse:
    forum_id = path_int(request, "forum_id")
    form = await read_json(request, RoomChanges)
    # Everything is checked before anything is stored.
    values: dict[str, Any] = {}
    if form.title_zh is not None:
        values["title_zh"] = clean_title(form.title_zh, MAX_TITLE_ZH, "title_zh")
    if form.title_en is not None:
        values["title_en"] = clean_title(form.title_en, MAX_TITLE_EN, "title_en")
    if form.stream_url is not None:
        values["stream_url"] = clean_stream_url(form.stream_url)
    if form.pre_moderation is not None:
        values["pre_moderation"] = form.pre_moderation
    if form.slow_mode_seconds is not None:
        values["slow_mode_seconds"] = form.slow_mode_seconds
    who = principal(request)
    assert who is not None
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        forum = await _locked(db, forum_id)
        if form.version is not None and form.version != forum.version:
            raise Conflict("room.stale", "Someone changed this room meanwhile; look again.")
        before = room_state(forum)
        changes = {k: v for k, v in values.items() if getattr(forum, k) != v}
        if changes:
            for key, value in changes.items():
                setattr(forum, key, value)
            log.record(
                db,
                log.entry(
                    forum_id=forum_id,
                    action=log.LogAction.ROOM_EDIT,
                    actor_id=who.account_id,
                    subject=("room", forum_id),
                    details={k: {"was": _flat(before, k), "now": v} for k, v in changes.items()},
                ),
            )
            forum.version = await store.bump_room_version(db, forum)
            await db.commit()
        state = room_state(forum)
    if not changes:
        return JSONResponse({"room": state})  # nothing changed: nothing to announce
    events = changed_events(state)
    topic = forum_topic(forum_id)
    if "pre_moderation" in changes:
        settings = {"forum_id": forum_id, "pre_moderation": forum.pre_moderation}
        events.append(
            (topic, "qa.pre_moderation_changed", settings | {"version": state["version"]})
        )
    if "slow_mode_seconds" in changes:
        slow = {"forum_id": forum_id, "seconds": forum.slow_mode_seconds}
        events.append((topic, "moderation.slow_mode_changed", slow | {"version": state["version"]}))
    await svc.hub.publish_stored(events)
    return JSONResponse({"room": state})


def _flat(state: dict[str, Any], key: str) -> object:
    if key.startswith("title_"):
        return state["title"][key.removeprefix("title_")]
    return state[key]


async def move_room(request: Request) -> JSONResponse:
    forum_id = path_int(request, "forum_id")
    form = await read_json(request, RoomMove)
    who = principal(request)
    assert who is not None
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        # Every room, locked (PostgreSQL; SQLite writers are serial): two organisers moving at
        # once are applied one after the other, and positions stay a permutation.
        query = select(Forum).order_by(col(Forum.position), col(Forum.id)).with_for_update()
        rooms = list((await db.execute(query)).scalars())
        by_id = {f.id: f for f in rooms}
        if forum_id not in by_id:
            raise NotFound("forum.unknown", f"There is no forum {forum_id}.")
        order = moved([(f.id, f.kind) for f in rooms if f.id is not None], forum_id, form.direction)
        changed = [by_id[i] for p, i in enumerate(order) if by_id[i].position != p]
        for forum in changed:
            forum.position = order.index(forum.id)  # type: ignore[arg-type]
        if any(f.id == forum_id for f in changed):
            log.record(
                db,
                log.entry(
                    forum_id=forum_id,
                    action=log.LogAction.ROOM_MOVE,
                    actor_id=who.account_id,
                    subject=("room", forum_id),
                    details={"direction": form.direction, "position": by_id[forum_id].position},
                ),
            )
        for forum in changed:
            forum.version = await store.bump_room_version(db, forum)
        await db.commit()
        states = [room_state(f) for f in changed]
    await svc.hub.publish_stored([e for state in states for e in changed_events(state)])
    return JSONResponse({"rooms": states})


async def _locked(db: AsyncSession, forum_id: int) -> Forum:
    query = select(Forum).where(col(Forum.id) == forum_id).with_for_update()
    forum = (await db.execute(query)).scalars().first()
    if forum is None:
        raise NotFound("forum.unknown", f"There is no forum {forum_id}.")
    await db.refresh(forum)  # not an older copy from this session's identity map
    return forum


routes = [
    route(
        "/api/forums/{forum_id}",
        edit_room,
        methods=["PATCH"],
        action="room.edit",
        rate="moderate",
        body=RoomChanges,
        path_params=ForumPath,
        target=room_of_path,
        responses={200: RoomEnvelope, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody},
        summary="Change a room's titles, stream source, pre-moderation or slow mode",
    ),
    route(
        "/api/forums/{forum_id}/move",
        move_room,
        methods=["POST"],
        action="room.edit",
        rate="moderate",
        body=RoomMove,
        path_params=ForumPath,
        target=room_of_path,
        responses={200: RoomOrder, 404: ErrorBody, 503: ErrorBody},
        summary="Move a room one place up or down in the lobby's order",
    ),
]
# Organisers, in every room (forums/room_rules.py: the object rule, as for the room's staff).
permissions = {"room.edit": ORGANISERS}
