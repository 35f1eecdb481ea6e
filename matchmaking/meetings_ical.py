"""My meetings as iCalendar (RFC 5545), with no I/O: one event per confirmed meeting, its UID
stable (the meeting's id) and its SEQUENCE the meeting's version, so a calendar app moves the
event in place when the meeting is rescheduled; times in UTC; a link to the meeting room.

`calendar_entries` turns the meetings and people the store read once (meetings_store.
confirmed_meetings) into entries; `meetings_calendar` writes them out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event

from matchmaking.meeting_views import People
from matchmaking.models import Meeting

PRODID = "-//Shubo Live//My meetings//EN"


@dataclass(frozen=True, slots=True)
class MeetingEntry:
    meeting_id: int
    version: int
    starts_at: datetime
    ends_at: datetime
    updated_at: datetime
    with_name: str  # the other person
    with_organisation: str
    note: str
    room_url: str
    host: str = ""  # the exhibitor whose table it is, in the account's language


def calendar_language(language: str | None) -> str:
    """zh or en, from the account's language (zh when unknown: the expo's first language)."""
    return "zh" if language is None or language.lower().startswith("zh") else "en"


def calendar_domain(base: str) -> str:
    """The host of the public address, for the events' UIDs."""
    return base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "shubo.live"


def calendar_entries(
    meetings: Sequence[Meeting], people: People, viewer: int, *, lang: str, base: str
) -> list[MeetingEntry]:
    """One entry per meeting whose slot is known, from rows already read (no I/O)."""
    entries = []
    for meeting in meetings:
        slot = people.slots.get(meeting.slot_id)
        if slot is None or meeting.id is None:
            continue
        other = people.person(
            meeting.recipient_id if viewer == meeting.requester_id else meeting.requester_id
        )
        host = people.exhibitors.get(meeting.exhibitor_id or 0) or {}
        names = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
        entries.append(
            MeetingEntry(
                meeting_id=meeting.id,
                version=meeting.version,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                updated_at=meeting.updated_at,
                with_name=other["name"],
                with_organisation=other["organisation"],
                note="",
                room_url=f"{base}/#/meeting/{meeting.id}",
                host=host.get(names[0]) or host.get(names[1], ""),
            )
        )
    return entries


def meetings_calendar(
    entries: Sequence[MeetingEntry], *, lang: str, stamp: datetime, domain: str
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add(
        "x-wr-calname", "我的洽谈 · Shubo Live" if lang == "zh" else "My meetings · Shubo Live"
    )
    for entry in entries:
        calendar.add_component(_event(entry, lang=lang, stamp=stamp, domain=domain))
    ical: bytes = calendar.to_ical()
    return ical


def _event(entry: MeetingEntry, *, lang: str, stamp: datetime, domain: str) -> Event:
    zh = lang == "zh"
    who = entry.with_name + (f" ({entry.with_organisation})" if entry.with_organisation else "")
    event = Event()
    event.add("uid", f"meeting-{entry.meeting_id}@{domain}")
    event.add("sequence", entry.version)
    event.add("dtstamp", stamp)
    event.add("last-modified", entry.updated_at)
    event.add("dtstart", entry.starts_at)
    event.add("dtend", entry.ends_at)
    event.add("summary", (f"洽谈：{who}" if zh else f"Meeting: {who}"))
    event.add("location", entry.host or ("线上洽谈室" if zh else "Online meeting room"))
    event.add("url", entry.room_url)
    lines = [entry.note] if entry.note else []
    lines.append(("洽谈室：" if zh else "Meeting room: ") + entry.room_url)
    event.add("description", "\n\n".join(lines))
    return event
