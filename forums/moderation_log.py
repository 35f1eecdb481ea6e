"""The moderation log: every moderation action in a room, with who, when, to whom or what and
why, added to the action's own transaction (so there is never an action without its entry, nor
an entry for an action that was refused or rolled back); and the organisers' route that reads it,
newest first, paged back by id.

The actions logged are the room staff's moves on others: deleting someone else's chat message,
muting, banning, lifting, hiding a question, slow mode, the pinned announcement, the room's
pre-moderation, deleting a poll, and the organisers' changes of the room itself (the console's
rooms tab). An author deleting their own message is not moderation and is not logged.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from starlette.requests import Request

from expo.http import JSONResponse, query_int, route, services
from expo.models import Account, Role
from expo.permissions import only
from forums.models import Forum, ModerationEntry

ID_MAX = 2**31 - 1
PAGE = 50


class LogAction(StrEnum):
    CHAT_DELETE = "chat.delete"
    MUTE = "forum.mute"
    BAN = "forum.ban"
    LIFT = "forum.lift"
    QUESTION_HIDE = "question.hide"
    SLOW_MODE = "forum.set_slow_mode"
    PIN = "forum.pin"
    UNPIN = "forum.unpin"
    PRE_MODERATION = "forum.set_pre_moderation"
    POLL_DELETE = "poll.delete"
    ROOM_EDIT = "room.edit"
    ROOM_MOVE = "room.move"


def entry(
    *,
    forum_id: int,
    action: LogAction,
    actor_id: int,
    target_account_id: int | None = None,
    subject: tuple[str, int] | None = None,
    reason: str = "",
    details: dict[str, object] | None = None,
) -> ModerationEntry:
    """An entry, to add to the action's own transaction (`record`, or a store function that
    adds it once it knows what was done)."""
    return ModerationEntry(
        forum_id=forum_id,
        action=action,
        actor_id=actor_id,
        target_account_id=target_account_id,
        subject_kind=subject[0] if subject else "",
        subject_id=subject[1] if subject else None,
        reason=reason,
        details=details or {},
    )


def record(db: AsyncSession, made: ModerationEntry) -> None:
    """Add the entry to `db`'s transaction: committed with the action, or not at all."""
    db.add(made)


# --- reading -----------------------------------------------------------------------------------


class LogQuery(BaseModel):
    forum: int | None = Field(default=None, ge=1, le=ID_MAX, description="Only this room's.")
    moderator: int | None = Field(default=None, ge=1, le=ID_MAX, description="Only by them.")
    target: int | None = Field(default=None, ge=1, le=ID_MAX, description="Only about them.")
    before: int | None = Field(
        default=None, ge=1, le=ID_MAX, description="Only entries with a smaller id (paging back)."
    )
    limit: int = Field(default=PAGE, ge=1, le=200, description="At most this many entries.")


class Named(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: str


class LogRoom(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    slug: str
    title: dict[str, str]


class LogEntryOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    action: str
    forum: LogRoom
    moderator: Named
    target: Named | None
    subject: dict[str, Any] | None
    reason: str
    details: dict[str, Any]
    created_at: datetime


class LogPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[LogEntryOut]
    # Ask again with `before=next_before` for older entries; None when this is the last page.
    next_before: int | None


async def entries(
    db: AsyncSession,
    *,
    forum_id: int | None = None,
    actor_id: int | None = None,
    target_id: int | None = None,
    before: int | None = None,
    limit: int = PAGE,
) -> list[tuple[ModerationEntry, Forum, str, str | None]]:
    """The newest entries first (with the room, the moderator's name and the target's)."""
    actor = aliased(Account)
    target = aliased(Account)
    query = (
        select(ModerationEntry, Forum, actor.display_name, target.display_name)
        .join(Forum, col(Forum.id) == col(ModerationEntry.forum_id))
        .join(actor, col(actor.id) == col(ModerationEntry.actor_id))
        .outerjoin(target, col(target.id) == col(ModerationEntry.target_account_id))
        .order_by(col(ModerationEntry.id).desc())
        .limit(limit)
    )
    if forum_id is not None:
        query = query.where(ModerationEntry.forum_id == forum_id)
    if actor_id is not None:
        query = query.where(ModerationEntry.actor_id == actor_id)
    if target_id is not None:
        query = query.where(ModerationEntry.target_account_id == target_id)
    if before is not None:
        query = query.where(col(ModerationEntry.id) < before)
    rows = (await db.execute(query)).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def entry_view(
    entry: ModerationEntry, forum: Forum, actor: str, target: str | None
) -> dict[str, Any]:
    return {
        "id": entry.id,
        "action": entry.action,
        "forum": {
            "id": forum.id,
            "slug": forum.slug,
            "title": {"zh": forum.title_zh, "en": forum.title_en},
        },
        "moderator": {"id": entry.actor_id, "name": actor},
        "target": (
            {"id": entry.target_account_id, "name": target or ""}
            if entry.target_account_id is not None
            else None
        ),
        "subject": (
            {"kind": entry.subject_kind, "id": entry.subject_id} if entry.subject_kind else None
        ),
        "reason": entry.reason,
        "details": entry.details,
        "created_at": entry.created_at.isoformat(),
    }


async def list_log(request: Request) -> JSONResponse:
    limit = query_int(request, "limit", PAGE, low=1, high=200) or PAGE
    filters = {
        name: query_int(request, name, None, low=1, high=ID_MAX)
        for name in ("forum", "moderator", "target", "before")
    }
    async with services(request).read() as db:
        found = await entries(
            db,
            forum_id=filters["forum"],
            actor_id=filters["moderator"],
            target_id=filters["target"],
            before=filters["before"],
            limit=limit,
        )
    views = [entry_view(*row) for row in found]
    next_before = views[-1]["id"] if len(views) == limit else None
    return JSONResponse({"entries": views, "next_before": next_before})


routes = [
    route(
        "/api/moderation/log",
        list_log,
        methods=["GET"],
        action="moderation.log.read",
        query=LogQuery,
        responses={200: LogPage},
        summary="The moderation log, newest first (organisers)",
    ),
]
permissions = {"moderation.log.read": only(Role.ORGANIZER)}
