"""Frame validation: pure, no AWS."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from relay import protocol
from relay.protocol import (
    INVALID_MESSAGE,
    INVALID_PUBLIC_KEY,
    MESSAGE_TOO_LARGE,
    Envelope,
    Ping,
    ProtocolError,
    SessionCreate,
    SessionJoin,
    SessionListRequest,
    SessionUpdate,
    StateRequest,
    parse_frame,
)

from relay_client.crypto import KeyPair, seal

KEY = KeyPair().public_b64


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def envelope(**overrides: object) -> dict[str, object]:
    frame = seal(KeyPair().box_with(KEY), "K7Q2ZP", "terminal:input", "ls", 1)
    frame.update(overrides)
    return frame


def code_of(raw: str | None) -> str:
    result = parse_frame(raw)
    assert isinstance(result, ProtocolError), result
    return result.code


def test_create_with_valid_fields_parses_to_session_create() -> None:
    raw = json.dumps({"type": "session:create", "sessionId": "K7Q2ZP", "publicKey": KEY})
    assert parse_frame(raw) == SessionCreate("K7Q2ZP", KEY)


def test_envelope_keeps_the_raw_frame_for_forwarding() -> None:
    raw = json.dumps(envelope())
    assert parse_frame(raw) == Envelope(session_id="K7Q2ZP", raw=raw)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "not json",
        "{",
        "NaN",
        '{"type": "ping", "timestamp": NaN}',
        "[]",
        '"session:create"',
        "42",
        "null",
        "{}",
        '{"type": 7}',
        '{"type": "session:destroy"}',
        '{"action": "sendmessage"}',
    ],
    ids=lambda r: repr(r)[:30],
)
def test_frames_that_are_not_protocol_messages_get_invalid_message(raw: str | None) -> None:
    assert code_of(raw) == INVALID_MESSAGE


@pytest.mark.parametrize(
    "session_id",
    ["", "abc", "x" * 65, "K7Q 2P", "K7Q2ZP/", "ÄBCDEF", "K7Q2ZP\n", 123456, None, ["K7Q2ZP"]],
    ids=repr,
)
def test_session_ids_outside_the_pattern_get_invalid_message(session_id: object) -> None:
    raw = json.dumps({"type": "session:join", "sessionId": session_id, "publicKey": KEY})
    assert code_of(raw) == INVALID_MESSAGE


@pytest.mark.parametrize("session_id", ["abcd", "K7Q2ZP", "a_b-C9" * 10, "x" * 64])
def test_session_ids_inside_the_pattern_are_accepted(session_id: str) -> None:
    raw = json.dumps({"type": "session:join", "sessionId": session_id, "publicKey": KEY})
    assert parse_frame(raw) == SessionJoin(session_id, KEY)


@pytest.mark.parametrize(
    "key",
    [b64(bytes(31)), b64(bytes(33)), b64(bytes(64)), "not base64!", KEY[:-1], KEY + "AAAA", ""],
    ids=["31 bytes", "33 bytes", "64 bytes", "not base64", "truncated", "padded on", "empty"],
)
@pytest.mark.parametrize("msg_type", ["session:create", "session:reconnect", "session:join"])
def test_keys_that_are_not_32_bytes_get_invalid_public_key(msg_type: str, key: str) -> None:
    raw = json.dumps({"type": msg_type, "sessionId": "K7Q2ZP", "publicKey": key})
    assert code_of(raw) == INVALID_PUBLIC_KEY


@pytest.mark.parametrize("key", [None, 32, ["k"], {"k": 1}], ids=repr)
def test_missing_or_mistyped_key_gets_invalid_message(key: object) -> None:
    frame = {"type": "session:create", "sessionId": "K7Q2ZP"}
    if key is not None:
        frame["publicKey"] = key
    assert code_of(json.dumps(frame)) == INVALID_MESSAGE


@pytest.mark.parametrize(
    "overrides",
    [
        {"version": 2},
        {"version": "1"},
        {"version": True},
        {"sessionId": "no"},
        {"nonce": b64(bytes(23))},
        {"nonce": 5},
        {"ciphertext": "!!!"},
        {"ciphertext": b64(bytes(8))},
        {"ciphertext": None},
        {"timestamp": "yesterday"},
        {"timestamp": None},
    ],
    ids=lambda o: repr(o)[:40],
)
def test_envelopes_with_bad_fields_get_invalid_message(overrides: dict[str, object]) -> None:
    assert code_of(json.dumps(envelope(**overrides))) == INVALID_MESSAGE


def test_frames_over_128_kb_get_message_too_large() -> None:
    raw = json.dumps(envelope(ciphertext=b64(bytes(100_000))))
    assert code_of(raw) == MESSAGE_TOO_LARGE


def test_update_keeps_only_the_six_whitelisted_fields() -> None:
    raw = json.dumps(
        {
            "type": "session:update",
            "instanceId": "i-1",
            "instanceLabel": "laptop",
            "hostname": "dev",
            "command": "claude",
            "commandArgs": ["--resume"],
            "webUrl": "https://example.test/s/K7Q2ZP",
            "userId": "mallory",
            "cliConnectionId": "stolen",
            "status": "closed",
        }
    )
    result = parse_frame(raw)
    assert isinstance(result, SessionUpdate)
    assert set(result.fields) == set(protocol.UPDATE_STRING_FIELDS) | {"commandArgs"}


@pytest.mark.parametrize(
    "fields",
    [
        {"hostname": 5},
        {"hostname": "h" * 256},
        {"instanceId": ["i"]},
        {"commandArgs": "--resume"},
        {"commandArgs": [1, 2]},
        {"commandArgs": ["a"] * 257},
        {"webUrl": "u" * 2049},
    ],
    ids=lambda f: repr(f)[:40],
)
def test_update_fields_of_wrong_type_or_length_get_invalid_message(
    fields: dict[str, object],
) -> None:
    assert code_of(json.dumps({"type": "session:update", **fields})) == INVALID_MESSAGE


def test_state_request_since_seq_defaults_to_zero() -> None:
    raw = json.dumps({"type": "state:request", "sessionId": "K7Q2ZP"})
    assert parse_frame(raw) == StateRequest("K7Q2ZP", 0)


@pytest.mark.parametrize("since", [-1, 1.5, "3", True])
def test_state_request_with_bad_since_seq_gets_invalid_message(since: object) -> None:
    raw = json.dumps({"type": "state:request", "sessionId": "K7Q2ZP", "sinceSeq": since})
    assert code_of(raw) == INVALID_MESSAGE


def test_list_request_with_non_boolean_include_inactive_gets_invalid_message() -> None:
    raw = json.dumps({"type": "session:list:request", "includeInactive": "yes"})
    assert code_of(raw) == INVALID_MESSAGE


def test_list_request_include_inactive_is_optional() -> None:
    assert parse_frame('{"type": "session:list:request"}') == SessionListRequest(False)


def test_ping_without_timestamp_is_accepted() -> None:
    assert parse_frame('{"type": "ping"}') == Ping(None)


def test_ping_with_text_timestamp_gets_invalid_message() -> None:
    assert code_of('{"type": "ping", "timestamp": "now"}') == INVALID_MESSAGE


def test_deeply_nested_json_gets_invalid_message_not_a_crash() -> None:
    assert code_of("[" * 60_000 + "]" * 60_000) == INVALID_MESSAGE


# ---- no input raises ------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)
frame_like = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(sorted(protocol.MESSAGE_TYPES)) | json_values,
        "version": st.just(1) | json_values,
        "sessionId": st.just("K7Q2ZP") | json_values,
        "publicKey": st.just(KEY) | json_values,
        "nonce": json_values,
        "ciphertext": json_values,
        "timestamp": json_values,
        "sinceSeq": json_values,
        "includeInactive": json_values,
        "commandArgs": json_values,
        "hostname": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses_to_a_message_or_a_protocol_error(raw: str) -> None:
    assert isinstance(parse_frame(raw), ProtocolError | protocol.Message)


@settings(max_examples=500, deadline=None)
@given(frame_like)
def test_any_json_object_parses_to_a_message_or_a_protocol_error(frame: dict) -> None:
    assert isinstance(parse_frame(json.dumps(frame)), ProtocolError | protocol.Message)
