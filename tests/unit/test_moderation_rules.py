"""Room moderation's rules, with no server: sanction lengths, standing, slow mode's budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from expo.errors import BadRequest
from expo.ratelimit import gcra
from forums.models import RoomSanction
from forums.moderation_rules import (
    EXPO_TIME,
    Standing,
    clean_announcement,
    is_moderator,
    sanction_until,
    slow_mode_key,
    slow_mode_rate,
    standing,
)

NOW = datetime(2026, 5, 26, 3, 30, tzinfo=UTC)  # 11:30 in Guiyang


def sanction(kind: str, minutes: int, *, lifted: bool = False) -> RoomSanction:
    return RoomSanction(
        forum_id=2,
        account_id=1,
        kind=kind,
        until=NOW + timedelta(minutes=minutes),
        created_by=4,
        lifted_at=NOW if lifted else None,
    )


def test_moderators_and_organisers_moderate_and_no_one_else():
    assert [is_moderator(r) for r in ("moderator", "organizer")] == [True, True]
    assert [is_moderator(r) for r in ("attendee", "speaker", "exhibitor", None)] == [False] * 4


def test_a_sanction_in_minutes_ends_that_many_minutes_later():
    assert sanction_until(NOW, 5) == NOW + timedelta(minutes=5)
    assert sanction_until(NOW, 60) == NOW + timedelta(hours=1)


def test_the_rest_of_the_day_ends_at_midnight_in_guiyang():
    until = sanction_until(NOW, "day")
    assert until == datetime(2026, 5, 27, 0, 0, tzinfo=EXPO_TIME)
    assert until.tzinfo == UTC and until == datetime(2026, 5, 26, 16, 0, tzinfo=UTC)


def test_late_in_the_utc_day_is_already_tomorrow_in_guiyang():
    late = datetime(2026, 5, 26, 17, 0, tzinfo=UTC)  # 01:00 on the 27th in Guiyang
    assert sanction_until(late, "day") == datetime(2026, 5, 27, 16, 0, tzinfo=UTC)


def test_no_sanctions_means_free_to_chat_and_watch():
    assert standing([], NOW) == Standing()
    assert not Standing().muted and not Standing().banned


def test_a_mute_mutes_until_its_end():
    assert standing([sanction("mute", 5)], NOW) == Standing(muted_until=NOW + timedelta(minutes=5))


def test_a_ban_also_mutes():
    until = NOW + timedelta(minutes=60)
    assert standing([sanction("ban", 60)], NOW) == Standing(muted_until=until, banned_until=until)


def test_the_longest_of_a_mute_and_a_ban_mutes():
    found = standing([sanction("mute", 90), sanction("ban", 60)], NOW)
    assert found == Standing(
        muted_until=NOW + timedelta(minutes=90), banned_until=NOW + timedelta(minutes=60)
    )


def test_lifted_and_expired_sanctions_count_for_nothing():
    assert standing([sanction("ban", 60, lifted=True), sanction("mute", -1)], NOW) == Standing()
    assert standing([sanction("mute", 0)], NOW) == Standing()  # ends exactly now


def test_slow_mode_allows_one_message_per_period_and_no_burst():
    rate = slow_mode_rate(10)
    first, tat = gcra(None, 0.0, rate)
    second, _ = gcra(tat, 9_999.0, rate)
    third, _ = gcra(tat, 10_000.0, rate)
    assert (first.allowed, second.allowed, third.allowed) == (True, False, True)
    assert second.retry_after == pytest.approx(0.001)


def test_slow_mode_keys_are_per_room_person_and_setting():
    keys = {slow_mode_key(2, 10, 1), slow_mode_key(3, 10, 1), slow_mode_key(2, 30, 1)}
    assert len(keys | {slow_mode_key(2, 10, 7)}) == 4


def test_announcements_are_trimmed_and_bounded():
    assert clean_announcement("  午餐\u200b 12:00\n开始 \x07") == "午餐 12:00\n开始"
    assert clean_announcement(" \t ") == ""
    assert clean_announcement("数" * 500) == "数" * 500
    with pytest.raises(BadRequest) as refused:
        clean_announcement("数" * 501)
    assert refused.value.code == "announcement.too_long"
