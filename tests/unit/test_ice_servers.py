"""EXPO_ICE_SERVERS is checked when the server starts: a mistake is a clear error there, not
calls that never connect."""

from __future__ import annotations

import pytest

from expo.settings import Settings, SettingsError, parse_ice_servers


def test_unset_or_blank_means_no_servers():
    assert Settings.from_env({}).ice_servers == ()
    assert Settings.from_env({"EXPO_ICE_SERVERS": "  "}).ice_servers == ()


def test_stun_and_turn_servers_are_read_as_given():
    raw = (
        '[{"urls": "stun:stun.example.org:3478"},'
        ' {"urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],'
        '  "username": "expo", "credential": "s3cret"}]'
    )
    servers = Settings.from_env({"EXPO_ICE_SERVERS": raw}).ice_servers
    assert servers[0] == {"urls": "stun:stun.example.org:3478"}
    assert servers[1]["username"] == "expo" and len(servers[1]["urls"]) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("[{urls: 'stun:x'}]", "not valid JSON"),
        ('{"urls": "stun:x"}', "JSON list"),
        ('["stun:x"]', "entry 0 is not an object"),
        ('[{"url": "stun:x"}]', "entry 0 is not an object with `urls`"),
        ('[{"urls": "http://x"}]', "stun:, stuns:, turn: or turns:"),
        ('[{"urls": []}]', "stun:, stuns:, turn: or turns:"),
        ('[{"urls": "stun:x", "password": "p"}]', "unknown keys"),
        ('[{"urls": "turn:x"}]', "TURN server without"),
        ('[{"urls": "turn:x", "username": 1, "credential": "c"}]', "`username`"),
    ],
)
def test_a_bad_setting_stops_the_start_with_a_clear_error(raw: str, says: str):
    with pytest.raises(SettingsError, match="EXPO_ICE_SERVERS") as error:
        Settings.from_env({"EXPO_ICE_SERVERS": raw})
    assert says in str(error.value)
    with pytest.raises(SettingsError):
        parse_ice_servers(raw)
