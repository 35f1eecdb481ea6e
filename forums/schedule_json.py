"""The schedule JSON that pretalx exports (the c3voc schema), both ways, with no I/O.

`export` writes a `Programme` as a document that validates against the c3voc schema;
`parse` validates a document against that schema (the copy in `schedule_schema/`) and reads
it back into a `Programme`. `parse(export(p))` gives `p` again: every field of our sessions
has a place in the document (see `schedule_data` for the bilingual mapping, and
docs/forums/interchange.md).
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from expo.errors import BadRequest
from forums.models import PersonRole, RoomKind
from forums.programme_rules import LONGEST_SESSION
from forums.schedule_data import (
    Event,
    Person,
    Programme,
    Room,
    ScheduleMeta,
    days_of,
    event_slug,
    event_url,
    hours_minutes,
    legacy_ids,
    local,
    room_guid,
    room_url,
    sides,
    sort_events,
    titles,
    tracks_of,
    version_of,
)

if TYPE_CHECKING:
    from jsonschema import Draft6Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).parent / "schedule_schema" / "c3voc-schedule.schema.json"
SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
# Bounds of our rows (forums/models.py): a longer text is refused, never cut.
LIMITS = {
    "title_zh": 200,
    "title_en": 300,
    "abstract_zh": 4000,
    "abstract_en": 4000,
    "language": 8,
    "track": 80,
    "kind": 40,
    "name": 120,
    "code": 40,
    "biography": 4000,
}
ERRORS_WEIGHED = 50  # schema errors read before choosing the one to report


# --- export ------------------------------------------------------------------------------------


def export(programme: Programme) -> dict[str, Any]:
    """The programme as a c3voc/pretalx schedule document."""
    meta = programme.meta
    ids = legacy_ids(e.guid for e in programme.events)
    days = days_of(programme)
    first, last = days[0].date, days[-1].date
    conference: dict[str, Any] = {
        "acronym": meta.acronym,
        "title": meta.title,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "daysCount": len(days),
        "timeslot_duration": hours_minutes(meta.timeslot),
        "time_zone_name": meta.time_zone,
        "url": f"{meta.base_url}/",
        "tracks": [{"name": t} for t in tracks_of(programme)],
        "rooms": [_room(meta, r) for r in programme.rooms],
        "days": [
            {
                "index": day.index,
                "date": day.date.isoformat(),
                "day_start": day.starts_at.isoformat(),
                "day_end": day.ends_at.isoformat(),
                "rooms": {
                    room.name: [_event(meta, e, ids[e.guid]) for e in day.events if e.room == room]
                    for room in programme.rooms
                },
            }
            for day in days
        ],
    }
    return {
        "$schema": SCHEMA_URL,
        "generator": {"name": "shubo-live", "version": _generator_version()},
        "schedule": {
            "version": version_of(programme),
            "base_url": f"{meta.base_url}/",
            "conference": conference,
        },
    }


def dumps(document: dict[str, Any]) -> bytes:
    """The document as sent: UTF-8, keys in the order written, two-space indents."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2)


def _room(meta: ScheduleMeta, room: Room) -> dict[str, Any]:
    found: dict[str, Any] = {"name": room.name}
    if room.slug:  # the schema wants a slug to be one, or none
        found["slug"] = room.slug
    return found | {
        "guid": room_guid(meta, room),
        "type": "stage" if room.kind == RoomKind.STAGE else "lecturehall",
        # The schema's translation object: the room's title in both languages.
        "description": {"zh": room.title_zh, "en": room.title_en},
        "url": room_url(meta, room),
    }


def _event(meta: ScheduleMeta, event: Event, event_id: int) -> dict[str, Any]:
    title, subtitle, abstract, description = titles(event)
    starts = local(meta, event.starts_at)
    return {
        "id": event_id,
        "guid": event.guid,
        "date": starts.isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": local(meta, event.ends_at).isoformat(),
        "duration": hours_minutes(event.ends_at - event.starts_at),
        "room": event.room.name,
        "slug": event_slug(meta, event, event_id),
        "url": event_url(meta, event),
        "title": title,
        "subtitle": subtitle,
        "track": event.track or None,
        "type": event.kind,
        "language": event.language or None,
        "abstract": abstract,
        "description": description,
        "recording_license": "",
        "do_not_record": event.do_not_record,
        "persons": [_person(p) for p in event.people],
        "links": [],
        "attachments": [],
    }


def _person(person: Person) -> dict[str, Any]:
    found: dict[str, Any] = {"name": person.name, "public_name": person.name}
    if person.code:
        found["code"] = person.code
    found["biography"] = person.biography
    found["role"] = person.role  # ours: speaker or moderator (the schema lets persons say more)
    return found


