"""Replays for everyone: the list (lobby, a room, the programme), one replay with its chapters,
its media; organisers hide and show one again (`replay.changed` on the room's topic)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from expo.errors import NotFound
from expo.http import (
    ErrorBody,
    JSONResponse,
    Raw,
    path_int,
    principal,
    query_int,
    read_json,
    route,
    services,
)
from expo.models import Role
from expo.permissions import ANYONE, only
from expo.services import Services
from forums.models import Forum
from streams import replay_store
from streams.models import StreamReplay
from streams.replay_rules import REPLAY_CHANGED
from streams.replay_views import replay_topics, replay_view
from streams.routes import config

MAX_LISTED = 200
MEDIA_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TitleOut(_Out):
    zh: str
    en: str


class ReplayRoomOut(_Out):
    id: int
    slug: str
    title: TitleOut


class ChapterOut(_Out):
    session: int
    title: TitleOut
    at: float  # seconds into the media
    length: float


class ReplayOut(_Out):
    """A replay; also the data of `replay.ready` and `replay.changed` on `forum:<id>`."""

    id: int
    forum: ReplayRoomOut
    publisher: str
    started_at: str
    ended_at: str
    duration: float | None
    url: str  # what the player fetches
    kind: str  # mp4 | hls
    hidden: bool  # organisers only ever see a hidden one
    version: int = Field(ge=1)
    chapters: list[ChapterOut]


class ReplaysOut(_Out):
    replays: list[ReplayOut]


class ReplaysQuery(BaseModel):
    forum: int | None = Field(default=None, ge=1, le=2**31 - 1, description="One room's.")
    limit: int = Field(default=50, ge=1, le=MAX_LISTED)
    hidden: int = Field(default=0, ge=0, le=1, description="1: hidden ones too (organisers).")


class ReplayPath(BaseModel):
    replay_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


class HideReplay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: bool


def _organiser(request: Request) -> bool:
    who = principal(request)
    return who is not None and who.role == Role.ORGANIZER


async def _views(
    svc: Services, db: Any, found: list[tuple[StreamReplay, Forum]]
) -> list[dict[str, Any]]:
    if not found:
        return []
    start = min(replay.started_at for replay, _ in found)
    end = max(replay.ended_at for replay, _ in found)
    sessions = await replay_store.sessions_within(
        db, sorted({replay.forum_id for replay, _ in found}), start, end
    )
    cfg = config(svc)
    return [replay_view(cfg, r, f, sessions[r.forum_id]) for r, f in found]


async def list_replays(request: Request) -> JSONResponse:
    forum_id = query_int(request, "forum", None, low=1, high=2**31 - 1)
    limit = query_int(request, "limit", 50, low=1, high=MAX_LISTED)
    hidden = query_int(request, "hidden", 0, low=0, high=1) == 1 and _organiser(request)
    svc = services(request)
    async with svc.read() as db:
        found = await replay_store.listed(
            db, forum_id=forum_id, include_hidden=hidden, limit=limit or 50
        )
        return JSONResponse({"replays": await _views(svc, db, found)})


async def _shown(request: Request, db: Any) -> tuple[StreamReplay, Forum]:
    """The replay, if it is ready and the asker may see it (hidden: organisers only)."""
    replay_id = path_int(request, "replay_id")
    found = await replay_store.one(db, replay_id)
    if found is None or found[0].state != "ready" or (found[0].hidden and not _organiser(request)):
        raise NotFound("replay.unknown", f"There is no replay {replay_id}.")
    return found


async def get_replay(request: Request) -> JSONResponse:
    svc = services(request)
    async with svc.read() as db:
        found = await _shown(request, db)
        return JSONResponse((await _views(svc, db, [found]))[0])


async def replay_media(request: Request) -> Response:
    """The MP4, in ranges (players seek); kept only where this process keeps replays."""
    svc = services(request)
    async with svc.read() as db:
        replay, _ = await _shown(request, db)
    directory = config(svc).replay_dir
    path = None if directory is None or replay.file is None else directory / replay.file
    if path is None or not path.is_file():
        raise NotFound("replay.no_media", "This replay's media is not kept here.")
    return FileResponse(path, media_type="video/mp4", headers=MEDIA_HEADERS)


async def hide_replay(request: Request) -> JSONResponse:
    replay_id = path_int(request, "replay_id")
    hidden = (await read_json(request, HideReplay)).hidden
    svc = services(request)
    async with svc.db() as db:
        found = await replay_store.one(db, replay_id)
        if found is None or found[0].state != "ready":
            raise NotFound("replay.unknown", f"There is no replay {replay_id}.")
        changed = await replay_store.set_hidden(db, replay_id, hidden)
        found = await replay_store.one(db, replay_id)
        assert found is not None
        view = (await _views(svc, db, [found]))[0]
    if changed is not None:
        topics = replay_topics(found[0].forum_id)
        await svc.hub.publish_stored([(topic, REPLAY_CHANGED, view) for topic in topics])
    return JSONResponse(view)


routes = [
    route(
        "/api/replays",
        list_replays,
        methods=["GET"],
        action="replay.read",
        query=ReplaysQuery,
        responses={200: ReplaysOut, 503: ErrorBody},
        summary="Replays of the rooms' streams, newest first, with chapters from the programme",
        tags=["streams"],
    ),
    route(
        "/api/replays/{replay_id}",
        get_replay,
        methods=["GET"],
        action="replay.read",
        path_params=ReplayPath,
        responses={200: ReplayOut, 404: ErrorBody, 503: ErrorBody},
        summary="One replay with its chapters",
        tags=["streams"],
    ),
    route(
        "/api/replays/{replay_id}/media",
        replay_media,
        methods=["GET", "HEAD"],
        action="replay.read",
        path_params=ReplayPath,
        responses={200: Raw("video/mp4", {}), 206: Raw("video/mp4", {}), 404: ErrorBody},
        summary="A replay's MP4 (byte ranges for seeking)",
        tags=["streams"],
    ),
    route(
        "/api/replays/{replay_id}/hidden",
        hide_replay,
        methods=["POST"],
        action="replay.hide",
        path_params=ReplayPath,
        body=HideReplay,
        responses={200: ReplayOut, 404: ErrorBody, 503: ErrorBody},
        summary="Hide a replay from everyone but organisers, or show it again",
        tags=["streams"],
    ),
]

permissions = {"replay.read": ANYONE, "replay.hide": only(Role.ORGANIZER)}
