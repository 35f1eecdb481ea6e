"""Forum rooms, their programme, and what attendees post in them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from expo.models import utcnow


class RoomKind(StrEnum):
    STAGE = "stage"  # the opening-ceremony main stage
    FORUM = "forum"  # one of the eight 数谷论坛 forums


class Forum(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True)
    kind: str = Field(default=RoomKind.FORUM, max_length=8)
    position: int = Field(default=0)
    title_zh: str = Field(max_length=120)
    title_en: str = Field(max_length=200)
    stream_url: str | None = Field(default=None, max_length=500)


class ForumSession(SQLModel, table=True):
    """One scheduled item of a forum's programme."""

    __tablename__ = "forum_session"

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    title_zh: str = Field(max_length=200)
    title_en: str = Field(max_length=300)
    speakers: str = Field(default="", max_length=500)


class ChatMessage(SQLModel, table=True):
    __tablename__ = "chat_message"

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    author_name: str = Field(max_length=80)
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, index=True)
