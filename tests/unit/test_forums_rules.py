"""The rules of the programme, Q&A and polls: pure, no server."""

from datetime import UTC, datetime, timedelta

import pytest

from expo.errors import BadRequest, Conflict
from forums.domain import (
    PollState,
    QuestionRank,
    QuestionState,
    Slot,
    check_ballot,
    people_names,
    poll_after,
    question_order,
    results_visible,
    schedule_conflicts,
)

T0 = datetime(2022, 5, 26, 1, 0, tzinfo=UTC)


def slot(session_id, forum, start_h, hours=1.0, people=()):
    starts = T0 + timedelta(hours=start_h)
    return Slot(session_id, forum, starts, starts + timedelta(hours=hours), frozenset(people))


def reasons(candidate, programme):
    return [
        (c.reason, c.other_session_id, c.person_id)
        for c in schedule_conflicts(candidate, programme)
    ]


def test_two_sessions_may_not_overlap_in_one_room():
    assert reasons(slot(None, 2, 0.5), [slot(1, 2, 0)]) == [("schedule.room_taken", 1, None)]


def test_back_to_back_sessions_and_other_rooms_are_fine():
    assert reasons(slot(None, 2, 1), [slot(1, 2, 0), slot(2, 3, 1)]) == []


def test_a_speaker_cannot_be_in_two_rooms_at_once():
    assert reasons(slot(None, 2, 0, people={7, 8}), [slot(1, 3, 0.5, people={8, 9})]) == [
        ("schedule.person_busy", 1, 8)
    ]


def test_editing_a_session_does_not_conflict_with_itself():
    assert reasons(slot(1, 2, 0.25), [slot(1, 2, 0)]) == []


def test_a_session_must_end_after_it_starts():
    assert reasons(slot(None, 2, 0, hours=0), []) == [("schedule.bad_times", None, None)]


def q(qid, state="visible", votes=0, pinned=False, minute=0):
    return QuestionRank(qid, QuestionState(state), votes, pinned, T0 + timedelta(minutes=minute))


def test_questions_are_pinned_first_then_by_votes_then_by_age():
    room = [
        q(1, votes=3),
        q(2, votes=5),
        q(3, votes=3, minute=-1),
        q(4, pinned=True),
        q(5, "answered", votes=9),
    ]
    assert question_order(room, moderator=False) == [4, 2, 3, 1, 5]


def test_attendees_see_neither_pending_nor_hidden_questions_moderators_see_all():
    room = [q(1), q(2, "pending", votes=4), q(3, "hidden", votes=9)]
    assert question_order(room, moderator=False) == [1]
    assert question_order(room, moderator=True) == [1, 2, 3]


def test_polls_move_from_draft_to_open_to_closed_and_may_reopen():
    assert poll_after(PollState.DRAFT, "open") is PollState.OPEN
    assert poll_after(PollState.OPEN, "close") is PollState.CLOSED
    assert poll_after(PollState.CLOSED, "reopen") is PollState.OPEN
    with pytest.raises(Conflict) as refused:
        poll_after(PollState.DRAFT, "close")
    assert refused.value.code == "poll.bad_move"


@pytest.mark.parametrize(
    ("state", "choices", "multiple", "code"),
    [
        (PollState.DRAFT, [0], False, "poll.not_open"),
        (PollState.CLOSED, [0], False, "poll.not_open"),
        (PollState.OPEN, [], False, "poll.bad_choice"),
        (PollState.OPEN, [1, 1], True, "poll.bad_choice"),
        (PollState.OPEN, [0, 1], False, "poll.single_choice"),
        (PollState.OPEN, [3], False, "poll.bad_choice"),
    ],
)
def test_ballots_that_are_refused(state, choices, multiple, code):
    with pytest.raises((BadRequest, Conflict)) as refused:
        check_ballot(state, choices, options=3, multiple=multiple)
    assert refused.value.code == code


def test_a_valid_ballot_passes():
    check_ballot(PollState.OPEN, [0, 2], options=3, multiple=True)


@pytest.mark.parametrize(
    ("state", "live", "moderator", "visible"),
    [
        (PollState.OPEN, True, False, True),
        (PollState.OPEN, False, False, False),
        (PollState.OPEN, False, True, True),
        (PollState.CLOSED, False, False, True),
        (PollState.DRAFT, True, False, False),
    ],
)
def test_who_sees_results(state, live, moderator, visible):
    assert results_visible(state, live_results=live, moderator=moderator) is visible


# --- people named without an account are people too (issue 9, item 5) -------------------------


def named(session_id, forum, start_h, *people, hours=1.0):
    """A slot whose people are (name, account id or None)."""
    starts = T0 + timedelta(hours=start_h)
    accounts = frozenset(a for _, a in people if a is not None)
    return Slot(
        session_id,
        forum,
        starts,
        starts + timedelta(hours=hours),
        accounts,
        names=people_names(people),
    )


def busy(candidate, programme):
    return [
        (c.reason, c.other_session_id, c.person_name)
        for c in schedule_conflicts(candidate, programme)
    ]


def test_a_speaker_named_without_an_account_cannot_be_in_two_rooms_at_once():
    assert busy(named(None, 2, 0, ("李明", None)), [named(1, 3, 0.5, ("李明", None))]) == [
        ("schedule.person_busy", 1, "李明")
    ]


def test_names_compare_without_case_width_or_spacing_but_exactly():
    other = [named(1, 3, 0, ("Anna  Schmidt", None))]
    assert busy(named(None, 2, 0, ("ａｎｎａ schmidt ", None)), other) == [
        ("schedule.person_busy", 1, "ａｎｎａ schmidt ")  # as the new session writes it
    ]
    assert busy(named(None, 2, 0, ("Anna Schmid", None)), other) == []
    assert busy(named(None, 2, 0, ("Anna", None)), other) == []


def test_an_account_and_its_name_typed_without_one_are_the_same_person():
    keynote = [named(1, 3, 0, ("王晓 Wang Xiao", 7))]
    assert busy(named(None, 2, 0, ("王晓 Wang Xiao", None)), keynote) == [
        ("schedule.person_busy", 1, "王晓 Wang Xiao")
    ]
    # Two accounts are two people, even when they share a display name.
    assert busy(named(None, 2, 0, ("王晓 Wang Xiao", 8)), keynote) == []
    # The same account once is one conflict, not one per way of naming it.
    assert len(busy(named(None, 2, 0, ("王晓 Wang Xiao", 7)), keynote)) == 1
