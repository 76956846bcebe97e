"""PROTOCOL.md, "anything else": a frame that is not UTF-8 text gets
``INVALID_MESSAGE``, never an internal error, whatever route it would take."""

from __future__ import annotations

import json

import pytest
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
