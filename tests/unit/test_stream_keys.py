"""Stream keys and the hook secret (streams/keys.py), and the room's stream rules
(streams/domain.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.domain import STALE_AFTER, hls_url, may_publish, shown_stream_url, state_view
from streams.keys import KeyMatch, RoomKeys, Which, hook_secret, hook_secret_ok, match_key, new_key

ROOMS = [RoomKeys(1, "main-one", "backup-one"), RoomKeys(2, "main-two", "backup-two")]
NOW = datetime(2026, 12, 5, 10, tzinfo=UTC)


def test_a_main_or_backup_key_names_its_room_and_which():
    assert match_key("main-two", ROOMS) == KeyMatch(2, Which.MAIN)
    assert match_key("backup-one", ROOMS) == KeyMatch(1, Which.BACKUP)


def test_anything_else_matches_nothing():
    for given in ("", "main", "main-one ", "MAIN-ONE", "main-one\x00", "主键", "\udcff"):
        assert match_key(given, ROOMS) is None


def test_keys_are_long_and_fresh():
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100 and all(len(k) >= 32 for k in keys)


def test_the_hook_secret_is_derived_from_the_secret_key():
    assert hook_secret("k") == hook_secret("k") != hook_secret("other")
    assert hook_secret_ok(hook_secret("k"), "k")
    for given in (None, "", hook_secret("other"), hook_secret("k")[:-1], "é"):
        assert not hook_secret_ok(given, "k")


def test_an_external_url_wins_else_the_ingest_while_live():
    ingest = hls_url("http://x/hls/", "forum-1")
    assert ingest == "http://x/hls/forum-1.m3u8"
    assert shown_stream_url("https://cdn/a.m3u8", True, ingest) == "https://cdn/a.m3u8"
    assert shown_stream_url(None, True, ingest) == ingest
    assert shown_stream_url(None, False, ingest) is None


def test_a_room_held_by_a_recent_publisher_is_not_taken():
    assert may_publish(False, None, None, "7", NOW)
    assert may_publish(True, "7", NOW, "7", NOW)  # nginx asks again for the same publisher
    assert not may_publish(True, "6", NOW, "7", NOW)
    assert may_publish(True, "6", NOW - STALE_AFTER - timedelta(seconds=1), "7", NOW)


def test_the_state_event_hides_what_belongs_to_a_live_stream_when_offline():
    live = state_view(
        3, live=True, since=NOW, publisher="main", version=4, hls="/hls/a.m3u8", external=None
    )
    assert live == {
        "forum": 3,
        "live": True,
        "since": NOW.isoformat(),
        "publisher": "main",
        "version": 4,
        "hls_url": "/hls/a.m3u8",
        "stream_url": "/hls/a.m3u8",
    }
    offline = state_view(
        3, live=False, since=NOW, publisher="main", version=5, hls="/hls/a.m3u8", external=None
    )
    assert offline == {
        "forum": 3,
        "live": False,
        "since": None,
        "publisher": None,
        "version": 5,
        "hls_url": None,
        "stream_url": None,
    }
