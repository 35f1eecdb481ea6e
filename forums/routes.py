"""HTTP routes of the forums: the rooms, their programme, chat history."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from expo.db import stored_id
from expo.errors import BadRequest, NotFound
from expo.http import ErrorBody, JSONResponse, path_int, query_int, route, services
from expo.models import utcnow
from expo.services import Services
from forums import store
from forums.domain import forum_topic, now_and_next
from forums.models import Forum
from forums.programme import status_of
from forums.views import (
    ROOM_STREAMS,
    ChatPage,
    ForumDetail,
    ForumList,
    chat_view,
    forum_view,
    session_view,
)

ID_MAX = 2**31 - 1
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class ForumPath(BaseModel):
    forum_id: int = Field(ge=1, le=ID_MAX, examples=[2])


class SlugQuery(BaseModel):
    slug: str = Field(
        pattern=f"^{SLUG.pattern}$",
        max_length=40,
        description="The room's slug, as in the web app's #/forum/<slug>.",
        examples=["east-data-west-computing"],
    )


class ChatQuery(BaseModel):
    before: int | None = Field(
        default=None, ge=1, le=ID_MAX, description="Only messages with a smaller id (paging back)."
    )
    limit: int = Field(default=50, ge=1, le=200, description="At most this many messages.")


async def list_forums(request: Request) -> JSONResponse:
    svc = services(request)
    at = utcnow()
    async with svc.read() as db:
        forums = await store.list_forums(db)
        sessions = await store.list_sessions(db)
        current_and_next = {
            f.id: now_and_next([s for s in sessions if s.forum_id == f.id], at) for f in forums
        }
        shown = [stored_id(s) for pair in current_and_next.values() for s in pair if s is not None]
        people = await store.people_of(db, shown)
        streams = await room_streams(svc, db, forums)
    topics = [forum_topic(f.id) for f in forums if f.id is not None]
    audience = await svc.hub.presence(topics)
    rooms = []
    for forum in forums:
        current, upcoming = current_and_next[forum.id]
        rooms.append(
            forum_view(forum, streams.get(stored_id(forum)))
            | {
                "now": session_view(current, people.get(stored_id(current)) if current else None),
                "next": session_view(
                    upcoming, people.get(stored_id(upcoming)) if upcoming else None
                ),
                "audience": audience.get(forum_topic(stored_id(forum)), 0),
                "status": status_of([s for s in sessions if s.forum_id == forum.id], at),
            }
        )
    return JSONResponse({"forums": rooms})


async def get_forum(request: Request) -> JSONResponse:
    forum_id = path_int(request, "forum_id")
    svc = services(request)
    async with svc.read() as db:
        forum = await store.get_forum(db, forum_id)
        if forum is None:
            raise NotFound("forum.unknown", f"There is no forum {forum_id}.")
        return JSONResponse(await forum_detail(svc, db, forum))


async def get_forum_by_slug(request: Request) -> JSONResponse:
    """The web app's rooms are #/forum/<slug>: the page finds its room by the slug."""
    slug = request.query_params.get("slug", "")
    if not SLUG.fullmatch(slug):
        raise BadRequest("bad_request", "A room's slug is lower-case letters, digits and '-'.")
    svc = services(request)
    async with svc.read() as db:
        forum = await store.get_forum_by_slug(db, slug)
        if forum is None:
            raise NotFound("forum.unknown", f"There is no forum {slug!r}.")
        return JSONResponse(await forum_detail(svc, db, forum))


async def room_streams(
    svc: Services, db: AsyncSession, forums: Sequence[Forum]
) -> Mapping[int, dict[str, Any]]:
    """The rooms' ingest states, from the feature that streams them (forums.views.ROOM_STREAMS)."""
    source = svc.cache.get(ROOM_STREAMS)
    return {} if source is None else await source(db, forums)


async def forum_detail(svc: Services, db: AsyncSession, forum: Forum) -> dict[str, Any]:
    sessions = await store.list_sessions(db, stored_id(forum))
    people = await store.people_of(db, [s.id for s in sessions])  # type: ignore[misc]
    streams = await room_streams(svc, db, [forum])
    return forum_view(forum, streams.get(stored_id(forum))) | {
        "sessions": [session_view(s, people[s.id]) for s in sessions],  # type: ignore[index]
        "status": status_of(sessions),
    }


async def chat_history(request: Request) -> JSONResponse:
    forum_id = path_int(request, "forum_id")
    before = query_int(request, "before", None, low=1, high=2**31 - 1)
    limit = query_int(request, "limit", 50, low=1, high=200)
    svc = services(request)
    # The topic's position is read before the messages (and before the session's first
    # statement, where its snapshot is taken): a client that subscribes with `since: seq,
    # epoch` misses nothing (and may see a message twice; ids tell them apart).
    position = await svc.hub.broker.history(forum_topic(forum_id), None)
    async with svc.read() as db:
        if await store.get_forum(db, forum_id) is None:
            raise NotFound("forum.unknown", f"There is no forum {forum_id}.")
        messages = await store.recent_chat(db, forum_id, before_id=before, limit=limit or 50)
        # One query for the page's staff badges, whatever its length.
        staff = await store.exhibitors_of_authors(db, [m.account_id for m in messages])
    return JSONResponse(
        {
            "messages": [chat_view(m, staff.get(m.account_id)) for m in messages],
            "topic": forum_topic(forum_id),
            "seq": position.seq,
            "epoch": position.epoch,
        }
    )


routes = [
    route(
        "/api/forums",
        list_forums,
        methods=["GET"],
        action="forum.read",
        responses={200: ForumList, 503: ErrorBody},
        summary="The lobby: every room with what is on now and next",
    ),
    # Before /api/forums/{forum_id}, which would take "by-slug" for an id.
    route(
        "/api/forums/by-slug",
        get_forum_by_slug,
        methods=["GET"],
        action="forum.read",
        query=SlugQuery,
        responses={200: ForumDetail, 400: ErrorBody, 404: ErrorBody},
        summary="A room and its programme, found by the room's slug",
    ),
    route(
        "/api/forums/{forum_id}",
        get_forum,
        methods=["GET"],
        action="forum.read",
        path_params=ForumPath,
        responses={200: ForumDetail, 404: ErrorBody},
        summary="A room and its programme",
    ),
    route(
        "/api/forums/{forum_id}/chat",
        chat_history,
        methods=["GET"],
        action="forum.read",
        path_params=ForumPath,
        query=ChatQuery,
        responses={200: ChatPage, 404: ErrorBody, 503: ErrorBody},
        summary="A room's chat: the latest messages, or those before `before`",
    ),
]
