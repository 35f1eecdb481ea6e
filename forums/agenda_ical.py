"""A personal agenda as iCalendar (RFC 5545), with no I/O: one event per starred session, its
UID the session's guid (stable across edits, so calendar apps update an event in place), times
in UTC, the title in the account's language, and a link to the room."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event

from forums.models import ForumSession

PRODID = "-//Shubo Live//Personal agenda//EN"


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    session: ForumSession
    room_title: str  # in the account's language
    room_url: str
    people: Sequence[str] = ()


def agenda_calendar(entries: Sequence[AgendaEntry], *, lang: str, stamp: datetime) -> bytes:
    """The calendar of `entries`, titles and descriptions in `lang` ("zh" or "en")."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add(
        "x-wr-calname", "我的议程 · Shubo Live" if lang == "zh" else "My agenda · Shubo Live"
    )
    for entry in entries:
        calendar.add_component(_event(entry, lang=lang, stamp=stamp))
    ical: bytes = calendar.to_ical()  # icalendar leaves `to_ical` unannotated
    return ical


def _event(entry: AgendaEntry, *, lang: str, stamp: datetime) -> Event:
    session = entry.session
    title, abstract = (
        _in(lang, session.title_zh, session.title_en),
        _in(lang, session.abstract_zh, session.abstract_en),
    )
    event = Event()
    event.add("uid", session.guid)
    event.add("dtstamp", stamp)
    event.add("last-modified", session.updated_at)
    event.add("dtstart", session.starts_at)  # aware UTC datetimes come out as ...Z
    event.add("dtend", session.ends_at)
    event.add("summary", title)
    event.add("location", entry.room_title)
    event.add("url", entry.room_url)
    lines = []
    if entry.people:
        label = "嘉宾：" if lang == "zh" else "Speakers: "
        lines.append(label + ("、" if lang == "zh" else ", ").join(entry.people))
    if abstract:
        lines.append(abstract)
    lines.append(entry.room_url)
    event.add("description", "\n\n".join(lines))
    if session.track:
        event.add("categories", [session.track])
    return event


def _in(lang: str, zh: str, en: str) -> str:
    """The text in `lang`, else in the other language."""
    return (zh or en) if lang == "zh" else (en or zh)
