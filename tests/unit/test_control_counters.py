"""Per-process counters (expo/counters.py): events in the last N seconds, per second buckets,
forgotten past the horizon; what each process reports to the control room."""

from __future__ import annotations

from expo.counters import Counters, Window


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_counts_the_last_n_seconds_this_one_included():
    window = Window(horizon=600)
    for at in (100.1, 100.9, 130.0, 159.5):
        window.add(at)
    assert window.total(159.9, 60) == 4
    assert window.total(160.0, 60) == 2  # second 100 (two events) left the minute
    assert window.total(190.0, 60) == 1
    assert window.total(190.0, 600) == 4


def test_a_window_forgets_what_is_past_its_horizon():
    window = Window(horizon=10)
    window.add(5.0, 3)
    assert window.total(14.0, 60) == 3
    assert window.total(15.0, 60) == 0
    assert window.empty(15.0)


def test_counters_report_each_kind_and_key_for_each_span():
    clock = Clock()
    counters = Counters(clock)
    for _ in range(5):
        counters.add("chat", 3)
    counters.add("question", 3)
    clock.now += 90
    counters.add("chat", 3)
    counters.add("chat", 4, n=2)
    assert counters.totals([60, 600]) == {
        "chat": {"3": {"60": 1, "600": 6}, "4": {"60": 2, "600": 2}},
        "question": {"3": {"60": 0, "600": 1}},
    }


def test_counters_with_nothing_in_their_horizon_are_dropped():
    clock = Clock()
    counters = Counters(clock)
    counters.add("ban", 2)
    clock.now += 601
    assert counters.totals([60]) == {}
