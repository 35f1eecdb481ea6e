"""The programme's rules without a server: a room's status, what a session may say, how a
refusal names the other session, when a reminder is due, and the agenda's iCalendar."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from expo.errors import BadRequest, Conflict
from forums.agenda_ical import AgendaEntry, agenda_calendar
from forums.domain import RoomStatus, ScheduleConflict, Span, room_status
from forums.models import ForumSession
from forums.programme_rules import (
    OtherSession,
    check_person_role,
    check_times,
    clean_line,
    clean_text,
    refusal,
    reminder_due,
)

T0 = datetime(2026, 5, 26, 1, 0, tzinfo=UTC)  # 09:00 in Guiyang


def span(start_minutes: int, minutes: int) -> Span:
    starts = T0 + timedelta(minutes=start_minutes)
    return Span(starts, starts + timedelta(minutes=minutes))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# --- room status -------------------------------------------------------------------------------


def test_a_room_is_live_while_a_session_runs():
    assert room_status([span(0, 60)], at(30)) is RoomStatus.LIVE


def test_a_session_is_live_from_its_first_minute_and_not_in_its_end_minute():
    day = [span(0, 60), span(120, 60)]
    assert room_status(day, at(0)) is RoomStatus.LIVE
    assert room_status(day, at(60)) is RoomStatus.BETWEEN


def test_a_room_is_starting_soon_within_fifteen_minutes_of_the_next_session():
    day = [span(0, 60), span(120, 60)]
    assert room_status(day, at(105)) is RoomStatus.STARTING_SOON
    assert room_status(day, at(104)) is RoomStatus.BETWEEN
    assert room_status(day, at(-15)) is RoomStatus.STARTING_SOON


def test_a_room_is_between_sessions_when_more_follow_today():
    assert room_status([span(0, 60), span(300, 30)], at(90)) is RoomStatus.BETWEEN


def test_a_room_has_ended_when_nothing_follows():
    assert room_status([span(0, 60)], at(60)) is RoomStatus.ENDED
    assert room_status([], at(0)) is RoomStatus.ENDED


def test_a_room_has_ended_for_the_day_when_the_next_session_is_tomorrow_in_guiyang():
    # 23:00 in Guiyang; the next session is at 09:00 the next morning there.
    late = datetime(2026, 5, 26, 15, 0, tzinfo=UTC)
    tomorrow = Span(late + timedelta(hours=10), late + timedelta(hours=11))
    assert room_status([tomorrow], late) is RoomStatus.ENDED
    # ... but a session later the same Guiyang day (past UTC midnight) is still "between".
    evening = datetime(2026, 5, 26, 10, 0, tzinfo=UTC)  # 18:00 in Guiyang
    night = Span(evening + timedelta(hours=4), evening + timedelta(hours=5))  # 22:00 there
    assert room_status([night], evening) is RoomStatus.BETWEEN


def test_room_status_takes_sessions_in_any_order():
    assert room_status([span(300, 30), span(0, 60)], at(290)) is RoomStatus.STARTING_SOON


# --- what a session may say --------------------------------------------------------------------


def test_one_line_texts_lose_controls_and_extra_spaces():
    assert clean_line("  主旨\u200b演讲\n  Keynote\t ", field="title") == "主旨 演讲 Keynote"


def test_an_empty_required_line_is_refused_naming_the_field():
    with pytest.raises(BadRequest) as refused:
        clean_line(" \u200b ", field="title")
    assert (refused.value.code, refused.value.details) == ("programme.empty", {"field": "title"})
    assert clean_line("  ", field="track", required=False) == ""


def test_abstracts_keep_their_lines():
    assert clean_text("第一段\r\n\r\n第二段\u0000  \n") == "第一段\n\n第二段"


def test_a_session_must_end_after_it_starts_and_last_at_most_a_day():
    check_times(at(0), at(1))
    check_times(at(0), at(24 * 60))
    for starts, ends in [(at(0), at(0)), (at(60), at(0)), (at(0), at(24 * 60 + 1))]:
        with pytest.raises(BadRequest) as refused:
            check_times(starts, ends)
        assert refused.value.code == "schedule.bad_times"


@pytest.mark.parametrize("role", ["speaker", "moderator", "organizer"])
def test_speakers_moderators_and_organisers_may_be_people_of_a_session(role):
    check_person_role(7, role)


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("attendee", "programme.not_a_speaker"),
        ("exhibitor", "programme.not_a_speaker"),
        (None, "programme.unknown_person"),
    ],
)
def test_other_accounts_cannot_be_people_of_a_session(role, code):
    with pytest.raises(BadRequest) as refused:
        check_person_role(7, role)
    assert (refused.value.code, refused.value.details) == (code, {"account_id": 7})


# --- refusals name the other session ---------------------------------------------------------

KEYNOTE = OtherSession(4, 2, "主旨演讲", "Keynote", at(60), at(120))


def test_a_taken_room_is_refused_naming_the_session_there():
    error = refusal([ScheduleConflict("schedule.room_taken", 4)], {4: KEYNOTE}, {})
    assert isinstance(error, Conflict)
    assert error.code == "schedule.room_taken"
    assert error.message == "The room is taken: “Keynote” (02:00–03:00 UTC) is on at that time."
    expected = {
        "reason": "schedule.room_taken",
        "session": {
            "id": 4,
            "forum_id": 2,
            "title": {"zh": "主旨演讲", "en": "Keynote"},
            "starts_at": "2026-05-26T02:00:00+00:00",
            "ends_at": "2026-05-26T03:00:00+00:00",
        },
        "person": None,
    }
    assert error.details == expected | {"conflicts": [expected]}


def test_a_busy_speaker_is_refused_naming_them_and_where_they_are():
    conflicts = [
        ScheduleConflict("schedule.person_busy", 4, person_id=3),
        ScheduleConflict("schedule.room_taken", 4),
    ]
    error = refusal(conflicts, {4: KEYNOTE}, {3: "王晓 Wang Xiao"})
    assert error.code == "schedule.person_busy"
    assert error.message == "王晓 Wang Xiao is in “Keynote” (02:00–03:00 UTC) at that time."
    assert error.details["person"] == {"account_id": 3, "name": "王晓 Wang Xiao"}
    assert [c["reason"] for c in error.details["conflicts"]] == [
        "schedule.person_busy",
        "schedule.room_taken",
    ]


def test_bad_times_are_a_bad_request():
    error = refusal([ScheduleConflict("schedule.bad_times", None)], {}, {})
    assert (type(error), error.code) == (BadRequest, "schedule.bad_times")


# --- reminders -----------------------------------------------------------------------------------


def test_a_reminder_is_due_from_the_start_until_ten_minutes_after():
    starts = at(0)
    assert not reminder_due(starts, at(-0.1))
    assert reminder_due(starts, at(0))
    assert reminder_due(starts, at(9.9))
    assert not reminder_due(starts, at(10))


# --- the agenda as iCalendar ---------------------------------------------------------------------


def agenda_session(**fields) -> ForumSession:
    values = {
        "id": 4,
        "forum_id": 2,
        "starts_at": at(60),
        "ends_at": at(120),
        "title_zh": "主旨演讲",
        "title_en": "Keynote",
        "abstract_zh": "算力网络；逗号, 分号",
        "abstract_en": "",
        "guid": "0b7f3c1e-8f53-4c55-9d43-5a1f4c2b8e11",
        "track": "East Data, West Computing",
        "updated_at": at(-600),
    }
    return ForumSession(**(values | fields))


def test_the_agenda_calendar_has_one_event_per_session_in_utc_in_the_accounts_language():
    entry = AgendaEntry(
        agenda_session(),
        room_title="“东数西算”论坛",
        room_url="https://expo.example/#/forum/east-data-west-computing",
        people=["王晓 Wang Xiao"],
    )
    languages = [("zh", "主旨演讲", "算力网络；逗号, 分号"), ("en", "Keynote", "")]
    for lang, title, abstract in languages:
        calendar = Calendar.from_ical(agenda_calendar([entry], lang=lang, stamp=at(0)))
        (event,) = calendar.walk("VEVENT")
        assert str(event["uid"]) == "0b7f3c1e-8f53-4c55-9d43-5a1f4c2b8e11"
        assert event.decoded("dtstart") == at(60)
        assert event.decoded("dtstart").tzinfo is not None
        assert event["dtstart"].to_ical() == b"20260526T020000Z"
        assert event["dtend"].to_ical() == b"20260526T030000Z"
        assert str(event["summary"]) == title
        assert str(event["url"]) == "https://expo.example/#/forum/east-data-west-computing"
        assert str(event["location"]) == "“东数西算”论坛"
        assert abstract in str(event["description"])
        assert "王晓 Wang Xiao" in str(event["description"])


def test_a_title_missing_in_one_language_falls_back_to_the_other():
    entry = AgendaEntry(agenda_session(title_en=""), room_title="r", room_url="u")
    calendar = Calendar.from_ical(agenda_calendar([entry], lang="en", stamp=at(0)))
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["主旨演讲"]


def test_an_empty_agenda_is_a_valid_calendar():
    calendar = Calendar.from_ical(agenda_calendar([], lang="zh", stamp=at(0)))
    assert (str(calendar["version"]), calendar.walk("VEVENT")) == ("2.0", [])
