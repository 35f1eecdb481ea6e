"""How forum data looks on the wire (HTTP and websocket alike).

The views build plain dicts (they run for every chat message fanned out); the models below
describe them for the OpenAPI document, and tests/integration/test_openapi.py checks that what
the views build is exactly what the models say.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from expo.accounts import ExhibitorBadge, exhibitor_badge
from expo.models import Exhibitor
from forums.domain import RoomStatus
from forums.models import ChatMessage, Forum, ForumSession, PersonRole, RoomKind, SessionPerson


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Title(_Out):
    zh: str
    en: str


class PinnedOut(_Out):
    """A moderator's announcement, pinned above a room's chat."""

    text: str
    at: datetime | None


class StreamOut(_Out):
    """The room's own ingest (streams/): whether a publisher is live, since when."""

    # live; interrupted: the publisher went away, a slate until it is back or the grace ends
    state: Literal["live", "interrupted", "offline"]
    live: bool  # state == "live"
    since: datetime | None  # the live session's start, kept while interrupted
    interrupted_since: datetime | None  # while interrupted: when the publisher went away
    publisher: Literal["main", "backup"] | None  # whose picture is on air, while live
    hls_url: str | None  # the on-air publisher's playlist while live (a page retries it)
    version: int = Field(ge=0)  # bumped by every change; `stream.state` events carry it


class ForumOut(_Out):
    id: int
    slug: str
    kind: RoomKind
    position: int  # the lobby's order
    title: Title
    # HLS playlist of the room's live video, when it streams: the external URL organisers set,
    # else the ingest's own playlist while a publisher is live.
    stream_url: str | None
    stream: StreamOut | None  # the ingest's state; None where no ingest is installed
    topic: str = Field(pattern=r"^forum:[0-9]+$")  # the websocket topic of its chat and events
    slow_mode_seconds: int = Field(ge=0)  # 0: off; else one chat message per N s per person
    pre_moderation: bool  # questions wait for a moderator's approval
    announcement: PinnedOut | None  # pinned above the chat by a moderator
    version: int = Field(ge=1)  # of the room's settings: their events carry it too


class PersonOut(_Out):
    name: str
    account_id: int | None  # None: a name on the programme with no account here


class SessionOut(_Out):
    id: int
    forum_id: int
    starts_at: datetime
    ends_at: datetime
    title: Title
    abstract: Title
    guid: str
    language: str
    track: str
    kind: str
    speakers: list[PersonOut]
    moderators: list[PersonOut]
    version: int = Field(ge=1)  # bumped by every edit; pages keep the highest they saw


class ForumRoom(ForumOut):
    """A room of the lobby: what is on now and next, and how many watch."""

    now: SessionOut | None
    next: SessionOut | None
    status: RoomStatus  # from the programme: live, starting_soon, between or ended
    audience: int = Field(ge=0)  # subscribers of its topic, over all server processes


class ForumList(_Out):
    """Every room, in the lobby's order."""

    forums: list[ForumRoom]


class ForumDetail(ForumOut):
    """A room and its whole programme."""

    sessions: list[SessionOut]
    status: RoomStatus  # from the programme: live, starting_soon, between or ended


class ChatAuthor(_Out):
    id: int
    name: str


class ChatMessageOut(_Out):
    id: int
    forum_id: int
    author: ChatAuthor
    text: str
    created_at: datetime
    # The exhibitor whose staff the author is (a badge beside the name); None for others.
    exhibitor: ExhibitorBadge | None


class ChatPage(_Out):
    """Chat messages, oldest first, and where the live topic stands: subscribe with
    `since: seq, epoch` to miss nothing after them."""

    messages: list[ChatMessageOut]
    topic: str = Field(pattern=r"^forum:[0-9]+$")
    seq: int = Field(ge=0)
    epoch: str


# A feature that streams rooms (streams/) hands over its rooms' states in `services.cache` under
# this key: (db, forums) -> {forum id: {"state", "live", "since", "version", "hls_url"}}.
ROOM_STREAMS = "forums.room_streams"
RoomStreams = Callable[[AsyncSession, Sequence[Forum]], Awaitable[Mapping[int, dict[str, Any]]]]


def forum_view(forum: Forum, stream: dict[str, Any] | None = None) -> dict[str, Any]:
    live = bool(stream and stream["live"])
    return {
        "id": forum.id,
        "slug": forum.slug,
        "kind": forum.kind,
        "position": forum.position,
        "title": {"zh": forum.title_zh, "en": forum.title_en},
        "stream_url": forum.stream_url or (stream["hls_url"] if stream and live else None),
        "stream": None
        if stream is None
        else {
            "state": stream["state"],
            "live": live,
            "since": stream["since"],
            "interrupted_since": stream.get("interrupted_since"),
            "publisher": stream.get("publisher"),
            "hls_url": stream.get("hls_url"),
            "version": stream["version"],
        },
        "topic": f"forum:{forum.id}",
        "slow_mode_seconds": forum.slow_mode_seconds,
        "pre_moderation": forum.pre_moderation,
        "announcement": pinned_view(forum),
        "version": forum.version,
    }


def pinned_view(forum: Forum) -> dict[str, Any] | None:
    if not forum.announcement:
        return None
    at = forum.announcement_at
    return {"text": forum.announcement, "at": at.isoformat() if at else None}


def person_view(person: SessionPerson) -> dict[str, Any]:
    return {"name": person.name, "account_id": person.account_id}


def session_view(
    session: ForumSession | None, people: list[SessionPerson] | None = None
) -> dict[str, Any] | None:
    if session is None:
        return None
    people = people or []
    return {
        "id": session.id,
        "forum_id": session.forum_id,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "title": {"zh": session.title_zh, "en": session.title_en},
        "abstract": {"zh": session.abstract_zh, "en": session.abstract_en},
        "guid": session.guid,
        "language": session.language,
        "track": session.track,
        "kind": session.kind,
        "speakers": [person_view(p) for p in people if p.role == PersonRole.SPEAKER],
        "moderators": [person_view(p) for p in people if p.role == PersonRole.MODERATOR],
        "version": session.version,
    }


def chat_view(message: ChatMessage, exhibitor: Exhibitor | None = None) -> dict[str, Any]:
    return {
        "id": message.id,
        "forum_id": message.forum_id,
        "author": {"id": message.account_id, "name": message.author_name},
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        "exhibitor": exhibitor_badge(exhibitor),
    }
