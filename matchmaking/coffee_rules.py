"""Who a random coffee pairs with whom, with no I/O: feed it the pool and the pairs kept apart,
read the pair back.

- Never a pair kept apart: one of the two blocked the other, or they met already (a meeting,
  an earlier coffee). Never someone with themselves.
- Fair: the longest-waiting person who can meet anyone goes first; their partner is drawn at
  random among everyone waiting they may meet (so who joined second does not decide).
- After a declined or timed-out pairing, whoever had accepted goes back in front of the pool.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Waiting:
    account: int
    since: float  # the pool's score: when they joined (lower: waited longer)


def apart(one: int, other: int) -> frozenset[int]:
    """The key of a pair kept apart (either order)."""
    return frozenset((one, other))


def may_meet(one: int, other: int, kept_apart: Collection[frozenset[int]]) -> bool:
    return one != other and apart(one, other) not in kept_apart


def next_pair(
    waiting: Sequence[Waiting], kept_apart: Collection[frozenset[int]], rng: random.Random
) -> tuple[int, int] | None:
    """The pair to propose now: (longest-waiting person who may meet someone, a random one of
    those they may meet), or None when nobody waiting may meet anybody."""
    order = sorted(waiting, key=lambda w: (w.since, w.account))
    for first in order:
        eligible = [w.account for w in order if may_meet(first.account, w.account, kept_apart)]
        if eligible:
            return first.account, rng.choice(eligible)
    return None


def all_pairs(
    waiting: Sequence[Waiting], kept_apart: Collection[frozenset[int]], rng: random.Random
) -> list[tuple[int, int]]:
    """`next_pair` again and again, each person leaving the pool once paired."""
    left = list(waiting)
    found: list[tuple[int, int]] = []
    while (pair := next_pair(left, kept_apart, rng)) is not None:
        found.append(pair)
        left = [w for w in left if w.account not in pair]
    return found


def back_to_pool(
    people: tuple[int, int], accepted: tuple[bool, bool], refused_by: int | None
) -> list[int]:
    """Of a pairing that did not happen, who goes back in front of the pool: whoever had
    accepted, never the one who declined or left."""
    return [p for p, yes in zip(people, accepted, strict=True) if yes and p != refused_by]
