"""The ingest's tables: each room's stream keys and live state; the replays its recordings
became."""

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
    # When the backup publisher last went on air: its recording is a replay only if it did.
    backup_aired_at: datetime | None = Field(default=None)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)


class StreamReplay(SQLModel, table=True):
    """One recording of a room's stream (one publisher's unbroken push), kept as a replay.

    nginx records what it relays into the `hls` application; its `on_record_done` makes the row
    (`recorded`), one process claims it (`processing`), remuxes the recording into MP4 in the
    replay directory and marks it `ready`, which is announced. `failed` keeps why. Chapters are
    not stored: they are the programme's sessions overlapping [started_at, ended_at], read when
    shown, so a programme edit shows at once. The rules are streams/replay_rules.py.
    """

    __tablename__ = "stream_replay"

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True, ondelete="CASCADE")
    publisher: str = Field(max_length=8)  # main | backup
    started_at: datetime = Field(index=True)
    ended_at: datetime
    duration: float | None = Field(default=None)  # seconds of media, once ready
    # The recording nginx wrote (its own disk), until it became the MP4; unique: a callback
    # heard twice makes one replay.
    source: str | None = Field(default=None, max_length=1024, unique=True)
    file: str | None = Field(default=None, max_length=200)  # the MP4's name in the replay dir
    url: str | None = Field(default=None, max_length=500)  # media kept elsewhere (the demo's)
    size: int | None = Field(default=None)  # bytes of the MP4
    state: str = Field(default="recorded", max_length=12)  # recorded|processing|ready|failed
    claimed_at: datetime | None = Field(default=None)  # by the process remuxing it
    attempts: int = Field(default=0)
    failure: str = Field(default="", max_length=300)
    hidden: bool = Field(default=False)  # by an organiser, or held back (do_not_record)
    # Bumped by every change (ready, hidden, shown): `replay.changed` carries it.
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