def _generator_version() -> str:
    try:
        return version("shubo-live")
    except PackageNotFoundError:  # pragma: no cover - a bare checkout
        return "0"


# --- import ------------------------------------------------------------------------------------


def invalid(path: str, reason: str, message: str) -> BadRequest:
    """`schedule.invalid`, naming the JSON path of the problem (as jsonschema writes it)."""
    return BadRequest(
        "schedule.invalid",
        f"{path}: {message}"[:300],
        details=[{"field": path, "reason": reason, "message": message[:300]}],
    )


@cache
def validator() -> Draft6Validator:
    # Imported when first needed: jsonschema (with attrs and referencing) is a tenth of a second
    # of every process's start, and only a programme import validates.
    from jsonschema import Draft6Validator

    schema = orjson.loads(SCHEMA_PATH.read_bytes())
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)


def check(document: Any) -> None:
    """Refuse a document the c3voc schema refuses, naming its most telling problem."""
    from jsonschema.exceptions import best_match

    errors = list(itertools.islice(validator().iter_errors(document), ERRORS_WEIGHED))
    error = best_match(errors) if errors else None
    if error is None:
        return
    if error.validator is None:  # a `false` schema: the field may not be there at all
        try:
            path = _refused_member(error, document)
        except (KeyError, IndexError, TypeError):  # a schema shape not foreseen: the holder
            path = error.json_path
        raise invalid(path, "false", "is not allowed here")
    raise invalid(error.json_path, str(error.validator), error.message)


def _refused_member(error: ValidationError, document: Any) -> str:
    """The path of the property a `false` schema refuses. (jsonschema names the object that
    holds it: find the member whose schema under `properties` is `false`.)"""
    root: Any = validator().schema  # JSON all the way down, walked by key and by index
    schema = root
    for step in error.absolute_schema_path:
        while isinstance(schema, dict) and str(schema.get("$ref", "")).startswith("#/"):
            schema = _pointer(root, schema["$ref"])  # the schema's own definitions
        schema = schema[step]
    holder: Any = document
    for step in error.absolute_path:
        holder = holder[step]
    if isinstance(schema, dict) and isinstance(holder, dict):
        for key, subschema in schema.items():
            if subschema is False and key in holder:
                return error.json_path + _member(key)
    return error.json_path


def _pointer(root: Any, ref: str) -> Any:
    for step in ref.removeprefix("#/").split("/"):
        root = root[step]
    return root


@dataclass(frozen=True, slots=True)
class BadTimes:
    """An event a lenient parse left out for its times, as the import preview lists it."""

    guid: str
    title: str
    room: str
    field: str  # the JSON path of the time
    message: str


def parse(document: Any, bad_times: list[BadTimes] | None = None) -> Programme:
    """A schedule document as a `Programme`, or `schedule.invalid` with the JSON path of the
    first problem: the schema's, then ours (dates, lengths, repeated guids). Given a list as
    `bad_times`, an event whose times are wrong (unreadable, ending before it starts, longer
    than a day) is left out and noted there instead: the preview refuses it alone."""
    check(document)
    schedule = document["schedule"]
    conference = schedule["conference"]
    meta = ScheduleMeta(
        acronym=conference["acronym"],
        title=conference["title"],
        time_zone=_zone_name(conference.get("time_zone_name")),
        base_url=str(schedule.get("base_url", "")).rstrip("/"),
    )
    rooms = {r["name"]: _parse_room(r) for r in conference.get("rooms", [])}
    events: list[Event] = []
    seen: dict[str, str] = {}
    for d, day in enumerate(conference.get("days", [])):
        for key, items in day["rooms"].items():
            for i, item in enumerate(items):
                path = f"$.schedule.conference.days[{d}].rooms{_member(key)}[{i}]"
                try:
                    event = _parse_event(item, rooms, path)
                except BadRequest as error:
                    if bad_times is None or not _times_error(error, path):
                        raise
                    bad_times.append(_bad_times(item, error))
                    continue
                if event.guid in seen:
                    raise invalid(
                        f"{path}.guid", "unique", f"repeats the guid of {seen[event.guid]}"
                    )
                seen[event.guid] = path
                events.append(event)
    return Programme(meta, tuple(rooms.values()), sort_events(events))


TIME_FIELDS = (".date", ".end", ".duration")


def _times_error(error: BadRequest, path: str) -> bool:
    [detail] = error.details if isinstance(error.details, list) else [{}]
    return str(detail.get("field", "")) in {path + f for f in TIME_FIELDS}


