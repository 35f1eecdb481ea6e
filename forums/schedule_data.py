"""The programme as schedule interchange sees it, with no I/O: rooms, events and the people on
them, plus the expo's conference facts, in plain data.

The exports (`schedule_json`, `schedule_frab`, `schedule_ical`) only translate a `Programme`;
the import (`schedule_json.parse`) builds one from a document. What is decided once for every
format lives here: the conference metadata, local times, days, the bilingual mapping (one
title and one abstract per event in the formats, two of each in our rows), event ids and slugs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import orjson

from expo.db import stored_id
from forums.models import Forum, ForumSession, RoomKind, SessionPerson

# --- the conference --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleMeta:
    """The expo as a conference of the schedule formats; one place for these facts."""

    acronym: str = "shubo2026"
    title: str = "中国国际大数据产业博览会 2026 · China International Big Data Industry Expo 2026"
    time_zone: str = "Asia/Shanghai"  # Guiyang keeps Beijing time: local times say +08:00
    timeslot: timedelta = timedelta(minutes=5)
    base_url: str = "http://localhost:8000"  # where the platform is reached, for links

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


# --- rooms, people, events -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Room:
    """A forum as a schedule room. `name` is how documents refer to it (its English title:
    the frab/c3voc tools and apps expect Latin room names); `slug` matches it on import."""

    name: str
    slug: str = ""
    title_zh: str = ""
    title_en: str = ""
    kind: str = RoomKind.FORUM
    forum_id: int | None = None  # None: a room of an imported document, not matched yet


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    role: str = "speaker"  # forums.models.PersonRole
    code: str = ""  # pretalx's person code, kept for round trips
    biography: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    """A session: times are aware (UTC in our rows; whatever offset a document gave)."""

    guid: str
    room: Room
    starts_at: datetime
    ends_at: datetime
    title_zh: str
    title_en: str
    abstract_zh: str = ""
    abstract_en: str = ""
    language: str = "zh"
    track: str = ""
    kind: str = "talk"
    do_not_record: bool = False
    people: tuple[Person, ...] = ()


@dataclass(frozen=True, slots=True)
class Programme:
    meta: ScheduleMeta
    rooms: tuple[Room, ...]
    events: tuple[Event, ...]
    # The day an empty programme is said to be on (the formats require a start and an end).
    today: date = field(default_factory=lambda: date(2026, 1, 1))


def programme_of(
    meta: ScheduleMeta,
    forums: Sequence[Forum],
    sessions: Sequence[ForumSession],
    people: dict[int, list[SessionPerson]],
    today: date,
) -> Programme:
    """The programme from the database's rows (forums in their lobby order)."""
    rooms = {f.id: room_of(f) for f in forums}
    names = [r.name for r in rooms.values()]
    for forum_id, room in rooms.items():  # documents key rooms by name: make them distinct
        if names.count(room.name) > 1:
            rooms[forum_id] = replace(room, name=f"{room.name} ({room.slug})")
    events = tuple(
        Event(
            guid=s.guid,
            room=rooms[s.forum_id],
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            title_zh=s.title_zh,
            title_en=s.title_en,
            abstract_zh=s.abstract_zh,
            abstract_en=s.abstract_en,
            language=s.language,
            track=s.track,
            kind=s.kind,
            do_not_record=s.do_not_record,
            people=tuple(
                Person(name=p.name, role=p.role, code=p.code, biography=p.biography)
                for p in people.get(stored_id(s), [])
            ),
        )
        for s in sessions
    )
    return Programme(meta, tuple(rooms.values()), sort_events(events), today)


def room_of(forum: Forum) -> Room:
    return Room(
        name=forum.title_en or forum.title_zh,
        slug=forum.slug,
        title_zh=forum.title_zh,
        title_en=forum.title_en,
        kind=forum.kind,
        forum_id=forum.id,
    )


