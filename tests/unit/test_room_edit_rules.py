"""The rules of editing a room, with no server: titles, stream sources, the order of rooms."""

from __future__ import annotations

import pytest

from expo.errors import BadRequest
from forums.room_edit_rules import clean_stream_url, clean_title, moved

ORDER = [(1, "stage"), (2, "forum"), (3, "forum"), (4, "forum")]


def test_a_title_is_one_trimmed_line():
    assert clean_title(" 数据\n安全\u200b  论坛 ", 120, "title_zh") == "数据 安全 论坛"


@pytest.mark.parametrize("title", ["", "  ", "\u200b\u0000", "字" * 121])
def test_an_empty_or_long_title_is_refused(title: str):
    with pytest.raises(BadRequest) as refused:
        clean_title(title, 120, "title_zh")
    assert refused.value.code == "room.bad_title"


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.com/live.m3u8",
        "https://cdn.example.com:8443/a/b/INDEX.M3U8",
        "https://cdn.example.com/live.m3u8?token=abc&exp=1",
        "/demo/stream/index.m3u8",  # on this server, as the demo serves it
    ],
)
def test_an_https_hls_playlist_is_a_stream_source(url: str):
    assert clean_stream_url(f"  {url} ") == url


def test_no_address_is_no_stream():
    assert clean_stream_url("") is None and clean_stream_url("   ") is None


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.example.com/live.m3u8",
        "https://cdn.example.com/live.mp4",
        "https://cdn.example.com/live.m3u8#frag",
        "https://a:b@cdn.example.com/live.m3u8",
        "https:///live.m3u8",
        "https://cdn.example.com:0/live.m3u8",
        "https://cdn.example.com:x/live.m3u8",
        "https://cdn.example.com/a b.m3u8",
        "https://cdn.example.com/\u202elive.m3u8",
        "javascript:alert(1)//x.m3u8",
        "//evil.example/live.m3u8",
        "/\\evil.example/live.m3u8",
        "demo/stream/index.m3u8",
        "https://cdn.example.com/" + "a" * 500 + ".m3u8",
    ],
)
def test_anything_else_is_refused(url: str):
    with pytest.raises(BadRequest) as refused:
        clean_stream_url(url)
    assert refused.value.code == "room.bad_stream_url"


def test_a_forum_moves_among_forums_and_never_above_the_stage():
    assert moved(ORDER, 3, "up") == [1, 3, 2, 4]
    assert moved(ORDER, 3, "down") == [1, 2, 4, 3]
    assert moved(ORDER, 2, "up") == [1, 2, 3, 4]
    assert moved(ORDER, 4, "down") == [1, 2, 3, 4]
    assert moved(ORDER, 1, "down") == [1, 2, 3, 4]
