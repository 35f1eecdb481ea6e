"""The booth queues' small rules (matchmaking/queue_rules.py): what wait a position means, and
that nobody on duty means no wait is promised at all."""

from __future__ import annotations

from matchmaking.queue_rules import (
    DEFAULT_SERVICE,
    ServiceTimes,
    eta_minutes,
    service_times,
    staffed,
)


def test_with_no_staff_on_duty_the_wait_is_unknown_not_a_range():
    times = service_times([], servers=0)
    assert times == ServiceTimes(*DEFAULT_SERVICE, servers=0)
    assert not staffed(times)
    assert [eta_minutes(position, times) for position in (1, 2, 10)] == [None, None, None]


def test_a_negative_count_of_staff_is_nobody():
    assert service_times([], servers=-1).servers == 0


def test_one_staff_member_and_the_default_two_to_four_minutes():
    times = service_times([], servers=1)
    assert staffed(times)
    assert eta_minutes(1, times) == (0, 4)  # next: within one conversation
    assert eta_minutes(4, times) == (6, 16)  # the docs' example: "第 4 位，约 6–16 分钟"


def test_staff_share_the_people_ahead():
    times = service_times([], servers=2)
    assert [eta_minutes(p, times) for p in (1, 2, 3, 4)] == [(0, 4), (0, 4), (2, 8), (2, 8)]


def test_the_recent_conversations_quartiles_once_there_are_five():
    times = service_times([60.0, 120.0, 180.0, 240.0, 600.0], servers=1)
    assert (times.low, times.high) == (120.0, 240.0)
    few = service_times([600.0] * 4, servers=1)  # fewer than five: the guess
    assert (few.low, few.high) == DEFAULT_SERVICE
