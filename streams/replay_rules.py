"""Replays: which recording becomes one, and what its chapters are. Pure rules, no I/O.

nginx records each publisher's unbroken push into the `hls` application as
`<name>-<unix seconds>.flv` (`record_unique on`), where `<name>` is the room's slug, or the slug
with `-backup` for the backup publisher (streams/domain.py `hls_name`). The main publisher is on
air from its first frame, so its recording is always a replay; the backup's stands by while
main is live and is a replay only if it went on air during it.

A replay's chapters are the room's programme sessions it overlaps, each at its offset into the
media; a session marked `do_not_record` keeps the whole replay hidden until an organiser has
looked at it (the file holds what the speakers asked not to keep).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import PurePosixPath

from streams.domain import BACKUP_SUFFIX
from streams.keys import Which

RECORDING = re.compile(
    r"(?P<name>[a-z0-9](?:[a-z0-9-]{0,80}[a-z0-9])?)-(?P<stamp>[0-9]{9,11})\.flv"
)
# A session the recording holds less of than this (a recording cut just after it began) is no
# chapter, nor less than this share of a short recording.
MIN_CHAPTER = timedelta(seconds=30)
MIN_SHARE = 0.25
REPLAY_READY = "replay.ready"  # on the room's topic: a new replay to offer
REPLAY_CHANGED = "replay.changed"  # hidden or shown again (carries the replay's version)


class ReplayState(StrEnum):
    RECORDED = "recorded"  # nginx finished the recording; nobody has remuxed it yet
    PROCESSING = "processing"  # a process claimed it
    READY = "ready"
    FAILED = "failed"


class RecordingError(ValueError):
    """A callback naming no recording of ours."""


@dataclass(frozen=True, slots=True)
class Recording:
    path: str
    slug: str  # the room's
    which: Which
    started_at: datetime


def recording_of(path: str, name: str) -> Recording:
    """What nginx's `on_record_done` names: the file (an absolute path, its name ours) and the
    stream it recorded. Anything else is refused: the path is later read and removed."""
    pure = PurePosixPath(path)
    if not pure.is_absolute() or ".." in pure.parts:
        raise RecordingError("the recording's path is not absolute")
    matched = RECORDING.fullmatch(pure.name)
    if matched is None or matched["name"] != name:
        raise RecordingError("the recording's file is not one nginx names after the stream")
    which = Which.BACKUP if name.endswith(BACKUP_SUFFIX) else Which.MAIN
    slug = name.removesuffix(BACKUP_SUFFIX) if which == Which.BACKUP else name
    started = datetime.fromtimestamp(int(matched["stamp"]), UTC)
    return Recording(path=str(pure), slug=slug, which=which, started_at=started)


def worth_keeping(
    which: Which, started_at: datetime, ended_at: datetime, backup_aired_at: datetime | None
) -> bool:
    """Main's recordings always; the backup's only if it went on air while recording."""
    if which == Which.MAIN:
        return True
    return backup_aired_at is not None and started_at <= backup_aired_at <= ended_at


@dataclass(frozen=True, slots=True)
class Session:
    """What a chapter needs of a programme session."""

    id: int
    starts_at: datetime
    ends_at: datetime
    title_zh: str
    title_en: str
    do_not_record: bool = False


@dataclass(frozen=True, slots=True)
class Chapter:
    session: int
    title_zh: str
    title_en: str
    at: float  # seconds into the media where the session starts (0 if it began before)
    length: float  # seconds of the session the media holds


def chapters(
    sessions: Iterable[Session], started_at: datetime, ended_at: datetime
) -> list[Chapter]:
    """The sessions the recording covers, in order, each from where it starts in the media."""
    found: list[Chapter] = []
    least = min(MIN_CHAPTER, (ended_at - started_at) * MIN_SHARE)
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
        begin, end = max(session.starts_at, started_at), min(session.ends_at, ended_at)
        if end - begin < least or end <= begin:
            continue
        found.append(
            Chapter(
                session=session.id,
                title_zh=session.title_zh,
                title_en=session.title_en,
                at=(begin - started_at).total_seconds(),
                length=(end - begin).total_seconds(),
            )
        )
    return found


def held_back(sessions: Sequence[Session], started_at: datetime, ended_at: datetime) -> bool:
    """Whether the recording overlaps a session whose speakers asked not to be recorded."""
    return any(
        s.do_not_record and s.starts_at < ended_at and s.ends_at > started_at for s in sessions
    )


def media_name(slug: str, started_at: datetime, token: str) -> str:
    """The MP4's file name: the room and the start, readable; the token makes it unguessable."""
    return f"{slug}-{started_at:%Y%m%d-%H%M%S}-{token}.mp4"
