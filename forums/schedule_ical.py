"""The whole programme as iCalendar (RFC 5545), with no I/O.

One VEVENT per session: its UID is the session's guid (as in the personal agenda's calendar,
so an app that holds both sees one event), times are local to the expo with a VTIMEZONE for
Asia/Shanghai, the title is in the session's own language or in the one asked for, and the
description gives the other language's title, the abstract and who speaks. The icalendar
library does RFC 5545's escaping and line folding.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from icalendar import Calendar
from icalendar import Event as VEvent

from forums.models import PersonRole
from forums.schedule_data import Event, Programme, event_url, local, own_side, version_of

PRODID = "-//Shubo Live//Programme//EN"
Lang = Literal["zh", "en"]
LABELS = {
    "zh": {PersonRole.SPEAKER: "嘉宾：", PersonRole.MODERATOR: "主持：", "joiner": "、"},
    "en": {PersonRole.SPEAKER: "Speakers: ", PersonRole.MODERATOR: "Moderators: ", "joiner": ", "},
}


def export(programme: Programme, *, stamp: datetime, lang: Lang | None = None) -> bytes:
    """The programme as a calendar. `stamp` is when it is made (DTSTAMP); `lang` picks the
    language of titles (None: each session's own)."""
    meta = programme.meta
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", meta.title)
    calendar.add("x-wr-timezone", meta.time_zone)
    calendar.add("x-published-ttl", "PT1H")  # a hint to subscribing apps: look again hourly
    calendar.add("x-shubo-version", version_of(programme))
    for event in programme.events:
        calendar.add_component(_vevent(programme, event, stamp=stamp, lang=lang))
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()  # icalendar leaves `to_ical` unannotated
    return ical


def _vevent(programme: Programme, event: Event, *, stamp: datetime, lang: Lang | None) -> VEvent:
    meta = programme.meta
    side = lang or own_side(event.language)
    other = "en" if side == "zh" else "zh"
    title = {"zh": event.title_zh, "en": event.title_en}
    abstract = {"zh": event.abstract_zh, "en": event.abstract_en}
    vevent = VEvent()
    vevent.add("uid", event.guid)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", local(meta, event.starts_at))
    vevent.add("dtend", local(meta, event.ends_at))
    shown = title[side] or title[other]
    vevent.add("summary", shown, parameters={"LANGUAGE": side if title[side] else other})
    room = event.room
    vevent.add(
        "location",
        " · ".join(dict.fromkeys(t for t in (room.title_zh, room.title_en) if t)) or room.name,
    )
    vevent.add("url", event_url(meta, event))
    vevent.add("description", _description(event, side, shown, title, abstract))
    categories = [c for c in (event.kind, event.track) if c]
    if categories:
        vevent.add("categories", categories)
    vevent.add("class", "PUBLIC")
    vevent.add("status", "CONFIRMED")
    return vevent


def _description(
    event: Event, side: str, shown: str, title: dict[str, str], abstract: dict[str, str]
) -> str:
    """The other language's title, the people, then the abstracts (the shown side first)."""
    labels = LABELS[side]
    parts = [t for t in title.values() if t and t != shown][:1]
    for role in (PersonRole.SPEAKER, PersonRole.MODERATOR):
        names = [p.name for p in event.people if p.role == role]
        if names:
            parts.append(labels[role] + labels["joiner"].join(names))
    other = "en" if side == "zh" else "zh"
    parts += [a for a in (abstract[side], abstract[other]) if a]
    return "\n\n".join(parts)