def sort_events(events: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(sorted(events, key=lambda e: (e.starts_at, e.room.name, e.guid)))


# --- one title per event: the bilingual mapping ------------------------------------------------
#
# The formats carry one title and one abstract per event, plus a subtitle and a description.
# The title and abstract are in the language the session is held in (its `language`), the
# subtitle and description are the other language's title and abstract. So apps show the
# title people will hear, and nothing is lost: the import puts each back on its side.


def own_side(language: str) -> str:
    """Which of our two sides ("zh" or "en") a session held in `language` leads with."""
    return "zh" if language.lower().startswith("zh") else "en"


def titles(event: Event) -> tuple[str, str, str, str]:
    """(title, subtitle, abstract, description) of an event in the formats."""
    if own_side(event.language) == "zh":
        return event.title_zh, event.title_en, event.abstract_zh, event.abstract_en
    return event.title_en, event.title_zh, event.abstract_en, event.abstract_zh


def sides(
    language: str, title: str, subtitle: str, abstract: str, description: str
) -> dict[str, str]:
    """The inverse of `titles`: our zh and en fields from a document's event."""
    if own_side(language) == "zh":
        return {
            "title_zh": title,
            "title_en": subtitle,
            "abstract_zh": abstract,
            "abstract_en": description,
        }
    return {
        "title_zh": subtitle,
        "title_en": title,
        "abstract_zh": description,
        "abstract_en": abstract,
    }


# --- times and days ----------------------------------------------------------------------------


def local(meta: ScheduleMeta, moment: datetime) -> datetime:
    """`moment` in the expo's time zone (the formats give local times with their offset)."""
    return moment.astimezone(meta.zone)


def hours_minutes(span: timedelta) -> str:
    """A duration as the formats write it, "HH:MM" (seconds are dropped: `end` keeps them)."""
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class Day:
    index: int  # from 1
    date: date
    starts_at: datetime  # local midnight
    ends_at: datetime  # the last second of the local day
    events: tuple[Event, ...]


def days_of(programme: Programme) -> list[Day]:
    """Every local day from the first session's to the last one's (days with no sessions
    included), each with the events that start on it. An empty programme has one empty day,
    `today` (frab XML needs a day)."""
    meta = programme.meta
    starts = [local(meta, e.starts_at).date() for e in programme.events]
    first, last = (min(starts), max(starts)) if starts else (programme.today, programme.today)
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        days.append(
            Day(
                index=offset + 1,
                date=day,
                starts_at=datetime.combine(day, time(0), meta.zone),
                ends_at=datetime.combine(day, time(23, 59, 59), meta.zone),
                events=tuple(
                    e for e, start in zip(programme.events, starts, strict=True) if start == day
                ),
            )
        )
    return days


# --- identifiers ------------------------------------------------------------------------------


def room_guid(meta: ScheduleMeta, room: Room) -> str:
    """A stable UUID for a room: the same room has the same guid in every export."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{meta.acronym}/room/{room.slug or room.name}"))


ID_LIMIT = 2**31 - 1


def legacy_ids(guids: Iterable[str]) -> dict[str, int]:
    """The integer ids the formats still require (`id`, deprecated for `guid`), derived from
    the guids so an event keeps its id across exports and databases. Collisions are settled
    in guid order, so the same set of guids always gets the same ids."""
    taken: set[int] = set()
    ids = {}
    for guid in sorted(set(guids)):
        digest = hashlib.sha256(guid.encode()).digest()
        number = int.from_bytes(digest[:8], "big") % ID_LIMIT + 1
        while number in taken:
            number = number % ID_LIMIT + 1
        taken.add(number)
        ids[guid] = number
    return ids


def slugify(text: str, limit: int = 48) -> str:
    """Lower-case ASCII words joined by "-" ("" when nothing Latin is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:limit].rstrip("-")


def event_slug(meta: ScheduleMeta, event: Event, event_id: int) -> str:
    """`<acronym>-<id>-<words of the English title>`, as pretalx makes them."""
    return f"{meta.acronym}-{event_id}-{slugify(event.title_en) or 'session'}"


def room_url(meta: ScheduleMeta, room: Room) -> str:
    """The room's page in the web app, addressed by its slug (stable across databases, unlike
    the row id)."""
    if room.forum_id is None:
        return f"{meta.base_url}/"
    return f"{meta.base_url}/#/forum/{room.slug or room.forum_id}"


def event_url(meta: ScheduleMeta, event: Event) -> str:
    return f"{room_url(meta, event.room)}?session={event.guid}"


def version_of(programme: Programme) -> str:
    """The schedule's version: a digest of its content, so it changes with the programme and
    only with it (an export, an import and a re-export agree)."""
    content = {
        "rooms": [asdict(r) | {"forum_id": None} for r in programme.rooms],
        "events": [
            asdict(e)
            | {
                "room": e.room.slug or e.room.name,
                "starts_at": e.starts_at.astimezone(UTC),
                "ends_at": e.ends_at.astimezone(UTC),
            }
            for e in programme.events
        ],
    }
    digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return digest[:12]


def tracks_of(programme: Programme) -> list[str]:
    """The tracks, in the order they first appear."""
    return list(dict.fromkeys(e.track for e in programme.events if e.track))
