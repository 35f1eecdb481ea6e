"""The programme as frab schedule XML (the c3voc `schedule.xml.xsd`), with no I/O.

Built with `xml.etree.ElementTree`, which escapes text and attributes; characters XML 1.0
cannot carry at all (most C0 controls) are dropped first. The XML carries less than the JSON
(no biographies, codes or roles of people): it is an export for apps and players, and the
JSON is the format that round-trips.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from forums.schedule_data import (
    Event,
    Programme,
    ScheduleMeta,
    days_of,
    event_slug,
    event_url,
    hours_minutes,
    legacy_ids,
    local,
    room_guid,
    titles,
    tracks_of,
    version_of,
)

# What XML 1.0 cannot hold even escaped: C0 controls but tab and line breaks, lone surrogates,
# U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def export(programme: Programme) -> bytes:
    """The programme as a frab schedule.xml document (UTF-8, with its declaration)."""
    meta = programme.meta
    ids = legacy_ids(e.guid for e in programme.events)
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name="shubo-live")
    _text(root, "url", f"{meta.base_url}/api/programme/schedule.xml")
    _text(root, "version", version_of(programme))
    days = days_of(programme)
    first, last = days[0].date, days[-1].date
    conference = ET.SubElement(root, "conference")
    _text(conference, "acronym", meta.acronym)
    _text(conference, "title", meta.title)
    _text(conference, "start", first.isoformat())
    _text(conference, "end", last.isoformat())
    _text(conference, "days", str(len(days)))
    _text(conference, "timeslot_duration", hours_minutes(meta.timeslot))
    _text(conference, "base_url", f"{meta.base_url}/")
    _text(conference, "time_zone_name", meta.time_zone)
    for track in tracks_of(programme):
        ET.SubElement(conference, "track", name=_clean(track))
    for day in days:
        day_element = ET.SubElement(
            root,
            "day",
            index=str(day.index),
            date=day.date.isoformat(),
            start=day.starts_at.isoformat(),
            end=day.ends_at.isoformat(),
        )
        for room in programme.rooms:
            room_element = ET.SubElement(
                day_element, "room", name=_clean(room.name), guid=room_guid(meta, room)
            )
            for event in day.events:
                if event.room == room:
                    _event(room_element, meta, event, ids[event.guid])
    ET.indent(root)
    # typeshed types `tostring` as Any for any encoding but "unicode"; "utf-8" gives bytes.
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _event(parent: ET.Element, meta: ScheduleMeta, event: Event, event_id: int) -> None:
    title, subtitle, abstract, description = titles(event)
    starts = local(meta, event.starts_at)
    element = ET.SubElement(parent, "event", id=str(event_id), guid=event.guid)
    _text(element, "date", starts.isoformat())
    _text(element, "start", starts.strftime("%H:%M"))
    _text(element, "duration", hours_minutes(event.ends_at - event.starts_at))
    _text(element, "room", event.room.name)
    _text(element, "slug", event_slug(meta, event, event_id))
    _text(element, "url", event_url(meta, event))
    _text(element, "title", title)
    _text(element, "subtitle", subtitle)
    _text(element, "track", event.track)
    _text(element, "type", event.kind)
    _text(element, "language", event.language)
    _text(element, "abstract", abstract)
    _text(element, "description", description)
    recording = ET.SubElement(element, "recording")
    _text(recording, "license", "")
    _text(recording, "optout", "true" if event.do_not_record else "false")
    persons = ET.SubElement(element, "persons")
    for person in event.people:
        _text(persons, "person", person.name)
    ET.SubElement(element, "links")
    ET.SubElement(element, "attachments")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _clean(text)
    return element


def _clean(text: str) -> str:
    return NOT_XML.sub("", text)
