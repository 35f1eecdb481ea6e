"""Property tests of how the gateway reads a websocket message (issue 14, abuse).

What a client sends passes three steps before any handler runs, each pure: the transport decodes
the frame as UTF-8 (else close 1007), `envelope.parse_command` reads the envelope, and the
command's payload model (`CommandSpec.model`, strict pydantic) validates `data`, whose
`ValidationError` becomes `bad_request` through `errors.from_validation`. Whatever comes in, each
step either passes it on or refuses it with the protocol's own error: machine-readable (a stable
code, a message, details that name fields without echoing values) and encodable as the reply.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from expo.errors import ExpoError, from_validation
from expo.features import load_features
from expo.realtime.envelope import (
    COMMAND_TYPE,
    MAX_ID_LENGTH,
    Command,
    EnvelopeError,
    encode_error,
    parse_command,
    sniff_id,
)
from expo.realtime.gateway import SubscribeData, UnsubscribeData

MAX_BYTES = 16 * 1024  # EXPO_MAX_COMMAND_BYTES' default
# Seconds, not minutes, in CI: a few hundred inputs per property (every run draws new ones).
FEW = settings(max_examples=150, deadline=None)
ENVELOPE_CODES = {"bad_request", "too_large"}
# A marker no message or field name of ours contains: a value carrying it must not come back.
MARKER = "ZQ9XJ7"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
command_types = st.from_regex(COMMAND_TYPE, fullmatch=True).filter(lambda t: len(t) <= 64)
command_ids = st.text(min_size=1, max_size=MAX_ID_LENGTH) | st.integers(
    min_value=-(2**53) + 1, max_value=2**53 - 1
)
# Envelopes that look nearly right: the fields a command has, each of any JSON type.
near_envelopes = st.fixed_dictionaries(
    {},
    optional={
        "type": command_types | json_values,
        "id": command_ids | json_values,
        "data": st.dictionaries(st.text(max_size=8), json_values) | json_values,
    },
).map(lambda d: json.dumps(d, ensure_ascii=False))


def assert_protocol_error(error: ExpoError) -> None:
    """Machine-readable: a stable code and a message, and encodable into the reply."""
    body = error.as_dict()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(error.status, int) and 400 <= error.status < 500


def read(text: str) -> Command | EnvelopeError:
    """The envelope step, as the gateway runs it: a command, or the error it answers."""
    try:
        return parse_command(text, max_bytes=MAX_BYTES)
    except EnvelopeError as error:
        return error


def check_envelope(text: str) -> None:
    outcome = read(text)
    if isinstance(outcome, Command):
        assert COMMAND_TYPE.match(outcome.type) and isinstance(outcome.data, dict)
        assert outcome.id is not None
        return
    assert_protocol_error(outcome)
    assert outcome.code in ENVELOPE_CODES
    reply = orjson.loads(encode_error(outcome.command_id, outcome))
    assert reply == {"type": "error", "id": outcome.command_id, "error": outcome.as_dict()}


@FEW
@given(st.text(max_size=200))
@example("")
@example("[" * 5000 + "]" * 5000)  # deeper than orjson's limit
@example('{"type": "x", "id": "\\ud800"}')  # a lone surrogate, escaped
@example('{"type": "x", "id": 1e999}')
@example('{"type": "x", "id": 9007199254740993}')
@example('{"type": "x", "id": 1, "data": {"a": NaN}}')
def test_any_text_is_a_command_or_an_envelope_error(text):
    check_envelope(text)


@FEW
@given(near_envelopes)
def test_any_json_shaped_like_a_command_is_a_command_or_an_envelope_error(text):
    check_envelope(text)


@FEW
@given(st.binary(max_size=200))
@example(b"\xff\xfe")
@example(b'{"type": "ping", "id": 1}\xc0')
def test_any_bytes_are_refused_as_text_or_read_as_an_envelope(data):
    """The transport closes 1007 on bytes that are not UTF-8 (its only other outcome)."""
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return
    check_envelope(text)


@FEW
@given(st.integers(min_value=MAX_BYTES + 1, max_value=4 * MAX_BYTES), command_ids)
def test_an_oversized_command_is_too_large_with_its_id(size, command_id):
    text = json.dumps({"type": "chat.send", "id": command_id, "data": {"text": ""}})
    text = text[:-4] + '"' + "字" * (size // 3 + 1) + '"}}'  # 3 bytes a character
    outcome = read(text)
    assert isinstance(outcome, EnvelopeError)
    assert (outcome.code, outcome.command_id) == ("too_large", command_id)
    assert sniff_id(text) == command_id


@FEW
@given(command_types, command_ids, st.dictionaries(st.text(max_size=8), json_values))
def test_a_valid_command_round_trips(kind, command_id, data):
    text = json.dumps({"type": kind, "id": command_id, "data": data}, ensure_ascii=False)
    assert read(text) == Command(kind, command_id, data)


def payload_models() -> dict[str, type[BaseModel]]:
    """Every command's payload model: the gateway's own and every installed feature's."""
    models: dict[str, type[BaseModel]] = {
        "subscribe": SubscribeData,
        "unsubscribe": UnsubscribeData,
    }
    for feature in load_features():
        models |= {name: spec.model for name, spec in feature.commands.items()}
    return models


MODELS = payload_models()


def check_payload(model: type[BaseModel], data: dict[str, Any]) -> None:
    """The payload step: validated, or `bad_request` with details naming fields only."""
    try:
        model.model_validate(data)
    except ValidationError as invalid:
        error = from_validation(invalid)
        assert_protocol_error(error)
        assert error.code == "bad_request" and error.status == 400
        reply = orjson.loads(encode_error("p", error))  # encodable, whatever the input held
        details = reply["error"]["details"]
        assert details and all(set(d) == {"field", "reason", "message"} for d in details)
        assert all(isinstance(v, str) for d in details for v in d.values())
        assert MARKER not in orjson.dumps(details).decode().replace(MARKER + "_key", "")


marked_values = st.recursive(
    json_scalars | st.just(MARKER) | st.builds(lambda n: MARKER * n, st.integers(1, 3)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


@pytest.mark.parametrize("name", sorted(MODELS))
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["forum", "text", "topic", "booth", "ticket", "exhibitor", "id"])
        | st.just(MARKER + "_key"),
        marked_values,
        max_size=5,
    )
)
def test_any_payload_is_valid_or_a_bad_request_that_echoes_no_value(name, data):
    check_payload(MODELS[name], data)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_payload_model_is_strict_and_refuses_unknown_fields(name):
    """What makes the properties above mean something: `"3"` is no number, extras are refused."""
    config = MODELS[name].model_config
    assert (config.get("strict"), config.get("extra")) == (True, "forbid")
