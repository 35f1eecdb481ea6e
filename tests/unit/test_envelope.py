import json

import pytest

from expo.errors import BadRequest
from expo.realtime.envelope import (
    Command,
    EnvelopeError,
    encode_error,
    encode_event,
    encode_ok,
    event_parts,
    parse_command,
    valid_topic,
)


def parse(text: str, max_bytes: int = 1000) -> Command:
    return parse_command(text, max_bytes=max_bytes)


def test_a_command_is_parsed_into_type_id_and_data():
    assert parse('{"type": "chat.send", "id": "c7", "data": {"text": "你好"}}') == Command(
        "chat.send", "c7", {"text": "你好"}
    )


def test_data_defaults_to_an_empty_object():
    assert parse('{"type": "subscribe", "id": 3}') == Command("subscribe", 3, {})


@pytest.mark.parametrize(
    ("text", "code", "command_id"),
    [
        ("not json", "bad_request", None),
        ("[1, 2]", "bad_request", None),
        ('{"type": "chat.send"}', "bad_request", None),
        ('{"type": "Chat.Send!", "id": 1}', "bad_request", 1),
        ('{"type": 5, "id": "a"}', "bad_request", "a"),
        ('{"type": "x", "id": true}', "bad_request", None),
        ('{"type": "x", "id": ' + '"' + "i" * 65 + '"}', "bad_request", None),
        ('{"type": "x", "id": 2, "data": [1]}', "bad_request", 2),
    ],
)
def test_malformed_commands_are_refused_with_a_code_and_the_id_when_known(text, code, command_id):
    with pytest.raises(EnvelopeError) as caught:
        parse(text)
    assert (caught.value.code, caught.value.command_id) == (code, command_id)


def test_an_oversized_command_is_too_large_and_keeps_its_id():
    text = json.dumps({"type": "chat.send", "id": "big", "data": {"text": "x" * 2000}})
    with pytest.raises(EnvelopeError) as caught:
        parse(text, max_bytes=1000)
    assert (caught.value.code, caught.value.command_id, caught.value.status) == (
        "too_large",
        "big",
        413,
    )


def test_replies_and_events_have_the_documented_shape():
    assert json.loads(encode_ok("c7", {"a": 1})) == {"type": "ok", "id": "c7", "data": {"a": 1}}
    assert json.loads(encode_error("c7", BadRequest(message="no"))) == {
        "type": "error",
        "id": "c7",
        "error": {"code": "bad_request", "message": "no"},
    }
    assert json.loads(encode_event("chat.message_posted", "forum:3", 1042, {"x": "你好"})) == {
        "type": "chat.message_posted",
        "topic": "forum:3",
        "seq": 1042,
        "data": {"x": "你好"},
    }


def test_event_parts_joined_around_a_seq_are_the_encoded_event():
    head, tail = event_parts("chat.message_posted", "forum:3", {"text": "你好"})
    assert head + b"1042" + tail == encode_event(
        "chat.message_posted", "forum:3", 1042, {"text": "你好"}
    )


@pytest.mark.parametrize(
    "topic", ["forum:3", "booth:12", "user:7", "queue:a-b_1", "booth-staff:12"]
)
def test_valid_topics(topic):
    assert valid_topic(topic)


@pytest.mark.parametrize(
    "topic",
    ["forum", "forum:", ":3", "Forum:3", "forum:3:4", 3, None, "forum:" + "1" * 65, "-booth:1"],
)
def test_invalid_topics(topic):
    assert not valid_topic(topic)