def _bad_times(item: dict[str, Any], error: BadRequest) -> BadTimes:
    [detail] = error.details
    return BadTimes(
        guid=str(item.get("guid", "")),
        title=_text(item.get("title")),
        room=str(item.get("room", "")),
        field=detail["field"],
        message=detail["message"],
    )


IDENTIFIER = re.compile("^[a-zA-Z][a-zA-Z0-9_]*$")


def _member(key: str) -> str:
    """A key in a JSON path as jsonschema writes them: `.key`, or `['a key']`."""
    if IDENTIFIER.match(key):
        return f".{key}"
    return "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']"


def _zone_name(name: str | None) -> str:
    try:
        return str(ZoneInfo(name)) if name else "UTC"
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"


def _parse_room(room: dict[str, Any]) -> Room:
    description = room.get("description")
    names = description if isinstance(description, dict) else {}
    return Room(
        name=room["name"],
        slug=room.get("slug", ""),
        title_zh=_text(names.get("zh")),
        title_en=_text(names.get("en")),
        kind=RoomKind.STAGE if room.get("type") == "stage" else RoomKind.FORUM,
    )


def _parse_event(item: dict[str, Any], rooms: dict[str, Room], path: str) -> Event:
    try:
        guid = str(uuid.UUID(item["guid"]))
    except ValueError:
        raise invalid(f"{path}.guid", "format", "is not a UUID") from None
    starts = _moment(item["date"], f"{path}.date")
    if "end" in item:
        ends, where = _moment(item["end"], f"{path}.end"), f"{path}.end"
    else:
        where = f"{path}.duration"
        hours, minutes = item["duration"].split(":")
        try:
            ends = starts + timedelta(hours=int(hours), minutes=int(minutes))
        except (OverflowError, ValueError):  # hours past what a timedelta (or int()) takes
            raise invalid(where, "range", "is far too long") from None
    if not timedelta(0) < ends - starts <= LONGEST_SESSION:
        raise invalid(where, "range", "a session ends after it starts, within a day")
    language = _text(item.get("language"))
    fields = {
        "language": language,
        "track": _text(item.get("track")),
        "kind": _text(item.get("type")),
        **sides(
            language,
            _text(item.get("title")),
            _text(item.get("subtitle")),
            _text(item.get("abstract")),
            _text(item.get("description")),
        ),
    }
    if not (fields["title_zh"].strip() or fields["title_en"].strip()):
        raise invalid(f"{path}.title", "required", "a session needs a title")
    _check_lengths(fields, path)
    people = tuple(
        _parse_person(p, f"{path}.persons[{n}]") for n, p in enumerate(item.get("persons", []))
    )
    name = item["room"]
    return Event(
        guid=guid,
        room=rooms.get(name) or Room(name=name),
        starts_at=starts,
        ends_at=ends,
        do_not_record=bool(item.get("do_not_record")),
        people=people,
        **fields,
    )


def _parse_person(item: dict[str, Any], path: str) -> Person:
    role = item.get("role")
    fields = {
        "name": _text(item.get("name") or item.get("public_name")),
        "code": _text(item.get("code")),
        "biography": _text(item.get("biography")),
    }
    if not fields["name"].strip():
        raise invalid(f"{path}.name", "required", "a person needs a name")
    _check_lengths(fields, path)
    known = role in (PersonRole.SPEAKER, PersonRole.MODERATOR)
    return Person(role=str(role) if known else PersonRole.SPEAKER, **fields)


def _moment(value: str, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(path, "format", "is not an ISO 8601 date and time") from None
    if moment.tzinfo is None or not 2000 <= moment.year <= 2100:
        raise invalid(path, "format", "needs a UTC offset and a year from 2000 to 2100")
    return moment


def _check_lengths(fields: dict[str, str], path: str) -> None:
    for name, value in fields.items():
        if len(value) > LIMITS[name]:
            raise invalid(
                f"{path}.{_source(name, fields)}", "maxLength", f"is over {LIMITS[name]} characters"
            )


def _source(name: str, fields: dict[str, str]) -> str:
    """Which field of the document one of ours was read from (see `schedule_data.sides`)."""
    own = "zh" if fields.get("language", "").lower().startswith("zh") else "en"
    if name.startswith("title_"):
        return "title" if name.endswith(own) else "subtitle"
    if name.startswith("abstract_"):
        return "abstract" if name.endswith(own) else "description"
    return {"kind": "type"}.get(name, name)


def _text(value: Any) -> str:
    """A text as stored: null is empty; control characters that XML and PostgreSQL cannot hold
    are dropped (tabs and line breaks stay)."""
    if value is None:
        return ""
    return "".join(ch for ch in str(value) if ch >= " " or ch in "\t\n\r")
