"""The JSON envelope of the websocket protocol (see docs/protocol.md). Pure: no I/O.

=> {"type": "chat.send", "id": "c7", "data": {...}}        command
<- {"type": "ok", "id": "c7", "data": {...}}                reply
<- {"type": "error", "id": "c7", "error": {"code": ..., "message": ...}}
<= {"type": "chat.message_posted", "topic": "forum:3", "seq": 1042, "data": {...}}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from expo.errors import BadRequest, ExpoError, TooLarge

# Commands are `noun.verb` (or a bare word such as `subscribe`); ids are the client's own.
COMMAND_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
MAX_ID_LENGTH = 64
# A kind may hold dashes between its words (`booth-staff:3`).
TOPIC = re.compile(r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*:[A-Za-z0-9_\-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Command:
    type: str
    id: str | int | None
    data: dict[str, Any]


class EnvelopeError(ExpoError):
    """A frame that is not a valid command; carries the id when one could be read."""

    def __init__(self, error: ExpoError, command_id: str | int | None) -> None:
        super().__init__(error.code, error.message, status=error.status, details=error.details)
        self.command_id = command_id


def parse_command(text: str, *, max_bytes: int) -> Command:
    # The limit is in UTF-8 bytes; a character is at most 4 of them, so shorter texts are
    # known to fit without encoding them.
    if len(text) > max_bytes or (4 * len(text) > max_bytes and len(text.encode()) > max_bytes):
        raise EnvelopeError(
            TooLarge(message=f"Commands are limited to {max_bytes} bytes."), sniff_id(text)
        )
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise EnvelopeError(BadRequest(message="The frame is not valid JSON."), None) from None
    if not isinstance(raw, dict):
        raise EnvelopeError(BadRequest(message="A command is a JSON object."), None)
    command_id = raw.get("id")
    if command_id is not None and not _valid_id(command_id):
        raise EnvelopeError(
            BadRequest(
                message=f"`id` is a string of at most {MAX_ID_LENGTH} characters or an integer."
            ),
            None,
        )
    kind = raw.get("type")
    if not isinstance(kind, str) or not COMMAND_TYPE.match(kind) or len(kind) > 64:
        raise EnvelopeError(
            BadRequest(message="`type` names a command, such as `subscribe`."), command_id
        )
    if command_id is None:
        raise EnvelopeError(BadRequest(message="Every command needs an `id` for its reply."), None)
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise EnvelopeError(BadRequest(message="`data` is a JSON object."), command_id)
    return Command(kind, command_id, data)


def _valid_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**53) < value < 2**53
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH


def sniff_id(text: str) -> str | int | None:
    """The id of an oversized command, so its error reply can still be matched."""
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    command_id = raw.get("id") if isinstance(raw, dict) else None
    return command_id if _valid_id(command_id) else None


def encode_ok(command_id: str | int | None, data: Any) -> bytes:
    return orjson.dumps({"type": "ok", "id": command_id, "data": data})


def encode_error(command_id: str | int | None, error: ExpoError) -> bytes:
    return orjson.dumps({"type": "error", "id": command_id, "error": error.as_dict()})


def encode_event(event_type: str, topic: str, seq: int | None, data: Any) -> bytes:
    body: dict[str, Any] = {"type": event_type, "topic": topic}
    if seq is not None:
        body["seq"] = seq
    body["data"] = data
    return orjson.dumps(body)


def event_parts(event_type: str, topic: str, data: Any) -> tuple[bytes, bytes]:
    """An event split around its seq, so a broker can number it without parsing JSON."""
    head = orjson.dumps({"type": event_type, "topic": topic})[:-1] + b',"seq":'
    tail = b',"data":' + orjson.dumps(data) + b"}"
    return head, tail


def valid_topic(topic: object) -> bool:
    return isinstance(topic, str) and bool(TOPIC.match(topic))
