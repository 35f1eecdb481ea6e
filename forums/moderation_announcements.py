"""The organisers' announcements to the whole expo: posted over HTTP, kept in the database, and
pushed live on `expo:announcements`, a topic every page follows.

An announcement has a window: it shows from `starts_at` (default: now) until `ends_at` (None:
no end). Pages hold the announcements that are not over and switch them on and off at those
times themselves, on the server's clock (`now` in the list), so every process's pages agree
with no event at the start or the end. Taking one back is an event: `announcement.withdrawn`
with the version the withdrawal bumped; a page drops the announcement and never shows it again
from an older event (`announcement.published` carries version 1).

    <= {"type": "announcement.published", "topic": "expo:announcements",
        "data": {"id": 7, "text": {...}, "starts_at": "…", "ends_at": "…", "withdrawn_at": null,
                 "version": 1, "created_at": "…"}}
    <= {"type": "announcement.withdrawn", "topic": "expo:announcements",
        "data": {"id": 7, "withdrawn_at": "…", "version": 2}}
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from expo.errors import BadRequest, NotFound
from expo.http import (
    ErrorBody,
    JSONResponse,
    path_int,
    principal,
    query_int,
    read_json,
    route,
    services,
)
from expo.models import Role, utcnow
from expo.permissions import ANYONE, only
from expo.realtime.gateway import CommandContext
from forums import moderation_store as store
from forums.models import Announcement
from forums.moderation_rules import clean_announcement
from forums.programme import When
from forums.views import Title

TOPIC_KIND, TOPIC_KEY = "expo", "announcements"
TOPIC = f"{TOPIC_KIND}:{TOPIC_KEY}"
LATEST_DEFAULT, LATEST_MAX = 5, 100
PUBLISHED, WITHDRAWN = "announcement.published", "announcement.withdrawn"
# How far ahead an announcement may be scheduled, and how long it may show.
FURTHEST, LONGEST = timedelta(days=366), timedelta(days=366)


class AnnouncementIn(BaseModel):
    """An announcement in Chinese, English or both (one may be empty; pages show the other),
    shown from `starts_at` (now if left out or past) until `ends_at` (no end if left out)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text_zh: str = Field(default="", max_length=2000, examples=["开幕式将于 10:00 在主会场开始。"])
    text_en: str = Field(
        default="", max_length=2000, examples=["The opening ceremony starts at 10:00."]
    )
    starts_at: When | None = Field(default=None, examples=["2026-05-26T10:00:00+08:00"])
    ends_at: When | None = Field(default=None, examples=["2026-05-26T12:00:00+08:00"])


class AnnouncementOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    text: Title  # empty for a withdrawn one, but to organisers
    created_at: datetime
    starts_at: datetime
    ends_at: datetime | None
    withdrawn_at: datetime | None
    version: int


class AnnouncementPath(BaseModel):
    announcement_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


class AnnouncementEnvelope(BaseModel):
    """The announcement as stored and pushed to every page."""

    model_config = ConfigDict(extra="forbid")

    announcement: AnnouncementOut


class AnnouncementList(BaseModel):
    """The newest announcements first, the topic that pushes the next ones, and the server's
    time (pages switch announcements on and off by it, not by their own clocks)."""

    model_config = ConfigDict(extra="forbid")

    announcements: list[AnnouncementOut]
    topic: str
    now: datetime


class LatestQuery(BaseModel):
    limit: int = Field(
        default=LATEST_DEFAULT, ge=1, le=LATEST_MAX, description="At most this many."
    )
    current: bool = Field(
        default=False,
        description="Only those not over yet (scheduled and withdrawn ones included).",
    )


def announcement_view(announcement: Announcement, *, organiser: bool = True) -> dict[str, Any]:
    hidden = announcement.withdrawn_at is not None and not organiser
    return {
        "id": announcement.id,
        "text": {
            "zh": "" if hidden else announcement.text_zh,
            "en": "" if hidden else announcement.text_en,
        },
        "created_at": announcement.created_at.isoformat(),
        "starts_at": announcement.starts_at.isoformat(),
        "ends_at": announcement.ends_at.isoformat() if announcement.ends_at else None,
        "withdrawn_at": (
            announcement.withdrawn_at.isoformat() if announcement.withdrawn_at else None
        ),
        "version": announcement.version,
    }


