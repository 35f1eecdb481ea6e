"""The organisers' routes: every room's stream keys and state; rotating a key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from expo.errors import NotFound
from expo.http import ErrorBody, JSONResponse, path_int, read_json, route, services
from expo.models import Role, utcnow
from expo.permissions import only
from expo.services import Services
from forums.domain import forum_topic
from forums.models import Forum
from streams import store
from streams.config import StreamsConfig
from streams.domain import STREAM_STATE, Rotated, State, state_view
from streams.keys import Which
from streams.models import RoomStream

CONFIG = "streams.config"  # services.cache: this process's StreamsConfig


def config(svc: Services) -> StreamsConfig:
    found: StreamsConfig | None = svc.cache.get(CONFIG)
    if found is None:
        found = svc.cache[CONFIG] = StreamsConfig.from_env()
    return found


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TitleOut(_Out):
    zh: str
    en: str


class KeysOut(_Out):
    main: str
    backup: str


class StreamStateOut(_Out):
    """A room's ingest state; also the data of the `stream.state` event on `forum:<id>`."""

    forum: int
    state: State  # live | interrupted (the publisher went away: a slate) | offline
    live: bool  # state == "live"
    since: datetime | None  # the live session's start, kept while interrupted
    interrupted_since: datetime | None
    publisher: Which | None  # who is on air, while live
    version: int = Field(ge=1)
    hls_url: str | None  # the playlist of the publisher on air, while live
    stream_url: str | None  # what the room's player plays (an external URL wins)


class StreamRoomOut(_Out):
    forum_id: int
    slug: str
    kind: str
    title: TitleOut
    keys: KeysOut  # secret: give each to its publisher only
    rtmp_url: str  # the server to push to (OBS "Server"); the key is the stream name
    state: StreamStateOut


class StreamRoomsOut(_Out):
    rooms: list[StreamRoomOut]


class StreamPath(BaseModel):
    forum_id: int = Field(ge=1, le=2**31 - 1, examples=[2])


class RotateKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    which: Which  # main | backup


def rtmp_url(cfg: StreamsConfig, request: Request) -> str:
    return cfg.rtmp_url or f"rtmp://{request.url.hostname or '127.0.0.1'}:1935/live"


def state_of(cfg: StreamsConfig, forum: Forum, row: RoomStream) -> dict[str, Any]:
    return state_view(
        row.forum_id,
        store.stream_of(row),
        version=row.version,
        hls_base=cfg.hls_base,
        slug=forum.slug,
        external=forum.stream_url,
    )


def room_view(
    cfg: StreamsConfig, request: Request, forum: Forum, row: RoomStream
) -> dict[str, Any]:
    return {
        "forum_id": row.forum_id,
        "slug": forum.slug,
        "kind": forum.kind,
        "title": {"zh": forum.title_zh, "en": forum.title_en},
        "keys": {"main": row.main_key, "backup": row.backup_key},
        "rtmp_url": rtmp_url(cfg, request),
        "state": state_of(cfg, forum, row),
    }


async def announce(svc: Services, forum: Forum, row: RoomStream) -> None:
    """Stored, so it stands: announced now, or retried if the broker fails it."""
    view = state_of(config(svc), forum, row)
    await svc.hub.publish_stored([(forum_topic(row.forum_id), STREAM_STATE, view)])


async def list_streams(request: Request) -> JSONResponse:
    svc = services(request)
    cfg = config(svc)
    async with svc.db() as db:
        found = await store.rooms(db)
    return JSONResponse({"rooms": [room_view(cfg, request, f, row) for f, row in found]})


async def rotate_key(request: Request) -> JSONResponse:
    """A new key; the old one is refused from now on. Rotating the key a publisher is live with
    takes the room out of `live` at once (the standby takes over, or it is interrupted), and
    nginx drops that publisher at its next `on_update`."""
    forum_id = path_int(request, "forum_id")
    which = (await read_json(request, RotateKey)).which
    svc = services(request)
    async with svc.db() as db:
        forum = await store.forum_by_id(db, forum_id)
        if forum is None:
            raise NotFound("forum.unknown", f"There is no forum {forum_id}.")
        await store.rooms(db)  # the room's row, made if it is new
        row = await store.rotate(db, forum_id, which)
        assert row is not None
        changed = await store.change(db, forum_id, Rotated(which, utcnow()))
        if changed is not None:
            row = changed.row
            if changed.announce:
                await announce(svc, forum, row)
    return JSONResponse(room_view(config(svc), request, forum, row))


routes = [
    route(
        "/api/streams",
        list_streams,
        methods=["GET"],
        action="stream.read_keys",
        responses={200: StreamRoomsOut, 503: ErrorBody},
        summary="Every room's stream keys, where to push, and whether it is live (organisers)",
        tags=["streams"],
    ),
    route(
        "/api/streams/{forum_id}/keys/rotate",
        rotate_key,
        methods=["POST"],
        action="stream.rotate_key",
        path_params=StreamPath,
        body=RotateKey,
        responses={200: StreamRoomOut, 404: ErrorBody, 503: ErrorBody},
        summary="Replace a room's main or backup stream key; the old one is refused at once",
        tags=["streams"],
    ),
]

permissions = {
    "stream.read_keys": only(Role.ORGANIZER),
    "stream.rotate_key": only(Role.ORGANIZER),
}
