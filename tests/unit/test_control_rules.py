"""The control room's rules (control/rules.py): lateness against the programme, the bitrate
alert, silent processes, rates summed over processes, and which alerts the figures raise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from control.rules import (
    Alert,
    Lateness,
    Level,
    Limits,
    ProcessSeen,
    QueueFacts,
    Sample,
    Scheduled,
    StageAir,
    StageFacts,
    Status,
    alerts,
    bitrate_alert,
    lateness,
    per_minute,
    silent_processes,
)

T0 = datetime(2026, 12, 5, 10, tzinfo=UTC)
M = timedelta(minutes=1)
S = timedelta(seconds=1)
A = Scheduled(1, T0, T0 + 30 * M)  # 10:00-10:30
B = Scheduled(2, T0 + 45 * M, T0 + 60 * M)  # 10:45-11:00
DAY = [B, A]  # any order
OFFLINE = StageAir("offline")


def live_since(at: datetime) -> StageAir:
    return StageAir("live", since=at)


# --- lateness -----------------------------------------------------------------------------


def test_an_offline_room_with_nothing_on_is_idle_and_names_the_next_session():
    assert lateness(DAY, OFFLINE, T0 - 5 * M) == Lateness(Status.IDLE, None, None, A)
    assert lateness(DAY, OFFLINE, T0 + 35 * M) == Lateness(Status.IDLE, None, None, B)
    assert lateness(DAY, OFFLINE, T0 + 2 * 60 * M) == Lateness(Status.IDLE)


def test_a_session_whose_start_passed_while_offline_is_late_by_now_minus_start():
    assert lateness(DAY, OFFLINE, T0 + 3 * M) == Lateness(Status.LATE, 3 * M, A, B)
    assert lateness(DAY, OFFLINE, T0) == Lateness(Status.LATE, timedelta(0), A, B)


def test_a_stream_on_air_before_its_session_started_is_on_time():
    assert lateness(DAY, live_since(T0 - 10 * M), T0 + M) == Lateness(Status.ON_TIME, None, A, B)


def test_a_stream_that_went_live_within_the_tolerance_is_on_time():
    assert lateness(DAY, live_since(T0 + 50 * S), T0 + 2 * M).status == Status.ON_TIME


def test_a_stream_that_went_live_after_its_start_started_late_by_that_much():
    found = lateness(DAY, live_since(T0 + 4 * M), T0 + 10 * M)
    assert found == Lateness(Status.STARTED_LATE, 4 * M, A, B)
    assert lateness(DAY, live_since(T0 + 4 * M), T0 + 10 * M, tolerance=5 * M).status == (
        Status.ON_TIME
    )


def test_a_stream_still_live_after_its_session_ended_is_overrunning_by_now_minus_end():
    found = lateness(DAY, live_since(T0 - M), T0 + 37 * M)
    assert found == Lateness(Status.OVERRUNNING, 7 * M, A, B)


def test_a_stream_started_after_the_last_session_ended_is_unscheduled_not_overrunning():
    assert lateness(DAY, live_since(T0 + 40 * M), T0 + 42 * M) == Lateness(
        Status.UNSCHEDULED, None, None, B
    )
    assert lateness([], live_since(T0), T0 + M) == Lateness(Status.UNSCHEDULED)


def test_the_next_session_started_turns_an_overrun_into_that_sessions_standing():
    # Live since before A, through the break, into B: B is on time.
    assert lateness(DAY, live_since(T0 - M), T0 + 50 * M).status == Status.ON_TIME


def test_an_interrupted_room_counts_from_when_the_publisher_went_away():
    air = StageAir("interrupted", since=T0, interrupted_since=T0 + 5 * M)
    assert lateness(DAY, air, T0 + 8 * M) == Lateness(Status.INTERRUPTED, 3 * M, A, B)


def test_a_room_playing_an_external_url_is_not_judged():
    air = StageAir("offline", external=True)
    assert lateness(DAY, air, T0 + 8 * M) == Lateness(Status.EXTERNAL, None, A, B)


def test_of_two_overlapping_sessions_the_later_starting_is_the_one_on():
    late_start = Scheduled(3, T0 + 10 * M, T0 + 20 * M)
    assert lateness([A, late_start], OFFLINE, T0 + 12 * M) == Lateness(
        Status.LATE, 2 * M, late_start, None
    )


# --- bitrate ------------------------------------------------------------------------------


def steady(kbps: float, start: float, end: float) -> list[Sample]:
    return [Sample(float(t), kbps) for t in range(int(start), int(end) + 1)]


def test_a_steady_stream_raises_nothing():
    assert bitrate_alert(steady(2500, 0, 60), 60) is None


def test_a_bitrate_fallen_below_half_its_recent_median_is_a_drop():
    samples = steady(2500, 0, 55) + steady(800, 56, 60)
    assert bitrate_alert(samples, 60) == ("drop", 800, 2500)


def test_a_dip_above_the_ratio_is_no_drop():
    samples = steady(2500, 0, 55) + steady(1500, 56, 60)
    assert bitrate_alert(samples, 60) is None
    assert bitrate_alert(samples, 60, ratio=0.7) == ("drop", 1500, 2500)


def test_a_stream_that_sends_nothing_is_no_data():
    samples = steady(2500, 0, 55) + [Sample(float(t), None) for t in range(56, 61)]
    assert bitrate_alert(samples, 60) == ("no_data", None, 2500)
    zeros = steady(2500, 0, 55) + steady(0, 56, 60)
    assert bitrate_alert(zeros, 60) == ("no_data", None, 2500)


def test_a_stream_just_started_is_given_time_before_no_data():
    assert bitrate_alert([Sample(0.0, None), Sample(1.0, None)], 1) is None


def test_without_enough_history_there_is_no_baseline_to_fall_from():
    assert bitrate_alert(steady(2500, 0, 3) + steady(100, 4, 8), 8) is None


def test_a_baseline_too_small_to_judge_raises_no_drop():
    assert bitrate_alert(steady(50, 0, 55) + steady(10, 56, 60), 60) is None


# --- processes and rates ------------------------------------------------------------------


def test_a_process_silent_past_the_threshold_is_listed_until_forgotten():
    seen = [ProcessSeen("a", 0.4), ProcessSeen("b", 7.0), ProcessSeen("c", 900.0)]
    assert silent_processes(seen, stale_after=5, forget_after=600) == [ProcessSeen("b", 7.0)]


def test_rates_are_the_sum_of_every_process_counts_of_the_span():
    reports = [
        {"chat": {"3": {"60": 12, "600": 40}}, "question": {"3": {"60": 1, "600": 1}}},
        {"chat": {"3": {"60": 5, "600": 5}, "4": {"60": 2, "600": 2}}},
        {},
    ]
    assert per_minute(reports, "chat", "3") == 17
    assert per_minute(reports, "chat", "3", span=600) == 45
    assert per_minute(reports, "question", "3") == 1
    assert per_minute(reports, "reaction", "3") == 0


# --- alerts -------------------------------------------------------------------------------

LIMITS = Limits(not_live_after=2 * M, queue_wait=10 * M, deletion_flood=10)


def stage(forum: int, late: Lateness, **kwargs) -> StageFacts:
    return StageFacts(forum, late, **kwargs)


def test_a_stage_late_past_the_threshold_is_critical_and_not_before():
    assert alerts([stage(3, Lateness(Status.LATE, M, A))], [], [], limits=LIMITS) == []
    assert alerts([stage(3, Lateness(Status.LATE, 3 * M, A))], [], [], limits=LIMITS) == [
        Alert("stage.not_live:3", "stage.not_live", Level.CRITICAL, {"forum": 3, "seconds": 180})
    ]


def test_an_interruption_during_a_session_alerts_after_the_threshold_too():
    found = alerts([stage(3, Lateness(Status.INTERRUPTED, 5 * M, A))], [], [], limits=LIMITS)
    assert [a.id for a in found] == ["stage.not_live:3"]
    # Interrupted with no session on: nothing should be on air, so no alert.
    assert alerts([stage(3, Lateness(Status.INTERRUPTED, 5 * M))], [], [], limits=LIMITS) == []


def test_bitrate_drops_moderation_queues_processes_and_the_stat_all_alert():
    stages = [
        stage(1, Lateness(Status.ON_TIME), bitrate=("drop", 700.4, 2500.0)),
        stage(2, Lateness(Status.ON_TIME), bitrate=("no_data", None, 2500.0)),
        stage(3, Lateness(Status.IDLE), deletions_per_minute=12, sanctions_recent=2),
        stage(4, Lateness(Status.IDLE), deletions_per_minute=9),
    ]
    queues = [QueueFacts(7, 11 * M), QueueFacts(8, 9 * M)]
    found = alerts(stages, queues, [ProcessSeen("host:12", 6.2)], limits=LIMITS,
                   stat_unreachable=True)  # fmt: skip
    assert [a.view() for a in found] == [
        {"id": "process.silent:host:12", "kind": "process.silent", "level": "critical",
         "process": "host:12", "seconds": 6},
        {"id": "stream.no_data:2", "kind": "stream.no_data", "level": "critical", "forum": 2,
         "kbps": None, "baseline_kbps": 2500},
        {"id": "moderation.deletions:3", "kind": "moderation.deletions", "level": "warning",
         "forum": 3, "per_minute": 12},
        {"id": "queue.long_wait:7", "kind": "queue.long_wait", "level": "warning",
         "exhibitor": 7, "seconds": 660},
        {"id": "stream.drop:1", "kind": "stream.drop", "level": "warning", "forum": 1,
         "kbps": 700, "baseline_kbps": 2500},
        {"id": "stream.stat_unreachable", "kind": "stream.stat_unreachable", "level": "warning"},
        {"id": "moderation.sanctions:3", "kind": "moderation.sanctions", "level": "info",
         "forum": 3, "count": 2},
    ]  # fmt: skip
