"""Matchmaking's pure rules: a profile's cleaning, the organisers' slot list, the dashboard's
arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expo.errors import BadRequest
from expo.industries import INDUSTRIES
from expo.text_rules import visible_length
from matchmaking.dashboard import acceptance_rate, histogram
from matchmaking.demo_people import demo_slots
from matchmaking.profile_rules import (
    INTENTS,
    MAX_SLOTS,
    TEXT_LIMIT,
    SlotSpan,
    check_slots,
    clean_profile,
    clean_text,
    day_of_slots,
)

T0 = datetime(2026, 5, 26, 1, 30, tzinfo=UTC)


def span(start_min: int, end_min: int) -> SlotSpan:
    return SlotSpan(T0 + timedelta(minutes=start_min), T0 + timedelta(minutes=end_min))


def code_of(call: object) -> str:
    with pytest.raises(BadRequest) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_lists_are_kept_in_the_vocabularys_order_without_repeats():
    clean = clean_profile(["sell", "buy", "sell"], ["ai", "cloud", "ai"], "", "", ["en", "zh"])
    assert clean.intents == ["buy", "sell"]
    assert clean.industries == ["cloud", "ai"]  # INDUSTRIES lists cloud before ai
    assert clean.languages == ["en", "zh"]


def test_unknown_values_are_refused_with_their_reason():
    assert code_of(lambda: clean_profile(["steal"], [], "", "", [])) == "match.unknown_intent"
    assert code_of(lambda: clean_profile([], ["mining"], "", "", [])) == "match.unknown_industry"
    assert code_of(lambda: clean_profile([], [], "", "", ["<b>"])) == "match.unknown_language"


def test_language_codes_are_normalised_and_deduplicated():
    assert clean_profile([], [], "", "", ["ZH", "zh", "zh-Hant", "pt-BR"]).languages == [
        "zh",
        "zh-Hant",
        "pt-BR",
    ]


def test_texts_lose_controls_and_runs_of_blank_space():
    text = "  提供\u202e 算力\x00调度\t\t平台 \r\n\r\n\r\n\r\n需要   伙伴 \u200b"
    assert clean_text(text, "offer") == "提供 算力 调度 平台\n\n需要 伙伴"


def test_a_text_is_measured_as_people_see_it():
    family = "👨\u200d👩\u200d👧"  # one character, five code points
    assert clean_text("数" * TEXT_LIMIT, "offer") == "数" * TEXT_LIMIT
    assert clean_text(family * 60, "need") == family * 60  # 60 characters, 300 code points
    assert code_of(lambda: clean_text("数" * (TEXT_LIMIT + 1), "offer")) == "match.text_too_long"
    # 120 characters but 600 code points: more than the column holds.
    assert code_of(lambda: clean_text(family * 120, "need")) == "match.text_too_long"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    intents=st.lists(st.sampled_from(INTENTS), max_size=8),
    industries=st.lists(st.sampled_from(list(INDUSTRIES)), max_size=30),
    offer=st.text(max_size=400),
)
def test_any_accepted_profile_is_clean_and_stable(intents, industries, offer):
    try:
        clean = clean_profile(intents, industries, offer, "", ["zh"])
    except BadRequest as error:
        assert error.code == "match.text_too_long"
        return
    assert set(clean.intents) == set(intents) and len(clean.intents) == len(set(intents))
    assert set(clean.industries) == set(industries)
    assert visible_length(clean.offer) <= TEXT_LIMIT and len(clean.offer) <= 500
    assert "\x00" not in clean.offer and clean.offer == clean.offer.strip()
    again = clean_profile(clean.intents, clean.industries, clean.offer, "", ["zh"])
    assert again == clean  # cleaning what is clean changes nothing


def test_slots_come_back_earliest_first_and_may_touch():
    ordered = check_slots([span(60, 90), span(0, 30), span(30, 60)])
    assert [s.starts_at for s in ordered] == [
        T0,
        T0 + timedelta(minutes=30),
        T0 + timedelta(hours=1),
    ]


@pytest.mark.parametrize(
    ("slots", "code"),
    [
        ([span(30, 30)], "match.bad_slot"),
        ([span(30, 0)], "match.bad_slot"),
        ([span(0, 4 * 60 + 1)], "match.bad_slot"),
        ([span(0, 30), span(29, 60)], "match.slots_overlap"),
        ([span(0, 120), span(30, 60)], "match.slots_overlap"),
        ([span(i, i + 1) for i in range(MAX_SLOTS + 1)], "match.too_many_slots"),
    ],
)
def test_a_bad_slot_list_is_refused(slots, code):
    assert code_of(lambda: check_slots(slots)) == code


def test_a_naive_time_is_refused():
    naive = SlotSpan(datetime(2026, 5, 26, 9), datetime(2026, 5, 26, 10))
    assert code_of(lambda: check_slots([naive])) == "match.bad_slot"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 300)), max_size=30))
def test_an_accepted_slot_list_never_overlaps(pairs):
    slots = [span(start, start + length) for start, length in pairs]
    try:
        ordered = check_slots(slots)
    except BadRequest as error:
        assert error.code in ("match.slots_overlap", "match.bad_slot")
        return
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert before.ends_at <= after.starts_at


def test_a_day_of_slots_fills_the_span_and_stops_before_its_end():
    day = day_of_slots(T0, T0 + timedelta(minutes=150), 30)
    assert len(day) == 5 and day[-1].ends_at == T0 + timedelta(minutes=150)
    assert len(day_of_slots(T0, T0 + timedelta(minutes=100), 30)) == 3
    assert check_slots(day) == day


def test_the_demo_has_two_days_of_valid_slots():
    slots = demo_slots()
    assert len(slots) == 2 * (5 + 7)
    assert check_slots(slots) == slots


def test_acceptance_counts_answered_requests_only():
    assert acceptance_rate(0, 0) is None
    assert acceptance_rate(3, 1) == 0.75


def test_the_histogram_counts_everyone_including_those_without_meetings():
    assert histogram({1: 2, 2: 2, 3: 1}, [1, 2, 3, 4]) == [
        {"meetings": 0, "people": 1},
        {"meetings": 1, "people": 1},
        {"meetings": 2, "people": 2},
    ]
    assert histogram({}, []) == [{"meetings": 0, "people": 0}]
