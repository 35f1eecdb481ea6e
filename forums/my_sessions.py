"""A speaker's or moderator's own sessions: where and when they are on the programme (from the
`session_person` rows linked to their account), for their "my sessions" page.

The page follows programme edits through `lobby:forums` (every save and deletion is announced
there too, forums/programme.py) by asking again: one query for one person, at an edit's pace.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlmodel import col, select
from starlette.requests import Request

from expo.http import JSONResponse, principal, route, services
from expo.permissions import SIGNED_IN
from forums import store
from forums.models import Forum, ForumSession, PersonRole, SessionPerson
from forums.views import SessionOut, Title, session_view


class RoomRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    slug: str
    title: Title


class MySession(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[PersonRole]  # what the person is in it: speaker, moderator or both
    room: RoomRef
    session: SessionOut


class MySessions(BaseModel):
    """One's sessions, soonest first (those that ended too: the page dims them)."""

    model_config = ConfigDict(extra="forbid")

    sessions: list[MySession]


async def my_sessions(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    async with services(request).read() as db:
        rows = (
            await db.execute(
                select(SessionPerson.role, ForumSession, Forum)
                .join(ForumSession, ForumSession.id == SessionPerson.session_id)  # type: ignore[arg-type]
                .join(Forum, Forum.id == ForumSession.forum_id)  # type: ignore[arg-type]
                .where(SessionPerson.account_id == who.account_id)
                .order_by(col(ForumSession.starts_at), col(ForumSession.id))
            )
        ).all()
        sessions: dict[int, tuple[ForumSession, Forum, list[str]]] = {}
        for role, session, forum in rows:
            assert session.id is not None
            sessions.setdefault(session.id, (session, forum, []))[2].append(role)
        people = await store.people_of(db, list(sessions))
    out: list[dict[str, Any]] = [
        {
            "roles": sorted(set(roles)),
            "room": {
                "id": forum.id,
                "slug": forum.slug,
                "title": {"zh": forum.title_zh, "en": forum.title_en},
            },
            "session": session_view(session, people.get(session_id, [])),
        }
        for session_id, (session, forum, roles) in sessions.items()
    ]
    return JSONResponse({"sessions": out})


permissions = {"programme.read_own": SIGNED_IN}
routes = [
    route(
        "/api/me/sessions",
        my_sessions,
        methods=["GET"],
        action="programme.read_own",
        responses={200: MySessions},
        summary="Where and when one speaks or moderates",
    ),
]
