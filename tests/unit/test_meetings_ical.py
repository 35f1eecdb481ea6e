"""My meetings as iCalendar (matchmaking/meetings_ical.py), with no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from matchmaking.meetings_ical import MeetingEntry, meetings_calendar

START = datetime(2030, 6, 1, 2, 0, tzinfo=UTC)


def entry(**overrides: object) -> MeetingEntry:
    values: dict[str, object] = {
        "meeting_id": 7,
        "version": 3,
        "starts_at": START,
        "ends_at": START + timedelta(minutes=30),
        "updated_at": START - timedelta(days=1),
        "with_name": "刘洋 Liu Yang",
        "with_organisation": "黔算云",
        "note": "",
        "room_url": "https://expo.example/#/meeting/7",
        "host": "黔算云",
    }
    values.update(overrides)
    return MeetingEntry(**values)  # type: ignore[arg-type]


def test_one_event_per_meeting_stable_uid_and_sequence_in_utc():
    body = meetings_calendar([entry()], lang="zh", stamp=START, domain="expo.example")
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["uid"]) == "meeting-7@expo.example"
    assert int(event["sequence"]) == 3  # a rescheduled meeting replaces the event in place
    assert event.decoded("dtstart") == START
    assert b"DTSTART:20300601T020000Z" in body
    assert str(event["summary"]) == "洽谈：刘洋 Liu Yang (黔算云)"
    assert str(event["url"]) == "https://expo.example/#/meeting/7"


def test_english_titles_and_no_host_means_the_online_room():
    body = meetings_calendar([entry(host="")], lang="en", stamp=START, domain="expo.example")
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["summary"]).startswith("Meeting: ")
    assert str(event["location"]) == "Online meeting room"
    assert b"X-WR-CALNAME:My meetings" in body


def test_no_meetings_is_an_empty_calendar():
    body = meetings_calendar([], lang="en", stamp=START, domain="x")
    assert Calendar.from_ical(body).walk("VEVENT") == []
