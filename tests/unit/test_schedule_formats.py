"""Schedule interchange, sans I/O: the exports validate against the public c3voc schemas
(read from ../shared/schemas/c3voc-schedule/), the JSON reads back into the same programme,
and the import's rules (rooms, people, collisions) hold."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from lxml import etree

from expo.errors import BadRequest
from forums import schedule_frab, schedule_ical, schedule_json
from forums.domain import Slot
from forums.models import Forum, SessionPerson
from forums.schedule_data import (
    Event,
    Person,
    Programme,
    Room,
    ScheduleMeta,
    days_of,
    legacy_ids,
    programme_of,
    sort_events,
    titles,
)
from forums.schedule_import import (
    import_conflicts,
    match_room,
    new_forum,
    people_rows,
    refused_slots,
    rooms_used,
)
from tests.schedules import comparable, events_of, json_errors, load, shared, xml_errors

META = ScheduleMeta(base_url="https://live.example.org")
STAGE = Room("Main Stage", "main-stage", "开幕式 · 主会场", "Main Stage", "stage", 1)
SECURITY = Room("Data Security", "data-security", "“数据安全”论坛", "Data Security", "forum", 4)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time on the expo's days, given in Beijing time, kept in UTC as our rows are."""
    return datetime(2026, 5, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def sample() -> Programme:
    events = [
        Event(
            guid="0b7c1f3e-5d1a-4a63-9d35-1f0c2b6a9e01",
            room=STAGE,
            starts_at=at(26, 9),
            ends_at=at(26, 10, 30),
            title_zh="数博会开幕式",
            title_en="Opening ceremony",
            abstract_zh="开幕致辞。\n\n第二段：<b>不是 HTML</b> & “引号”",
            abstract_en="Opening words & <tags> that are text.",
            language="zh",
            kind="ceremony",
            people=(
                Person("王晓 Wang Xiao", "speaker", "W4NGX1", "数据科学家。"),
                Person("陈静 Chen Jing", "moderator"),
            ),
        ),
        Event(
            guid="0b7c1f3e-5d1a-4a63-9d35-1f0c2b6a9e02",
            room=SECURITY,
            starts_at=at(26, 14),
            ends_at=at(26, 14, 45),
            title_zh="零信任架构",
            title_en="Zero trust, in practice",
            abstract_en="How it works.",
            language="en",
            track="Data Security",
            kind="talk",
            do_not_record=True,
            people=(Person("Anna Schmidt", code="ANNA01", biography="Security researcher."),),
        ),
        Event(  # starts at local midnight: on the second day
            guid="0b7c1f3e-5d1a-4a63-9d35-1f0c2b6a9e03",
            room=SECURITY,
            starts_at=at(27, 0),
            ends_at=at(27, 1),
            title_zh="夜谈",
            title_en="",  # one language only
            language="zh",
        ),
    ]
    return Programme(META, (STAGE, SECURITY), sort_events(events), date(2026, 5, 26))


def with_rooms_of(parsed: Programme, original: Programme) -> Programme:
    """`parsed` with the original rooms (a document carries no forum ids)."""
    rooms = {r.slug: r for r in original.rooms}
    return replace(
        parsed,
        rooms=tuple(rooms[r.slug] for r in parsed.rooms),
        events=tuple(replace(e, room=rooms[e.room.slug]) for e in parsed.events),
    )


# --- the schemas -------------------------------------------------------------------------------


def test_the_servers_copy_of_the_schema_is_the_public_one():
    assert schedule_json.SCHEMA_PATH.read_bytes() == shared("schema.json").read_bytes()


def test_the_json_export_validates_against_the_c3voc_schema():
    document = schedule_json.export(sample())
    assert json_errors(document) == []
    assert json_errors(json.loads(schedule_json.dumps(document))) == []


def test_the_xml_export_validates_against_the_frab_xsd():
    assert xml_errors(schedule_frab.export(sample())) == []


def test_an_empty_programme_exports_valid_documents():
    empty = Programme(META, (STAGE, SECURITY), (), date(2026, 5, 26))
    document = schedule_json.export(empty)
    assert json_errors(document) == []
    conference = document["schedule"]["conference"]
    assert (conference["start"], conference["end"], conference["daysCount"]) == (
        "2026-05-26",
        "2026-05-26",
        1,
    )
    assert conference["days"][0]["rooms"] == {"Main Stage": [], "Data Security": []}
    assert xml_errors(schedule_frab.export(empty)) == []  # frab XML needs a day: `today`
    assert (
        list(Calendar.from_ical(schedule_ical.export(empty, stamp=at(1, 0))).walk("VEVENT")) == []
    )


def test_the_pretalx_example_is_valid_and_the_invalid_one_is_not():
    assert json_errors(load("pretalx-democon.json")) == []
    assert json_errors(load("invalid-example.json")) != []


# --- the JSON export, field by field -----------------------------------------------------------


def test_a_session_leads_with_the_language_it_is_held_in():
    opening, zero_trust, night = events_of(schedule_json.export(sample()))
    assert (opening["title"], opening["subtitle"], opening["language"]) == (
        "数博会开幕式",
        "Opening ceremony",
        "zh",
    )
    assert opening["abstract"].startswith("开幕致辞") and opening["description"].startswith("Open")
    assert (zero_trust["title"], zero_trust["subtitle"], zero_trust["language"]) == (
        "Zero trust, in practice",
        "零信任架构",
        "en",
    )
    assert (zero_trust["abstract"], zero_trust["description"]) == ("How it works.", "")
    assert (night["title"], night["subtitle"]) == ("夜谈", "")


def test_times_are_local_to_the_expo_with_their_offset():
    document = schedule_json.export(sample())
    conference = document["schedule"]["conference"]
    assert conference["time_zone_name"] == "Asia/Shanghai"
    opening, zero_trust, night = events_of(document)
    assert (opening["date"], opening["start"], opening["duration"]) == (
        "2026-05-26T09:00:00+08:00",
        "09:00",
        "01:30",
    )
    assert opening["end"] == "2026-05-26T10:30:00+08:00"
    assert (night["date"], night["start"]) == ("2026-05-27T00:00:00+08:00", "00:00")
    days = conference["days"]
    assert [(d["index"], d["date"], d["day_start"], d["day_end"]) for d in days] == [
        (1, "2026-05-26", "2026-05-26T00:00:00+08:00", "2026-05-26T23:59:59+08:00"),
        (2, "2026-05-27", "2026-05-27T00:00:00+08:00", "2026-05-27T23:59:59+08:00"),
    ]
    assert [list(d["rooms"]) for d in days] == [["Main Stage", "Data Security"]] * 2
    assert [e["guid"][-2:] for e in days[1]["rooms"]["Data Security"]] == ["03"]
    assert conference["daysCount"] == 2


def test_people_keep_their_role_code_and_biography():
    opening = events_of(schedule_json.export(sample()))[0]
    assert opening["persons"] == [
        {
            "name": "王晓 Wang Xiao",
            "public_name": "王晓 Wang Xiao",
            "code": "W4NGX1",
            "biography": "数据科学家。",
            "role": "speaker",
        },
        {
            "name": "陈静 Chen Jing",
            "public_name": "陈静 Chen Jing",
            "biography": "",
            "role": "moderator",
        },
    ]


def test_ids_and_slugs_are_stable_and_distinct():
    guids = [e.guid for e in sample().events]
    ids = legacy_ids(guids)
    assert ids == legacy_ids(reversed(guids))
    assert len(set(ids.values())) == 3 and all(0 < i < 2**31 for i in ids.values())
    zero_trust = events_of(schedule_json.export(sample()))[1]
    assert zero_trust["id"] == ids[zero_trust["guid"]]
    assert zero_trust["slug"] == f"shubo2026-{zero_trust['id']}-zero-trust-in-practice"
    night = events_of(schedule_json.export(sample()))[2]
    assert night["slug"].endswith("-session")  # no English title to make words of


def test_the_version_follows_the_content():
    programme = sample()
    version = schedule_json.export(programme)["schedule"]["version"]
    assert schedule_json.export(programme)["schedule"]["version"] == version
    moved = replace(programme, events=(replace(programme.events[0], title_en="Opening"),))
    assert schedule_json.export(moved)["schedule"]["version"] != version


# --- the round trip ----------------------------------------------------------------------------


def test_parsing_an_export_gives_the_programme_back():
    programme = sample()
    document = json.loads(schedule_json.dumps(schedule_json.export(programme)))
    parsed = schedule_json.parse(document)
    # Times compare as instants; a document's rooms carry no forum ids.
    assert with_rooms_of(parsed, programme).events == programme.events
    assert [replace(r, forum_id=None) for r in programme.rooms] == list(parsed.rooms)
    again = schedule_json.export(with_rooms_of(replace(parsed, meta=META), programme))
    assert schedule_json.dumps(again) == schedule_json.dumps(schedule_json.export(programme))


def test_every_field_of_a_session_survives_either_language():
    for language in ("zh", "en"):
        event = replace(sample().events[0], language=language, track="T", do_not_record=True)
        programme = replace(sample(), events=(event,))
        parsed = schedule_json.parse(schedule_json.export(programme))
        assert with_rooms_of(parsed, programme).events == (event,)


# --- the import refuses what it cannot take ---------------------------------------------------


def refusal(document: Any) -> dict[str, Any]:
    with pytest.raises(BadRequest) as caught:
        schedule_json.parse(document)
    assert caught.value.code == "schedule.invalid"
    return caught.value.as_dict()


def test_the_invalid_example_is_refused_with_the_path_of_a_problem():
    error = refusal(load("invalid-example.json"))
    # Its most telling problem: the rooms listed beside the conference instead of in it.
    assert error == {
        "code": "schedule.invalid",
        "message": "$.schedule.rooms: is not allowed here",
        "details": [
            {"field": "$.schedule.rooms", "reason": "false", "message": "is not allowed here"}
        ],
    }
    fixed = load("invalid-example.json")
    del fixed["schedule"]["rooms"]
    [detail] = refusal(fixed)["details"]
    assert detail == {
        "field": "$.schedule.conference.days[0].rooms.Winterchaos[0]",
        "reason": "additionalProperties",
        "message": "Additional properties are not allowed ('answers' was unexpected)",
    }


def test_a_document_that_is_not_a_schedule_is_refused():
    assert refusal({"nope": 1})["details"][0]["field"] == "$"
    assert refusal([])["details"][0]["reason"] == "type"


def document_with(change: Any) -> dict[str, Any]:
    document = json.loads(schedule_json.dumps(schedule_json.export(sample())))
    change(events_of(document)[1])
    return document


EVENT = "$.schedule.conference.days[0].rooms['Data Security'][0]"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e.update(date="2026-05-26T14:00:00"), f"{EVENT}.date"),  # no offset
        (lambda e: e.update(date="tomorrow"), f"{EVENT}.date"),
        (lambda e: e.update(end=e["date"]), f"{EVENT}.end"),
        (lambda e: e.pop("end") and e.update(duration="25:00"), f"{EVENT}.duration"),
        (lambda e: e.update(title="x" * 301), f"{EVENT}.title"),  # held in English: title_en
        (lambda e: e.update(subtitle="字" * 201), f"{EVENT}.subtitle"),
        (lambda e: e.update(type="k" * 41), f"{EVENT}.type"),
        (lambda e: e["persons"][0].update(name=" "), f"{EVENT}.persons[0].name"),
        (lambda e: e["persons"][0].update(code="C" * 41), f"{EVENT}.persons[0].code"),
        (lambda e: e.update(id="2814"), f"{EVENT}.id"),
        (lambda e: e.update(guid="not-a-uuid"), f"{EVENT}.guid"),
        (lambda e: e.update(title=" ", subtitle=None), f"{EVENT}.title"),
    ],
)
def test_a_bad_event_is_refused_at_its_path(change, field):
    assert refusal(document_with(change))["details"][0]["field"] == field


