import pytest

from expo.ratelimit import Rate, gcra, parse_rates


def run(rate: Rate, times_ms: list[float]) -> list[bool]:
    tat, allowed = None, []
    for now in times_ms:
        decision, tat = gcra(tat, now, rate)
        allowed.append(decision.allowed)
    return allowed


def test_a_burst_up_to_the_count_then_refusal():
    assert run(Rate(5, 10), [0] * 7) == [True] * 5 + [False, False]


def test_the_budget_refills_one_action_per_interval():
    rate = Rate(5, 10)  # one action every 2 s
    assert run(rate, [0, 0, 0, 0, 0, 1999, 2000, 2001]) == [True] * 5 + [False, True, False]


def test_a_burst_smaller_than_the_count():
    assert run(Rate(10, 300, burst=3), [0, 0, 0, 0]) == [True, True, True, False]


def test_retry_after_says_when_the_next_action_fits():
    rate = Rate(5, 10)
    tat = None
    for _ in range(5):
        _, tat = gcra(tat, 0, rate)
    decision, _ = gcra(tat, 500, rate)
    assert (decision.allowed, decision.retry_after) == (False, 1.5)


def test_rates_are_read_from_the_environment_format():
    assert parse_rates("chat=5/10, connect=60/60/20") == {
        "chat": Rate(5, 10),
        "connect": Rate(60, 60, 20),
    }


@pytest.mark.parametrize("spec", ["chat=5", "nosuch=1/1", "chat=a/b"])
def test_unreadable_rates_are_refused(spec):
    with pytest.raises(ValueError):
        parse_rates(spec)
