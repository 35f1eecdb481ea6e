"""The meeting room's rules, with no I/O: what a WebRTC signal may carry, when the room is
read-only, and how its messages are shown.

Signals are relayed, never stored, so their payloads are checked here before they reach the
other person: an SDP offer or answer is a bounded string, an ICE candidate a small object of the
browser's `RTCIceCandidateInit` fields, `ready` and `hangup` carry nothing. Anything else is
refused with a code (`match.bad_signal`, `match.signal_too_large`) instead of being passed on.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import orjson

from expo.errors import BadRequest, Conflict

# A browser's SDP for one audio and one video track is 3-7 KB; twice that leaves room for many
# codecs and candidates while staying under the websocket's 16 KiB command limit (so the refusal
# is this rule's, with its code, not the frame's).
MAX_SDP_CHARS = 12_000
MAX_CANDIDATE_BYTES = 2_048
CANDIDATE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "candidate": str,
    "sdpMid": (str, type(None)),
    "sdpMLineIndex": (int, type(None)),
    "usernameFragment": (str, type(None)),
}


class SignalKind(StrEnum):
    OFFER = "offer"  # payload: SDP (string)
    ANSWER = "answer"  # payload: SDP (string)
    ICE = "ice"  # payload: an RTCIceCandidateInit object, or null (end of candidates)
    HANGUP = "hangup"  # payload: none; the sender left the call
    READY = "ready"  # payload: none; the sender (re)joined and wants an offer


def bad_signal(why: str) -> BadRequest:
    return BadRequest("match.bad_signal", why)


def check_signal(kind: str, payload: Any) -> Any:
    """The payload to relay for a signal of `kind`, or a refusal that says what is wrong."""
    try:
        known = SignalKind(kind)
    except ValueError:
        raise bad_signal(
            f"`kind` is one of {', '.join(k.value for k in SignalKind)}, not {kind[:20]!r}."
        ) from None
    if known in (SignalKind.OFFER, SignalKind.ANSWER):
        if not isinstance(payload, str) or not payload.startswith("v="):
            raise bad_signal(f"An {known} carries its session description (SDP) as a string.")
        if len(payload) > MAX_SDP_CHARS:
            raise BadRequest(
                "match.signal_too_large", f"A session description is at most {MAX_SDP_CHARS} bytes."
            )
        return payload
    if known is SignalKind.ICE:
        if payload is None:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("candidate"), str):
            raise bad_signal("An ice signal carries an ICE candidate object (or null).")
        for key, value in payload.items():
            allowed = CANDIDATE_FIELDS.get(key)
            if allowed is None or not isinstance(value, allowed) or isinstance(value, bool):
                raise bad_signal(f"An ICE candidate has no field {key[:40]!r} of that type.")
        if len(orjson.dumps(payload)) > MAX_CANDIDATE_BYTES:
            raise BadRequest(
                "match.signal_too_large",
                f"An ICE candidate is at most {MAX_CANDIDATE_BYTES} bytes.",
            )
        return payload
    if payload not in (None, {}):
        raise bad_signal(f"A {known} signal carries no payload.")
    return None


def refuse_cancelled(status: str) -> None:
    """A cancelled meeting's room stays readable but nobody writes or calls in it."""
    if status == "cancelled":
        raise Conflict(
            "match.meeting_cancelled", "This meeting was cancelled; its room is read-only."
        )