def test_a_guid_twice_is_refused():
    document = json.loads(schedule_json.dumps(schedule_json.export(sample())))
    day = document["schedule"]["conference"]["days"][0]["rooms"]
    day["Main Stage"].append(dict(day["Data Security"][0]))
    [detail] = refusal(document)["details"]
    assert detail == {
        "field": f"{EVENT}.guid",  # the second time it is read
        "reason": "unique",
        "message": "repeats the guid of $.schedule.conference.days[0].rooms['Main Stage'][1]",
    }


# --- the pretalx demo ----------------------------------------------------------------------------


def test_the_pretalx_demo_reads_and_exports_as_itself():
    source = load("pretalx-democon.json")
    parsed = schedule_json.parse(source)
    assert len(parsed.events) == 36
    assert [r.name for r in rooms_used(parsed)] == ["Gray Room", "Tan Room"]
    exported = schedule_json.export(replace(parsed, meta=META))
    assert json_errors(exported) == []
    assert xml_errors(schedule_frab.export(replace(parsed, meta=META))) == []
    assert comparable(events_of(exported)) == comparable(events_of(source))


# --- frab XML and iCalendar --------------------------------------------------------------------


def test_the_xml_escapes_text_and_drops_what_xml_cannot_hold():
    tricky = replace(sample().events[0], title_zh="<b>&amp;</b> \"引号\" 'x'\x0b\x00 end")
    body = schedule_frab.export(replace(sample(), events=(tricky,)))
    assert xml_errors(body) == []
    event = etree.fromstring(body).find("day/room/event")
    assert event is not None
    assert event.findtext("title") == "<b>&amp;</b> \"引号\" 'x' end"
    assert event.findtext("subtitle") == "Opening ceremony"
    assert [p.text for p in event.iterfind("persons/person")] == [
        "王晓 Wang Xiao",
        "陈静 Chen Jing",
    ]
    assert event.findtext("recording/optout") == "false"


