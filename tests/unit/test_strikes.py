"""The strikes book (expo/realtime/strikes.py): an address's handshakes are held once it has
spent its budget of protocol violations, and free again as the budget refills."""

from __future__ import annotations

from expo.ratelimit import Rate
from expo.realtime.strikes import Strikes


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def book(burst: int = 3, delay: float = 0.5, **kwargs: int) -> tuple[Strikes, Clock]:
    clock = Clock()
    return Strikes(Rate(1, 10, burst=burst), delay, clock=clock, **kwargs), clock


def test_an_address_is_held_only_once_its_budget_is_spent():
    strikes, _ = book(burst=3)
    for _ in range(2):
        strikes.strike("203.0.113.7")
        assert strikes.wait_for("203.0.113.7") == 0
    strikes.strike("203.0.113.7")
    assert strikes.wait_for("203.0.113.7") == 0.5
    assert strikes.wait_for("203.0.113.8") == 0  # another address is not


def test_the_budget_refills_at_the_rate():
    strikes, clock = book(burst=3)
    for _ in range(10):  # striking on past the budget does not hold it longer
        strikes.strike("203.0.113.7")
    clock.now += 9.9
    assert strikes.wait_for("203.0.113.7") == 0.5
    clock.now += 0.2  # one strike's interval (10 s) since the budget was spent
    assert strikes.wait_for("203.0.113.7") == 0
    clock.now += 30  # all of it back: forgotten
    assert strikes.wait_for("203.0.113.7") == 0
    assert "203.0.113.7" not in strikes._due


def test_an_unknown_address_and_a_zero_delay_hold_nothing():
    strikes, _ = book(burst=1)
    strikes.strike(None)
    assert strikes.wait_for(None) == 0
    off, _ = book(burst=1, delay=0)
    off.strike("203.0.113.7")
    assert off.wait_for("203.0.113.7") == 0


def test_the_book_forgets_the_address_struck_longest_ago():
    strikes, _ = book(burst=1, max_addresses=2)
    for address in ("a", "b", "a", "c"):
        strikes.strike(address)
    assert list(strikes._due) == ["a", "c"]
    assert strikes.wait_for("b") == 0 and strikes.wait_for("a") == 0.5
