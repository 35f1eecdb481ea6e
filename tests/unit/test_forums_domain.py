from datetime import UTC, datetime, timedelta

import pytest

from expo.errors import BadRequest
from forums.domain import clean_chat_text, now_and_next
from forums.models import ForumSession
from forums.seed import DAY, day_opening

T0 = datetime(2022, 5, 26, 1, 0, tzinfo=UTC)  # 09:00 in Guiyang, the expo's opening day


def session(start_h: float, minutes: int) -> ForumSession:
    starts = T0 + timedelta(hours=start_h)
    return ForumSession(
        forum_id=1,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        title_zh="x",
        title_en="x",
    )


def test_now_and_next_during_a_session():
    day = [session(0, 60), session(1, 60), session(3, 30)]
    assert now_and_next(day, T0 + timedelta(minutes=70)) == (day[1], day[2])


def test_now_and_next_in_a_break():
    day = [session(0, 60), session(3, 30)]
    assert now_and_next(day, T0 + timedelta(hours=2)) == (None, day[1])


def test_now_and_next_after_the_day():
    day = [session(0, 60)]
    assert now_and_next(day, T0 + timedelta(hours=5)) == (None, None)


def test_a_session_ends_exactly_when_the_next_starts():
    day = [session(0, 60), session(1, 60)]
    assert now_and_next(day, T0 + timedelta(hours=1)) == (day[1], None)


def test_the_demo_day_opens_an_hour_before_now_so_something_is_live():
    now = datetime(2026, 11, 25, 23, 40, tzinfo=UTC)
    opening = day_opening(now)
    assert opening == datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
    first_hour, minutes = DAY[1][0], DAY[1][1]
    assert (
        opening + timedelta(hours=first_hour)
        <= now
        < opening + timedelta(hours=first_hour, minutes=minutes)
    )


def test_chat_text_is_trimmed_and_control_characters_dropped():
    assert clean_chat_text("  你好\u0000 <b>world</b>\u200b ") == "你好 <b>world</b>"


@pytest.mark.parametrize(
    ("text", "code"),
    [("   ", "chat.empty"), ("\u0007", "chat.empty"), ("字" * 501, "chat.too_long")],
)
def test_chat_text_that_cannot_be_posted(text, code):
    with pytest.raises(BadRequest) as refused:
        clean_chat_text(text)
    assert refused.value.code == code


def test_every_demo_exhibitor_is_filed_under_a_known_industry():
    from expo.industries import INDUSTRIES, industry_label
    from expo.seed import EXHIBITORS

    assert {industry for _, _, industry, _, _ in EXHIBITORS} <= INDUSTRIES.keys()
    assert industry_label("data-security") == {
        "key": "data-security",
        "zh": "数据安全",
        "en": "Data security",
    }
    assert industry_label("legacy words") == {
        "key": "legacy words",
        "zh": "legacy words",
        "en": "legacy words",
    }