def check_window(now: datetime, starts_at: datetime, ends_at: datetime | None) -> None:
    """An announcement ends after it starts and after now, and within bounds."""
    if starts_at > now + FURTHEST:
        raise BadRequest("announcement.bad_times", "Announcements start within a year.")
    if ends_at is not None and (ends_at <= starts_at or ends_at <= now):
        raise BadRequest(
            "announcement.bad_times", "An announcement ends after it starts, in the future."
        )
    if ends_at is not None and ends_at - starts_at > LONGEST:
        raise BadRequest("announcement.bad_times", "An announcement shows for a year at most.")


async def post_announcement(request: Request) -> JSONResponse:
    body = await read_json(request, AnnouncementIn)
    text_zh, text_en = clean_announcement(body.text_zh), clean_announcement(body.text_en)
    if not (text_zh or text_en):
        raise BadRequest("announcement.empty", "Write the announcement first.")
    now = utcnow()
    starts_at = max(body.starts_at or now, now)  # one "from 10:00" sent at 10:01 starts now
    check_window(now, starts_at, body.ends_at)
    who = principal(request)
    assert who is not None  # the route's rule: organisers only
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        stored = await store.add_announcement(
            db,
            Announcement(
                text_zh=text_zh,
                text_en=text_en,
                created_by=who.account_id,
                created_at=now,
                starts_at=starts_at,
                ends_at=body.ends_at,
            ),
        )
    view = announcement_view(stored)
    await svc.hub.publish_stored([(TOPIC, PUBLISHED, view)])
    return JSONResponse({"announcement": view}, status_code=201)


async def list_announcements(request: Request) -> JSONResponse:
    limit = query_int(request, "limit", LATEST_DEFAULT, low=1, high=LATEST_MAX)
    current = request.query_params.get("current", "false").lower()
    if current not in ("true", "false", "1", "0"):
        raise BadRequest(message="`current` is true or false.")
    who = principal(request)
    organiser = who is not None and who.role == Role.ORGANIZER
    now = utcnow()
    async with services(request).read() as db:
        latest = await store.latest_announcements(
            db, limit or LATEST_DEFAULT, current_at=now if current in ("true", "1") else None
        )
    views = [announcement_view(a, organiser=organiser) for a in latest]
    return JSONResponse({"announcements": views, "topic": TOPIC, "now": now.isoformat()})


async def withdraw_announcement(request: Request) -> JSONResponse:
    """Take an announcement back: off every open page at once, kept in the history."""
    announcement_id = path_int(request, "announcement_id")
    who = principal(request)
    assert who is not None  # the route's rule: organisers only
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        found, withdrawn = await store.withdraw_announcement(
            db, announcement_id, who.account_id, utcnow()
        )
    if found is None:
        raise NotFound("announcement.unknown", f"There is no announcement {announcement_id}.")
    view = announcement_view(found)
    if withdrawn:  # a second withdrawal changes nothing and announces nothing
        assert found.withdrawn_at is not None
        event = {"id": found.id, "withdrawn_at": found.withdrawn_at.isoformat()}
        await svc.hub.publish_stored([(TOPIC, WITHDRAWN, event | {"version": found.version})])
    return JSONResponse({"announcement": view})


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
        summary="Announce to every open page of the expo, now or from a time (organisers)",
    ),
    route(
        "/api/announcements/{announcement_id}/withdraw",
        withdraw_announcement,
        methods=["POST"],
        action="announcement.withdraw",
        path_params=AnnouncementPath,
        responses={200: AnnouncementEnvelope, 404: ErrorBody, 503: ErrorBody},
        summary="Take an announcement back from every open page (organisers)",
    ),
]
permissions = {
    "announcement.read": ANYONE,
    "announcement.create": only(Role.ORGANIZER),
    "announcement.withdraw": only(Role.ORGANIZER),
}
topics = {TOPIC_KIND: expo_guard}
