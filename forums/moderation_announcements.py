"""The organisers' announcements to the whole expo: posted over HTTP, kept in the database, and
pushed live on `expo:announcements`, a topic every page follows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from expo.errors import BadRequest, NotFound
from expo.http import ErrorBody, JSONResponse, principal, query_int, read_json, route, services
from expo.models import Role
from expo.permissions import ANYONE, only
from expo.realtime.gateway import CommandContext
from forums import moderation_store as store
from forums.models import Announcement
from forums.moderation_rules import clean_announcement
from forums.views import Title

TOPIC_KIND, TOPIC_KEY = "expo", "announcements"
TOPIC = f"{TOPIC_KIND}:{TOPIC_KEY}"
LATEST_DEFAULT, LATEST_MAX = 5, 20


class AnnouncementIn(BaseModel):
    """An announcement in Chinese, English or both (one may be empty; pages show the other)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text_zh: str = Field(default="", max_length=2000, examples=["开幕式将于 10:00 在主会场开始。"])
    text_en: str = Field(
        default="", max_length=2000, examples=["The opening ceremony starts at 10:00."]
    )


class AnnouncementOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    text: Title
    created_at: datetime


class AnnouncementEnvelope(BaseModel):
    """The announcement as stored and pushed to every page."""

    model_config = ConfigDict(extra="forbid")

    announcement: AnnouncementOut


class AnnouncementList(BaseModel):
    """The newest announcements first, and the topic that pushes the next ones."""

    model_config = ConfigDict(extra="forbid")

    announcements: list[AnnouncementOut]
    topic: str


class LatestQuery(BaseModel):
    limit: int = Field(
        default=LATEST_DEFAULT, ge=1, le=LATEST_MAX, description="At most this many."
    )


def announcement_view(announcement: Announcement) -> dict[str, Any]:
    return {
        "id": announcement.id,
        "text": {"zh": announcement.text_zh, "en": announcement.text_en},
        "created_at": announcement.created_at.isoformat(),
    }


async def post_announcement(request: Request) -> JSONResponse:
    body = await read_json(request, AnnouncementIn)
    text_zh, text_en = clean_announcement(body.text_zh), clean_announcement(body.text_en)
    if not (text_zh or text_en):
        raise BadRequest("announcement.empty", "Write the announcement first.")
    who = principal(request)
    assert who is not None  # the route's rule: organisers only
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        stored = await store.add_announcement(
            db, Announcement(text_zh=text_zh, text_en=text_en, created_by=who.account_id)
        )
    view = announcement_view(stored)
    await svc.hub.publish_stored([(TOPIC, "announcement.published", view)])
    return JSONResponse({"announcement": view}, status_code=201)


async def list_announcements(request: Request) -> JSONResponse:
    limit = query_int(request, "limit", LATEST_DEFAULT, low=1, high=LATEST_MAX)
    async with services(request).read() as db:
        latest = await store.latest_announcements(db, limit or LATEST_DEFAULT)
    return JSONResponse({"announcements": [announcement_view(a) for a in latest], "topic": TOPIC})


async def expo_guard(ctx: CommandContext, key: str) -> None:
    """`expo:announcements`: anyone may follow."""
    if key != TOPIC_KEY:
        raise NotFound("expo.unknown", f"There is no expo topic {key!r}.")


routes = [
    route(
        "/api/announcements",
        list_announcements,
        methods=["GET"],
        action="announcement.read",
        query=LatestQuery,
        responses={200: AnnouncementList},
        summary="The organisers' latest announcements to the whole expo",
    ),
    route(
        "/api/announcements",
        post_announcement,
        methods=["POST"],
        action="announcement.create",
        body=AnnouncementIn,
        responses={201: AnnouncementEnvelope, 400: ErrorBody, 503: ErrorBody},
        summary="Announce to every open page of the expo (organisers)",
    ),
]
permissions = {"announcement.read": ANYONE, "announcement.create": only(Role.ORGANIZER)}
topics = {TOPIC_KIND: expo_guard}