def test_the_calendar_has_every_session_in_local_time():
    body = schedule_ical.export(sample(), stamp=datetime(2026, 5, 1, tzinfo=UTC))
    calendar = Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [e.guid for e in sample().events]
    opening = events[0]
    assert opening.decoded("DTSTART") == at(26, 9)
    assert str(opening.decoded("DTSTART").tzinfo) == "Asia/Shanghai"
    assert str(opening["SUMMARY"]) == "数博会开幕式"
    assert "主持：陈静 Chen Jing" in str(opening["DESCRIPTION"])
    assert [str(c["TZID"]) for c in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    english = Calendar.from_ical(schedule_ical.export(sample(), stamp=at(1, 0), lang="en"))
    summaries = [str(e["SUMMARY"]) for e in english.walk("VEVENT")]
    assert summaries == ["Opening ceremony", "Zero trust, in practice", "夜谈"]  # else the other


# --- the import's rules ------------------------------------------------------------------------


def forum(id: int, slug: str, zh: str, en: str, position: int = 0) -> Forum:
    return Forum(id=id, slug=slug, title_zh=zh, title_en=en, position=position)


def test_rooms_match_by_slug_then_by_name():
    forums = [forum(1, "main-stage", "主会场", "Main"), forum(4, "data-security", "数据安全", "DS")]
    assert match_room(Room("Whatever", slug="data-security"), forums) is forums[1]
    assert match_room(Room("Main"), forums) is forums[0]
    assert match_room(Room("主会场"), forums) is forums[0]
    assert match_room(Room("main-stage"), forums) is forums[0]
    assert match_room(Room("Gray Room"), forums) is None


def test_a_missing_room_becomes_a_forum_with_a_free_slug():
    forums = [forum(1, "gray-room", "灰", "Gray", position=8)]
    made = new_forum(Room("Gray Room"), forums)
    assert (made.slug, made.title_zh, made.title_en, made.position) == (
        "gray-room-2",
        "Gray Room",
        "Gray Room",
        9,
    )
    translated = new_forum(Room("会议室", slug="hall-b", title_zh="会议室", title_en="Hall B"), [])
    assert (translated.slug, translated.title_en, translated.position) == ("hall-b", "Hall B", 0)
    assert new_forum(Room("会议室"), []).slug == "room"


def test_no_new_room_takes_the_name_of_a_rooms_backup_stream():
    # `<slug>-backup` is where a room's backup publisher's HLS goes (streams/).
    forums = [forum(1, "gray-room", "灰", "Gray", position=8)]
    assert new_forum(Room("Gray Room Backup"), forums).slug == "gray-room-room"
    assert new_forum(Room("x", slug="hall-b-backup"), []).slug == "hall-b-room"


def test_people_already_on_a_session_keep_their_accounts():
    stored = [
        SessionPerson(session_id=1, role="speaker", account_id=7, name="王晓", code=""),
        SessionPerson(session_id=1, role="moderator", account_id=8, name="陈静"),
        SessionPerson(session_id=1, role="speaker", account_id=9, name="Old", code="ANNA01"),
    ]
    people = [
        Person("王晓"),
        Person("Anna Schmidt", code="ANNA01"),  # renamed in pretalx, same code
        Person("陈静"),  # now a speaker: a different role, so not the moderator's account
        Person("New"),
    ]
    rows = people_rows(people, stored)
    assert [(r.name, r.role, r.account_id, r.position) for r in rows] == [
        ("王晓", "speaker", 7, 0),
        ("Anna Schmidt", "speaker", 9, 1),
        ("陈静", "speaker", None, 2),
        ("New", "speaker", None, 3),
    ]


def slot(session_id: int, forum_id: int, start: int, end: int, *people: int) -> Slot:
    return Slot(session_id, forum_id, at(26, start), at(26, end), frozenset(people))


def test_collisions_within_the_document_are_reported_once():
    incoming = [slot(-1, 2, 9, 11), slot(-2, 2, 10, 12), slot(-3, 3, 10, 12)]
    found = import_conflicts(incoming, [])
    assert [(i, c.reason, c.other_session_id) for i, c in found] == [
        (-1, "schedule.room_taken", -2)
    ]


def test_collisions_with_the_stored_programme_count_people_by_account():
    stored = [slot(5, 3, 9, 10, 7), slot(6, 4, 13, 14)]
    incoming = [slot(-1, 2, 9, 10, 7), slot(-2, 4, 12, 13)]  # 7 is busy; back to back is fine
    found = import_conflicts(incoming, stored)
    assert [(i, c.reason, c.other_session_id, c.person_id) for i, c in found] == [
        (-1, "schedule.person_busy", 5, 7)
    ]


def test_a_session_moved_by_the_import_leaves_its_old_time_free():
    stored = [slot(5, 2, 9, 10), slot(6, 2, 10, 11)]
    # 5 moves to 10-11 and 6 to 9-10: a swap, which collides only with the old programme.
    assert import_conflicts([slot(5, 2, 10, 11), slot(6, 2, 9, 10)], stored) == []
    # A long stored session is still found by a later one that starts within it.
    assert import_conflicts([slot(-1, 2, 15, 16)], [slot(9, 2, 0, 18)]) != []


def test_days_run_from_the_first_session_to_the_last_with_gaps_kept():
    programme = sample()
    far = replace(programme.events[1], guid="0b7c1f3e-5d1a-4a63-9d35-1f0c2b6a9e09")
    far = replace(
        far, starts_at=far.starts_at + timedelta(days=3), ends_at=far.ends_at + timedelta(days=3)
    )
    days = days_of(replace(programme, events=sort_events([*programme.events, far])))
    assert [(d.index, d.date.day, len(d.events)) for d in days] == [
        (1, 26, 2),
        (2, 27, 1),
        (3, 28, 0),
        (4, 29, 1),
    ]


def test_rooms_of_the_same_name_are_told_apart_by_slug():
    forums = [forum(1, "hall-a", "会场", "Hall"), forum(2, "hall-b", "会场", "Hall", position=1)]
    programme = programme_of(META, forums, [], {}, date(2026, 5, 26))
    assert [r.name for r in programme.rooms] == ["Hall (hall-a)", "Hall (hall-b)"]
    assert json_errors(schedule_json.export(programme)) == []


def test_titles_pick_the_sides_by_language():
    event = sample().events[1]
    assert titles(event) == ("Zero trust, in practice", "零信任架构", "How it works.", "")
    assert titles(replace(event, language="zh-Hans"))[0] == "零信任架构"
    assert titles(replace(event, language="de"))[0] == "Zero trust, in practice"


def test_a_partial_import_refuses_only_the_sessions_that_collide():
    stored = [slot(5, 3, 9, 10, 7), slot(6, 4, 13, 14)]
    incoming = [slot(-1, 2, 9, 10, 7), slot(-2, 4, 12, 13), slot(-3, 2, 9, 10)]
    refused = refused_slots(incoming, stored)
    assert {i: [(c.reason, c.other_session_id) for c in cs] for i, cs in refused.items()} == {
        -1: [("schedule.person_busy", 5)],  # 7 is busy in room 3
    }  # -3 takes room 2 at 9, which the refused -1 leaves free


def test_of_two_new_sessions_that_collide_the_first_goes_in():
    refused = refused_slots([slot(-1, 2, 9, 11), slot(-2, 2, 10, 12)], [])
    assert list(refused) == [-2]


def test_a_refused_move_keeps_its_old_time_and_refuses_what_would_take_it():
    stored = [slot(5, 2, 9, 10, 7), slot(6, 2, 10, 11), slot(8, 3, 10, 11, 7)]
    # 5 would move to 10-11 (7 is busy there in room 3): refused, so 6 cannot take 9-10.
    refused = refused_slots([slot(5, 2, 10, 11, 7), slot(6, 2, 9, 10)], stored)
    assert sorted(refused) == [5, 6]
    assert [c.reason for c in refused[6]] == ["schedule.room_taken"]
