"""The figures of one second (control/figures.py `compose`), from facts given by hand: a live
stage with nginx's figures and its rates summed over processes, an external room not judged
nor sampled, the hall as sections and the longest waits, silent processes, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from control.config import ControlConfig
from control.figures import Facts, Memory, compose
from control.reports import Report
from control.store import Booth, Room, Session
from matchmaking.control_figures import QueueFigure, QueueTotals
from streams.public import RoomAir, StreamStat

NOW = datetime(2026, 12, 6, 2, 10, tzinfo=UTC)
M = timedelta(minutes=1)
ROOMS = [
    Room(1, "main-stage", "stage", "主会场", "Main stage"),
    Room(2, "ai", "forum", "人工智能", "AI"),
]
SESSIONS = {
    1: [Session(10, 1, NOW - 10 * M, NOW + 20 * M, "开幕式", "Opening")],
    2: [Session(20, 2, NOW - 5 * M, NOW + 25 * M, "主旨演讲", "Keynote")],
}
LIVE = RoomAir(1, "main-stage", "live", NOW - 12 * M, None, "main", 4, external=False)
EXTERNAL = RoomAir(2, "ai", "live", NOW - 20 * M, None, "main", 2, external=True)
STAT = StreamStat("main-stage", 2480.5, 2350.0, 130.5, 25.0, 1280, 720, "H264", 420.0, True)


def facts(**changes: object) -> Facts:
    base = dict(
        now=NOW,
        mono=100.0,
        rooms=ROOMS,
        airs={1: LIVE, 2: EXTERNAL},
        sessions=SESSIONS,
        open_polls={2: 1},
        stat={"main-stage": STAT, "ai": STAT},
        viewers={1: 40, 2: 7},
        peaks={1: 52},
        reports=[
            Report("a:1:aa", 0.3, {"sockets": 30, "counts": {"chat": {"1": {"60": 12}}}}),
            Report("b:2:bb", 0.6, {"sockets": 17, "counts": {"chat": {"1": {"60": 5}},
                                                             "ban": {"2": {"600": 1}}}}),
            Report("c:3:cc", 9.0, {"sockets": 0, "counts": {}}),
        ],
        booths=[Booth(5, "甲", "A", "ai"), Booth(6, "乙", "B", "ai"), Booth(7, "丙", "C", "cloud")],
        visitors={5: 3, 7: 1},
        staff={5: 2},
        queues=QueueTotals(9, 2, [QueueFigure(7, 6, NOW - 12 * M, "open"),
                                  QueueFigure(5, 3, NOW - 2 * M, "paused")]),
        meetings_now=4,
        leader="a:1:aa",
    )  # fmt: skip
    base.update(changes)
    return Facts(**base)  # type: ignore[arg-type]


def test_a_live_stage_carries_nginx_figures_its_audience_rates_and_standing():
    data = compose(facts(), Memory(), ControlConfig())
    stage = data["stages"][0]
    assert stage | {"title": None, "session": None, "next": None} == {
        "forum": 1, "slug": "main-stage", "kind": "stage", "title": None, "state": "live",
        "since": (NOW - 12 * M).isoformat(), "interrupted_since": None, "publisher": "main",
        "external": False, "version": 4, "kbps": 2480, "fps": 25.0, "width": 1280,
        "height": 720, "viewers": 40, "peak": 52, "status": "on_time", "status_seconds": None,
        "session": None, "next": None, "chat_per_min": 17, "questions_per_min": 0,
        "reactions_per_min": 0, "deletions_per_min": 0, "sanctions_recent": 0, "open_polls": 0,
    }  # fmt: skip
    assert stage["session"]["title"] == {"zh": "开幕式", "en": "Opening"}


def test_an_external_room_is_neither_judged_nor_measured():
    memory = Memory()
    stage = compose(facts(), memory, ControlConfig())["stages"][1]
    assert (stage["status"], stage["kbps"], stage["external"]) == ("external", None, True)
    assert (stage["open_polls"], stage["sanctions_recent"]) == (1, 1)
    assert set(memory.samples) == {1}


def test_the_hall_is_sections_and_the_longest_waits_not_a_row_per_booth():
    hall = compose(facts(), Memory(), ControlConfig())["hall"]
    assert {k: v for k, v in hall.items() if k not in ("sections", "longest_queues")} == {
        "booths": 3, "staffed": 1, "staff_online": 2, "visitors": 4, "meetings_now": 4,
        "queue_people": 9, "queues": 2,
    }  # fmt: skip
    assert [
        (s["industry"], s["booths"], s["staffed"], s["visitors"]) for s in hall["sections"]
    ] == [
        ("ai", 2, 1, 3),
        ("cloud", 1, 0, 1),
    ]
    assert hall["longest_queues"][0] == {
        "exhibitor": 7, "name": {"zh": "丙", "en": "C"}, "length": 6, "wait_seconds": 720,
        "state": "open",
    }  # fmt: skip


def test_processes_leader_silence_and_the_alerts_they_raise():
    data = compose(facts(), Memory(), ControlConfig())
    assert [(p["id"], p["leader"], p["silent"]) for p in data["processes"]] == [
        ("a:1:aa", True, False),
        ("b:2:bb", False, False),
        ("c:3:cc", False, True),
    ]
    assert [a["id"] for a in data["alerts"]] == [
        "process.silent:c:3:cc",
        "queue.long_wait:7",
        "moderation.sanctions:2",
    ]
    assert all(a["since"] == NOW.isoformat() for a in data["alerts"])


def test_an_alert_keeps_the_time_it_was_first_raised():
    memory = Memory()
    compose(facts(), memory, ControlConfig())
    later = compose(facts(now=NOW + M, mono=160.0), memory, ControlConfig())
    assert {a["id"]: a["since"] for a in later["alerts"]}["queue.long_wait:7"] == NOW.isoformat()


def test_unreadable_statistics_with_a_stage_live_from_the_ingest_alert():
    data = compose(facts(stat=None), Memory(), ControlConfig())
    assert "stream.stat_unreachable" in [a["id"] for a in data["alerts"]]
    assert data["stat_ok"] is False and data["stages"][0]["kbps"] is None
