"""Stream keys and the hook secret (streams/keys.py), and the room's stream rules
(streams/domain.py; its states: test_stream_states.py)."""

from __future__ import annotations

from streams.domain import hls_url, shown_stream_url
from streams.keys import KeyMatch, RoomKeys, Which, hook_secret, hook_secret_ok, match_key, new_key

ROOMS = [RoomKeys(1, "main-one", "backup-one"), RoomKeys(2, "main-two", "backup-two")]


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
