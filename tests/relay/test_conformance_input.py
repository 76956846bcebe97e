"""PROTOCOL.md, "anything else": a frame that is not UTF-8 text gets
``INVALID_MESSAGE``, never an internal error, whatever route it would take."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relay.events import parse_event

from tests.relay.conftest import SocketFactory
from tests.relay.harness import session_with_webs, ws_event

LONE_SURROGATE = "\ud800"  # a str no UTF-8 text frame can carry


def test_event_body_that_is_not_utf8_encodable_parses_as_no_text() -> None:
    event = ws_event("$default", "C1", body='{"type":"ping","x":"' + LONE_SURROGATE + '"}')
    assert parse_event(event).body is None


@pytest.mark.parametrize("as_envelope", [True, False], ids=["envelope", "typed"])
def test_frame_with_a_lone_surrogate_gets_invalid_message(
    open_socket: SocketFactory, session_id: str, as_envelope: bool
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    if as_envelope:
        frame = {
            "version": 1,
            "sessionId": session_id,
            "nonce": "A" * 32,
            "ciphertext": "A" * 24,
            "timestamp": 1,
            "note": LONE_SURROGATE,
        }
    else:
        frame = {"type": "ping", "note": LONE_SURROGATE}
    web.send(json.dumps(frame, ensure_ascii=False))
    assert web.new_frames() == [
        {
            "type": "error",
            "code": "INVALID_MESSAGE",
            "message": "Message must be a UTF-8 text frame",
        }
    ]
    assert cli.new_frames() == []


FIELD_NAMES = [
    "type",
    "sessionId",
    "publicKey",
    "version",
    "nonce",
    "ciphertext",
    "timestamp",
    "sinceSeq",
    "includeInactive",
    "hostname",
    "commandArgs",
]
MESSAGE_TYPES = [
    "session:create",
    "session:reconnect",
    "session:join",
    "ping",
    "state:request",
    "session:update",
    "session:leave",
    "session:list:request",
    "session:info:request",
    "session:delete:request",
]
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=80)
    | st.sampled_from([*MESSAGE_TYPES, "K7Q2ZP", "A" * 43 + "=", "A" * 32, 1]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
FRAMES = st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=6)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=FRAMES)
def test_no_frame_ends_in_an_internal_error(
    open_socket: SocketFactory, capsys: pytest.CaptureFixture[str], frame: dict[str, object]
) -> None:
    socket = open_socket(user_id="alice")
    capsys.readouterr()
    assert socket.send(json.dumps(frame)) == {"statusCode": 200}
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines() if text]
    assert line["outcome"] != "internal_error", line
