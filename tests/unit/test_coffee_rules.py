"""The random coffees' pairing rules, without a server: never a pair kept apart (blocked, met
already), never one person in two pairs, the longest waiting first, the partner at random."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from matchmaking.coffee_rules import Waiting, all_pairs, apart, back_to_pool, next_pair

people = st.lists(st.integers(1, 30), unique=True, max_size=20)
apart_pairs = st.sets(st.tuples(st.integers(1, 30), st.integers(1, 30)), max_size=60)


def pool(accounts: list[int]) -> list[Waiting]:
    return [Waiting(a, float(i)) for i, a in enumerate(accounts)]


@given(people, apart_pairs, st.integers())
def test_no_pair_kept_apart_and_no_one_twice(accounts, kept, seed):
    keep = {apart(a, b) for a, b in kept}
    pairs = all_pairs(pool(accounts), keep, random.Random(seed))
    seen = [p for pair in pairs for p in pair]
    assert len(seen) == len(set(seen))
    assert all(a != b and apart(a, b) not in keep for a, b in pairs)
    assert set(seen) <= set(accounts)


@given(people, apart_pairs, st.integers())
def test_nobody_left_over_could_still_meet(accounts, kept, seed):
    keep = {apart(a, b) for a, b in kept}
    pairs = all_pairs(pool(accounts), keep, random.Random(seed))
    left = [a for a in accounts if not any(a in pair for pair in pairs)]
    assert all(apart(a, b) in keep for a in left for b in left if a != b)


@given(people, apart_pairs, st.integers())
def test_the_longest_waiting_who_may_meet_someone_goes_first(accounts, kept, seed):
    keep = {apart(a, b) for a, b in kept}
    pair = next_pair(pool(accounts), keep, random.Random(seed))
    can = [a for a in accounts if any(a != b and apart(a, b) not in keep for b in accounts)]
    assert (pair[0] if pair else None) == (can[0] if can else None)


def test_the_partner_is_drawn_at_random_among_the_eligible():
    waiting = [Waiting(1, 0.0), Waiting(2, 1.0), Waiting(3, 2.0), Waiting(4, 3.0)]
    keep = {apart(1, 3)}
    partners = {next_pair(waiting, keep, random.Random(seed)) for seed in range(60)}
    assert partners == {(1, 2), (1, 4)}


def test_a_blocked_head_of_the_pool_does_not_hold_up_the_others():
    waiting = [Waiting(1, 0.0), Waiting(2, 1.0), Waiting(3, 2.0)]
    assert next_pair(waiting, {apart(1, 2), apart(1, 3)}, random.Random(1)) == (2, 3)


def test_nobody_is_paired_alone_or_with_themselves():
    assert next_pair([Waiting(7, 0.0)], set(), random.Random(0)) is None
    assert next_pair([], set(), random.Random(0)) is None


def test_who_goes_back_after_a_pairing_fell_through():
    assert back_to_pool((1, 2), (True, False), refused_by=2) == [1]
    assert back_to_pool((1, 2), (True, False), refused_by=None) == [1]  # timed out
    assert back_to_pool((1, 2), (False, False), refused_by=None) == []
    assert back_to_pool((1, 2), (True, True), refused_by=1) == [2]  # left, though both said yes
