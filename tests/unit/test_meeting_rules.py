"""The rules of meeting requests and placement (matchmaking/meeting_rules.py), with no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expo.errors import BadRequest, Conflict, NotFound
from expo.models import Role
from matchmaking.meeting_rules import (
    NOTE_LIMIT,
    Party,
    Slot,
    check_request,
    clean_note,
    earliest,
    may_withdraw,
    placements,
    seat_holder,
)

NOW = datetime(2030, 6, 1, 1, 0, tzinfo=UTC)


def slot(i: int, hours: float) -> Slot:
    starts = NOW + timedelta(hours=hours)
    return Slot(i, starts, starts + timedelta(minutes=30))


def ok(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "recipient_visible": True,
        "blocked": False,
        "open_between": False,
        "pending_sent": 0,
        "cap": 10,
    }
    values.update(overrides)
    return values


def test_a_request_that_may_be_sent_passes():
    check_request(1, 2, **ok())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("requester", "overrides", "error", "code"),
    [
        (2, {}, BadRequest, "match.self"),
        (1, {"blocked": True}, NotFound, "match.unknown_profile"),
        (1, {"recipient_visible": False}, NotFound, "match.unknown_profile"),
        (1, {"open_between": True}, Conflict, "match.duplicate"),
        (1, {"pending_sent": 10}, Conflict, "match.cap"),
        (1, {"pending_sent": 11, "cap": 10}, Conflict, "match.cap"),
    ],
)
def test_refused_requests_say_why(requester, overrides, error, code):
    with pytest.raises(error) as refused:
        check_request(requester, 2, **ok(**overrides))  # type: ignore[arg-type]
    assert refused.value.code == code


def test_a_block_answers_exactly_as_a_missing_profile():
    """Someone blocked cannot tell they are: same code, same message, same status."""
    with pytest.raises(NotFound) as blocked:
        check_request(1, 2, **ok(blocked=True, open_between=True))  # type: ignore[arg-type]
    with pytest.raises(NotFound) as missing:
        check_request(1, 2, **ok(recipient_visible=False))  # type: ignore[arg-type]
    assert blocked.value.as_dict() == missing.value.as_dict()
    assert blocked.value.status == missing.value.status == 404


@given(st.integers(0, 50), st.integers(1, 50))
def test_the_cap_counts_pending_requests_sent(pending, cap):
    if pending < cap:
        check_request(1, 2, **ok(pending_sent=pending, cap=cap))  # type: ignore[arg-type]
    else:
        with pytest.raises(Conflict):
            check_request(1, 2, **ok(pending_sent=pending, cap=cap))  # type: ignore[arg-type]


STAFF_A = Party(1, Role.EXHIBITOR, 10)
STAFF_B = Party(2, Role.EXHIBITOR, 20)
VISITOR = Party(3, Role.ATTENDEE, None)
OTHER_VISITOR = Party(4, Role.ATTENDEE, None)


@pytest.mark.parametrize(
    ("requester", "recipient", "seat"),
    [
        (VISITOR, STAFF_A, 10),  # the recipient's company
        (STAFF_A, VISITOR, 10),  # else the requester's
        (STAFF_A, STAFF_B, 20),  # both staff: the recipient's
        (VISITOR, OTHER_VISITOR, None),  # two attendees need no table
        (Party(5, Role.SPEAKER, 10), VISITOR, None),  # only staff speak for a company
    ],
)
def test_whose_seat_a_meeting_takes(requester, recipient, seat):
    assert seat_holder(requester, recipient) == seat


def test_the_earliest_common_free_slot_with_a_free_seat():
    slots = [slot(3, 3), slot(1, 1), slot(2, 2), slot(0, -1)]
    found = earliest(
        slots,
        NOW,
        available=[{0, 1, 2, 3}, {0, 2, 3}],
        busy={2},
        seats=2,
        seats_taken={3: {0}},
    )
    # 0 has begun, 1 is not common, 2 is busy for one of them, 3 has seat 1 free.
    assert found == (3, 1)


def test_no_exhibitor_needs_no_seat_and_a_full_slot_is_skipped():
    slots = [slot(1, 1), slot(2, 2)]
    assert earliest(slots, NOW, available=[{1, 2}], busy=(), seats=None, seats_taken={}) == (
        1,
        None,
    )
    full = earliest(slots, NOW, available=[{1, 2}], busy=(), seats=1, seats_taken={1: {0}})
    assert full == (2, 0)
    assert earliest(slots, NOW, available=[{1}], busy=(), seats=0, seats_taken={}) is None


@given(
    st.lists(st.integers(-5, 20), min_size=0, max_size=12, unique=True),
    st.sets(st.integers(0, 11)),
    st.sets(st.integers(0, 11)),
    st.sets(st.integers(0, 11)),
    st.integers(0, 3),
    st.dictionaries(st.integers(0, 11), st.sets(st.integers(0, 3), max_size=4), max_size=12),
)
def test_every_placement_tried_is_allowed_and_in_time_order(
    hours, mine, theirs, busy, seats, taken
):
    slots = [slot(i, h) for i, h in enumerate(hours)]
    tried = list(
        placements(slots, NOW, available=[mine, theirs], busy=busy, seats=seats, seats_taken=taken)
    )
    by_id = {s.id: s for s in slots}
    for slot_id, seat in tried:
        assert slot_id in mine and slot_id in theirs and slot_id not in busy
        assert by_id[slot_id].starts_at > NOW
        assert seat is not None and 0 <= seat < seats and seat not in taken.get(slot_id, set())
    starts = [by_id[s].starts_at for s, _ in tried]
    assert starts == sorted(starts)
    # Nothing allowed is left out.
    expected = sum(
        len(set(range(seats)) - taken.get(s.id, set()))
        for s in slots
        if s.id in mine and s.id in theirs and s.id not in busy and s.starts_at > NOW
    )
    assert len(tried) == expected


def test_a_note_is_cleaned_and_measured_as_people_see_it():
    assert clean_note("  你好\u200b\n  ") == "你好"
    assert clean_note("长" * NOTE_LIMIT) == "长" * NOTE_LIMIT
    family = "👨\u200d👩\u200d👧"  # one character seen, five code points
    assert clean_note(family * 100) == family * 100
    with pytest.raises(BadRequest) as refused:
        clean_note("长" * (NOTE_LIMIT + 1))
    assert refused.value.code == "match.note_too_long"


def test_who_may_withdraw():
    assert may_withdraw("pending", False)
    assert may_withdraw("accepted", False)  # still waiting for a slot
    assert not may_withdraw("accepted", True)  # a meeting: cancel it
    assert not may_withdraw("declined", False)
