"""The ingest's one table: each room's stream keys and live state."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from expo.models import utcnow


class RoomStream(SQLModel, table=True):
    """A room's (the stage's or a forum's) two secret stream keys and what nginx last told us.

    Keys are compared in constant time against what a publisher gives (streams/keys.py), never
    looked up with a WHERE on the key. The live state is written before it is announced, and
    every change bumps `version` in the same statement, so pages keep the newest they saw.
    The rules of its changes are streams/domain.py's `transition`.
    """

    __tablename__ = "room_stream"

    forum_id: int = Field(primary_key=True, foreign_key="forum.id", ondelete="CASCADE")
    main_key: str = Field(max_length=64)
    backup_key: str = Field(max_length=64)
    state: str = Field(default="offline", max_length=16)  # live | interrupted | offline
    since: datetime | None = Field(default=None)  # the live session's start
    interrupted_since: datetime | None = Field(default=None)  # while interrupted
    publisher: str | None = Field(default=None, max_length=8)  # main | backup, while live
    client_id: str | None = Field(default=None, max_length=32)  # nginx's id of the publisher
    seen_at: datetime | None = Field(default=None)  # the last publish or on_update heard
    # A backup publisher waiting while main is live (it takes over when main goes).
    standby_client_id: str | None = Field(default=None, max_length=32)
    standby_seen_at: datetime | None = Field(default=None)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)
