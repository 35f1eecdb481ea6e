"""What staff may write on a booth: texts, industries, links and videos, orders; and who is on
duty (expo/hall/booth_rules.py, expo/hall/duty_rules.py), with no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from expo.errors import BadRequest
from expo.hall.booth_rules import (
    MAX_DESCRIPTION,
    clean_industries,
    clean_items,
    clean_name,
    clean_text,
    clean_url,
    reordered,
)
from expo.hall.duty_rules import OnDuty, Shift, clean_roster, on_duty_now


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(BadRequest) as caught:
        call(*args, **kwargs)
    return caught.value.code


def test_texts_lose_controls_and_keep_their_lines():
    assert clean_text(" 算力\u202e网络\r\n第二行  \n", 100, "d", lines=True) == "算力网络\n第二行"
    assert clean_text("a\n b\t c", 100, "t") == "a b c"


def test_too_long_is_refused_not_cut():
    assert (
        code_of(clean_text, "字" * (MAX_DESCRIPTION + 1), MAX_DESCRIPTION, "d") == "booth.too_long"
    )
    assert code_of(clean_name, "x" * 10_000, "name_en") == "booth.too_long"
    assert code_of(clean_name, " \u200b ", "name_zh") == "product.no_name"


def test_industries_come_from_the_vocabulary_one_to_five_each_once():
    assert clean_industries(["ai", "cloud", "ai"]) == ["ai", "cloud"]
    assert code_of(clean_industries, ["ai", "<script>"]) == "booth.unknown_industry"
    assert code_of(clean_industries, []) == "booth.industries"
    six = ["ai", "cloud", "5g", "iot", "software", "databases"]
    assert code_of(clean_industries, six) == "booth.industries"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://user:pw@evil.example/",
        "https://good.example@evil.example/",
        "ftp://files.example/x",
        "//evil.example/x",
        "/local/path",
        "https:///nohost",
        "https://a.example/ x",
        "https://a.example:0/",
        "https://a.example:99999/",
        "https:\\\\evil.example",
        "",
    ],
)
def test_links_are_http_with_a_host_and_no_credentials(url: str):
    assert code_of(clean_url, url, video=False) == "booth.bad_url"


def test_good_links_and_videos_pass():
    assert clean_url(" https://www.shubo.live/about?x=1#top ", video=False) == (
        "https://www.shubo.live/about?x=1#top"
    )
    assert clean_url("http://example.com", video=False) == "http://example.com"
    assert clean_url("/demo/stream/index.m3u8", video=True) == "/demo/stream/index.m3u8"
    assert clean_url("https://cdn.example/v/clip.MP4?sig=1", video=True)


@pytest.mark.parametrize(
    "url", ["https://cdn.example/page.html", "//cdn.example/a.m3u8", "javascript:a.mp4", "/x.svg"]
)
def test_videos_are_hls_or_mp4(url: str):
    assert code_of(clean_url, url, video=True) == "booth.bad_video"


def item(title_zh: str = "", title_en: str = "", url: str = "https://a.example/") -> object:
    return SimpleNamespace(title_zh=title_zh, title_en=title_en, url=url)


def test_links_need_a_title_and_are_bounded_in_number():
    assert clean_items([item("官网")], video=False) == [
        {"title_zh": "官网", "title_en": "", "url": "https://a.example/"}
    ]
    assert code_of(clean_items, [item()], video=False) == "booth.untitled_link"
    assert code_of(clean_items, [item("x")] * 11, video=False) == "booth.too_many"


def test_an_order_names_each_item_once():
    assert reordered([1, 2, 3], [3, 1, 2], "product") == [3, 1, 2]
    assert code_of(reordered, [1, 2, 3], [3, 1], "product") == "product.bad_order"
    assert code_of(reordered, [1, 2, 3], [3, 1, 1, 2], "product") == "product.bad_order"
    assert code_of(reordered, [1, 2, 3], [3, 1, 99], "product") == "product.bad_order"


NOW = datetime(2026, 5, 26, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_duty_is_the_switch_and_within_a_shift_for_those_with_shifts():
    shifts = [Shift(2, NOW - H, NOW + H), Shift(3, NOW + H, NOW + 2 * H)]
    found = on_duty_now([1, 2, 3], shifts, NOW)
    assert found == [OnDuty(1, None), OnDuty(2, NOW + H)]
    assert on_duty_now([], shifts, NOW) == []
    assert on_duty_now([3], shifts, NOW + H) == [OnDuty(3, NOW + 2 * H)]
    assert on_duty_now([2], shifts, NOW + H) == []  # the shift ended: off, switch or not


def test_a_roster_is_of_this_booths_staff_in_sane_shifts():
    good = [Shift(2, NOW + H, NOW + 2 * H), Shift(1, NOW, NOW + H)]
    assert clean_roster(good, [1, 2], NOW) == [good[1], good[0]]
    assert code_of(clean_roster, [Shift(9, NOW, NOW + H)], [1], NOW) == "duty.unknown_staff"
    assert code_of(clean_roster, [Shift(1, NOW, NOW)], [1], NOW) == "duty.bad_shift"
    assert code_of(clean_roster, [Shift(1, NOW, NOW + 25 * H)], [1], NOW) == "duty.bad_shift"
    far = NOW + timedelta(days=61)
    assert code_of(clean_roster, [Shift(1, far, far + H)], [1], NOW) == "duty.bad_shift"
    overlap = [Shift(1, NOW, NOW + 2 * H), Shift(1, NOW + H, NOW + 3 * H)]
    assert code_of(clean_roster, overlap, [1], NOW) == "duty.overlap"
