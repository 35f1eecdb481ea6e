"""The meeting room's signal rules: what is relayed as given, what is refused and with which
code, before anything reaches the other person."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expo.errors import BadRequest, Conflict
from matchmaking.room_rules import MAX_SDP_CHARS, check_signal, refuse_cancelled

SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
    "usernameFragment": "abcd",
}


def code_of(kind: str, payload: object) -> str:
    with pytest.raises(BadRequest) as error:
        check_signal(kind, payload)
    return error.value.code


def test_good_signals_are_relayed_as_given():
    assert check_signal("offer", SDP) == SDP
    assert check_signal("answer", SDP) == SDP
    assert check_signal("ice", CANDIDATE) == CANDIDATE
    assert check_signal("ice", {"candidate": ""}) == {"candidate": ""}  # end of a generation
    assert check_signal("ice", None) is None
    assert check_signal("ready", None) is None
    assert check_signal("hangup", {}) is None


@pytest.mark.parametrize(
    ("kind", "payload", "code"),
    [
        ("OFFER", SDP, "match.bad_signal"),
        ("offer", None, "match.bad_signal"),
        ("offer", {"type": "offer", "sdp": SDP}, "match.bad_signal"),
        ("answer", "<script>", "match.bad_signal"),
        ("answer", "v=0" + "a" * MAX_SDP_CHARS, "match.signal_too_large"),
        ("ice", SDP, "match.bad_signal"),
        ("ice", {"sdpMid": "0"}, "match.bad_signal"),
        ("ice", CANDIDATE | {"sdpMLineIndex": "0"}, "match.bad_signal"),
        ("ice", CANDIDATE | {"sdpMLineIndex": True}, "match.bad_signal"),
        ("ice", CANDIDATE | {"extra": 1}, "match.bad_signal"),
        ("ice", {"candidate": "c" * 3000}, "match.signal_too_large"),
        ("ready", "please", "match.bad_signal"),
        ("hangup", [1], "match.bad_signal"),
    ],
)
def test_bad_signals_are_refused_with_a_code(kind: str, payload: object, code: str):
    assert code_of(kind, payload) == code


@given(st.text(max_size=16))
def test_no_unknown_kind_passes(kind: str):
    if kind in ("offer", "answer", "ice", "ready", "hangup"):
        return
    assert code_of(kind, None) == "match.bad_signal"


def test_a_cancelled_meeting_is_read_only():
    refuse_cancelled("confirmed")
    with pytest.raises(Conflict) as error:
        refuse_cancelled("cancelled")
    assert error.value.code == "match.meeting_cancelled"
