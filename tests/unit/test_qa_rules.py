"""Q&A and poll rules with no server: texts, drafts, tallies, moderators' moves, and the
coalescer that bounds how often counts are announced."""

from __future__ import annotations

import asyncio

import pytest

from expo.errors import BadRequest, Conflict, Forbidden
from forums.domain import QuestionState
from forums.qa_coalescer import Coalescer
from forums.qa_rules import (
    Tally,
    check_pin,
    clean_poll,
    clean_question,
    is_moderator,
    is_staff,
    question_after,
    tally,
)


def code(call) -> str:
    with pytest.raises((BadRequest, Conflict)) as raised:
        call()
    return raised.value.code


def test_a_question_is_trimmed_and_bounded():
    assert clean_question("  东数西算\u200b？\n ") == "东数西算？"
    assert code(lambda: clean_question(" \u200b ")) == "qa.empty"
    assert code(lambda: clean_question("问" * 301)) == "qa.too_long"
    assert clean_question("<b>问</b>") == "<b>问</b>"  # never escaped here: pages escape


def test_a_poll_has_two_to_ten_distinct_one_line_options():
    draft = clean_poll(" 选哪个？ ", ["  是  yes ", "否\nno"])
    assert (draft.question, draft.options) == ("选哪个？", ["是 yes", "否 no"])
    assert code(lambda: clean_poll("?", ["one"])) == "poll.bad_options"
    assert code(lambda: clean_poll("?", [str(i) for i in range(11)])) == "poll.bad_options"
    assert code(lambda: clean_poll("?", ["Yes", "yes "])) == "poll.duplicate_option"
    assert code(lambda: clean_poll("?", ["a", " "])) == "poll.option.empty"
    assert code(lambda: clean_poll("?", ["a", "b" * 101])) == "poll.option.too_long"
    assert code(lambda: clean_poll("", ["a", "b"])) == "poll.empty"


def test_a_tally_counts_each_ballot_once_and_each_choice_on_it():
    assert tally(3, [[0], [0, 2], [2], [1, 1]]) == Tally((2, 1, 2), 4)
    assert tally(2, []) == Tally((0, 0), 0)
    assert tally(2, [[5]]).as_dict() == {"counts": [0, 0], "voters": 1}


@pytest.mark.parametrize(
    ("state", "move", "after"),
    [
        ("pending", "approve", "visible"),
        ("hidden", "approve", "visible"),
        ("visible", "answer", "answered"),
        ("pending", "answer", "answered"),
        ("answered", "unanswer", "visible"),
        ("visible", "hide", "hidden"),
        ("answered", "hide", "hidden"),
        ("pending", "hide", "hidden"),
    ],
)
def test_moderators_moves(state, move, after):
    assert question_after(QuestionState(state), move) is QuestionState(after)


@pytest.mark.parametrize(
    ("state", "move"),
    [("visible", "approve"), ("hidden", "hide"), ("hidden", "answer"), ("visible", "unanswer")],
)
def test_moves_that_make_no_sense_are_refused(state, move):
    assert code(lambda: question_after(QuestionState(state), move)) == "qa.bad_move"


@pytest.mark.parametrize(
    ("state", "move", "after"),
    [("visible", "answer", "answered"), ("answered", "unanswer", "visible")],
)
def test_a_speaker_answers_what_the_room_sees(state: str, move: str, after: str) -> None:
    assert question_after(QuestionState(state), move, moderator=False) is QuestionState(after)


def test_a_speaker_cannot_answer_a_pending_question_into_the_room() -> None:
    """Answering would show it without a moderator's approval (pre-moderation)."""
    with pytest.raises(Forbidden) as raised:
        question_after(QuestionState.PENDING, "answer", moderator=False)
    assert raised.value.code == "qa.not_approved"
    assert question_after(QuestionState.PENDING, "answer") is QuestionState.ANSWERED


def test_only_what_the_room_sees_can_be_pinned():
    check_pin(QuestionState.VISIBLE)
    check_pin(QuestionState.ANSWERED)
    assert code(lambda: check_pin(QuestionState.PENDING)) == "qa.bad_move"
    assert code(lambda: check_pin(QuestionState.HIDDEN)) == "qa.bad_move"


def test_staff_are_speakers_and_moderators():
    assert [is_staff(r) for r in ("attendee", "exhibitor", "speaker", "moderator", None)] == [
        False,
        False,
        True,
        True,
        False,
    ]
    assert [is_moderator(r) for r in ("speaker", "moderator", "organizer")] == [False, True, True]


class Counts:
    """A stored count the coalescer reads, and what it published."""

    def __init__(self) -> None:
        self.value = 0
        self.reads = 0
        self.published: list[tuple[int, int | None]] = []
        self.reading = asyncio.Event()
        self.go_on = asyncio.Event()
        self.go_on.set()

    async def read(self) -> int:
        self.reads += 1
        seen = self.value  # the snapshot a query would see
        self.reading.set()
        await self.go_on.wait()
        return seen

    async def publish(self, value: int, before: int | None) -> None:
        self.published.append((value, before))


async def settle(coalescer: Coalescer) -> None:
    while coalescer._keys:
        await asyncio.sleep(0)


async def test_touches_during_a_read_fold_into_one_more_read_and_publish():
    coalescer, counts = Coalescer(interval=0), Counts()
    counts.go_on.clear()
    counts.value = 1
    coalescer.touch("k", counts.read, counts.publish)
    await counts.reading.wait()
    for value in range(2, 50):  # 48 more votes while the first read is under way
        counts.value = value
        coalescer.touch("k", counts.read, counts.publish)
    counts.go_on.set()
    await settle(coalescer)
    # The first read's value goes out at once; one more read covers all the touches, and a
    # confirming read finds nothing new.
    assert counts.published == [(1, None), (49, 1)]
    assert counts.reads == 3


async def test_a_process_republishes_when_the_store_moved_on_since_its_last_publish():
    coalescer, counts = Coalescer(interval=0), Counts()
    counts.value = 5
    publish = counts.publish

    async def racing(value: int, before: int | None) -> None:
        await publish(value, before)
        counts.value = 7  # another process's vote: nothing touches this process's key

    coalescer.touch("k", counts.read, racing)
    await settle(coalescer)
    assert counts.published == [(5, None), (7, 5)]


async def test_a_failing_publish_is_retried_then_given_up():
    coalescer, attempts = Coalescer(interval=0), []

    async def read() -> int:
        return 1

    async def publish(value: int, before: int | None) -> None:
        attempts.append(value)
        raise ConnectionError("broker down")

    coalescer.touch("k", read, publish)
    await settle(coalescer)
    assert attempts == [1] * 5
