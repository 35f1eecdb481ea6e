"""Which recordings become replays, and their chapters (streams/replay_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.keys import Which
from streams.replay_rules import (
    RecordingError,
    Session,
    chapters,
    held_back,
    media_name,
    recording_of,
    worth_keeping,
)

T0 = datetime(2026, 5, 26, 9, 0, tzinfo=UTC)
STAMP = int(T0.timestamp())


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def session(id: int, start: float, end: float, dnr: bool = False) -> Session:
    return Session(id, T0 + minutes(start), T0 + minutes(end), f"会议{id}", f"Talk {id}", dnr)


def test_a_recording_names_its_room_publisher_and_start():
    main = recording_of(f"/srv/rtmp/recordings/ai-forum-{STAMP}.flv", "ai-forum")
    assert (main.slug, main.which, main.started_at) == ("ai-forum", Which.MAIN, T0)
    backup = recording_of(f"/srv/rtmp/recordings/ai-forum-backup-{STAMP}.flv", "ai-forum-backup")
    assert (backup.slug, backup.which) == ("ai-forum", Which.BACKUP)


@pytest.mark.parametrize(
    "path, name",
    [
        (f"recordings/main-{STAMP}.flv", "main"),  # relative
        (f"/srv/../etc/main-{STAMP}.flv", "main"),  # climbs out
        (f"/srv/rec/other-{STAMP}.flv", "main"),  # another stream's file
        (f"/srv/rec/main-{STAMP}.mp4", "main"),  # not what nginx writes
        ("/srv/rec/main.flv", "main"),  # no start
        ("/etc/passwd", "main"),
        (f"/srv/rec/Main-{STAMP}.flv", "Main"),  # slugs are lower case
        ("", "main"),
    ],
)
def test_anything_but_a_recording_of_ours_is_refused(path, name):
    with pytest.raises(RecordingError):
        recording_of(path, name)


def test_main_is_always_kept_the_backup_only_when_it_went_on_air():
    start, end = T0, T0 + minutes(30)
    assert worth_keeping(Which.MAIN, start, end, None)
    assert not worth_keeping(Which.BACKUP, start, end, None)  # stood by only
    assert worth_keeping(Which.BACKUP, start, end, T0 + minutes(12))
    assert not worth_keeping(Which.BACKUP, start, end, T0 - minutes(5))  # an earlier stint
    assert not worth_keeping(Which.BACKUP, start, end, end + minutes(1))


def test_chapters_are_the_sessions_covered_at_their_offsets():
    sessions = [session(3, 50, 90), session(1, -10, 20), session(2, 20, 50), session(4, 95, 120)]
    got = chapters(sessions, T0, T0 + minutes(60))
    assert [(c.session, c.at, c.length) for c in got] == [
        (1, 0.0, 20 * 60.0),  # began before the recording: from its start
        (2, 20 * 60.0, 30 * 60.0),
        (3, 50 * 60.0, 10 * 60.0),  # cut by the recording's end
    ]
    assert got[0].title_zh == "会议1" and got[0].title_en == "Talk 1"


def test_a_session_barely_touched_is_no_chapter():
    got = chapters(
        [session(1, 0, 30), session(2, 30, 60)], T0, T0 + minutes(30) + timedelta(seconds=10)
    )
    assert [c.session for c in got] == [1]
    assert chapters([], T0, T0 + minutes(10)) == []


def test_do_not_record_sessions_hold_the_replay_back():
    sessions = [session(1, 0, 20), session(2, 20, 40, dnr=True)]
    assert held_back(sessions, T0, T0 + minutes(25))
    assert not held_back(sessions, T0, T0 + minutes(20))  # ended as the session began
    assert not held_back(sessions, T0 + minutes(40), T0 + minutes(60))


def test_media_names_are_readable_and_unguessable():
    assert media_name("main", T0, "a1b2c3") == "main-20260526-090000-a1b2c3.mp4"


def test_a_short_recording_has_the_sessions_it_mostly_holds():
    got = chapters([session(1, -60, 0.1), session(2, 0.1, 60)], T0, T0 + minutes(0.2))
    assert [(c.session, c.at) for c in got] == [(1, 0.0), (2, 6.0)]
    got = chapters([session(1, -60, 0.02), session(2, 0.02, 60)], T0, T0 + minutes(0.2))
    assert [c.session for c in got] == [2]  # 1.2 s of 12: under a quarter
