"""Property-based fuzzing of the ``$default`` handler, in-process against moto's
DynamoDB server and the Management API stand-in: whatever a socket sends, no
exception escapes the handler, every bad frame is answered with an ``error``, and
nobody else's session changes."""

from __future__ import annotations

import json
import uuid
from typing import Any

import message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.load.conftest import SOAK, SOAK_SIZE
from tests.relay.conftest import SocketFactory, Tables

ERROR_CODES = {
    "SESSION_NOT_FOUND",
    "SESSION_EXISTS",
    "SESSION_EXPIRED",
    "SESSION_FULL",
    "INVALID_PUBLIC_KEY",
    "INVALID_MESSAGE",
    "MESSAGE_TOO_LARGE",
    "CONNECTION_FAILED",
    "UNAUTHORIZED",
    "RATE_LIMITED",
}
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
# Requests a stranger's fresh socket may legitimately get a non-error answer to.
MAY_SUCCEED = {"ping", "session:create", "session:reconnect", "session:join"}
VICTIM_SESSION = "VICTIM01"
EXAMPLES = SOAK_SIZE.fuzz_examples if SOAK else 150

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
odd_strings = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["", " ", "\x00", "ABCDEF", VICTIM_SESSION, "../../etc", "a" * 65, "🙂" * 8]),
    st.characters(categories=["Cs"]).map(lambda c: c * 3),  # lone surrogates
    st.integers(min_value=1_000, max_value=100_000).map(lambda n: "A" * n),
    st.binary(min_size=32, max_size=32).map(lambda b: __import__("base64").b64encode(b).decode()),
)
field_values = st.one_of(odd_strings, json_values)
protocol_frames = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(MESSAGE_TYPES), st.text(max_size=20), json_values)},
    optional={
        name: field_values
        for name in (
            "sessionId",
            "publicKey",
            "timestamp",
            "sinceSeq",
            "includeInactive",
            "instanceId",
            "hostname",
            "command",
            "commandArgs",
            "webUrl",
        )
    },
)
envelope_like = st.fixed_dictionaries(
    {"version": st.one_of(st.just(1), json_values)},
    optional={name: field_values for name in ("sessionId", "nonce", "ciphertext", "timestamp")},
)
bodies = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    protocol_frames.map(json.dumps),
    envelope_like.map(json.dumps),
)


def _parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _may_succeed(body: str) -> bool:
    frame = _parsed(body)
    if not isinstance(frame, dict):
        return False
    frame_type = frame.get("type")
    return isinstance(frame_type, str) and frame_type in MAY_SUCCEED


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(body=bodies)
def test_no_frame_escapes_the_handler_and_bad_frames_get_an_error(
    open_socket: SocketFactory, tables: Tables, body: str
) -> None:
    victim = tables.session(VICTIM_SESSION)
    if victim is None:
        assert open_socket().create(VICTIM_SESSION)["type"] == "session:created"
        victim = tables.session(VICTIM_SESSION)
    stranger = open_socket(source_ip=f"203.0.113.{uuid.uuid4().int % 250 + 1}")

    response = message.handler(stranger._event("$default", body), None)

    assert response == {"statusCode": 200}
    replies = stranger.received()
    assert replies, f"no reply to {body[:200]!r}"
    errors = [r for r in replies if r.get("type") == "error"]
    if not _may_succeed(body):
        assert errors, f"no error for {body[:200]!r}: {replies}"
    for error in errors:
        assert error.get("code") in ERROR_CODES and isinstance(error.get("message"), str)
    after = tables.session(VICTIM_SESSION) or {}
    for field in ("cliConnectionId", "cliPublicKey", "userId", "createdAt"):
        assert after.get(field) == victim.get(field), field


@settings(
    max_examples=max(20, EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(st.text(max_size=200), json_values.map(json.dumps)).filter(
        lambda b: not isinstance(_parsed(b), dict)
    )
)
def test_a_frame_that_is_not_a_json_object_gets_invalid_message(
    open_socket: SocketFactory, tables: Tables, body: str
) -> None:
    stranger = open_socket()

    message.handler(stranger._event("$default", body), None)

    assert [r.get("code") for r in stranger.received()] == ["INVALID_MESSAGE"]


@settings(
    max_examples=max(30, EXAMPLES // 2),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(body=bodies, from_cli=st.booleans())
def test_frames_from_session_members_never_escape_and_errors_are_well_formed(
    open_socket: SocketFactory, tables: Tables, body: str, from_cli: bool
) -> None:
    if tables.session(MEMBER_SESSION) is None:
        members = {"cli": open_socket(), "web": open_socket()}
        assert members["cli"].create(MEMBER_SESSION)["type"] == "session:created"
        assert members["web"].join(MEMBER_SESSION)["type"] == "session:joined"
        _members[tables.names["SESSIONS_TABLE"]] = members
    sender = _members[tables.names["SESSIONS_TABLE"]]["cli" if from_cli else "web"]
    sender.new_frames()

    response = message.handler(sender._event("$default", body), None)

    assert response == {"statusCode": 200}
    for reply in sender.new_frames():
        if reply.get("type") == "error":
            assert reply.get("code") in ERROR_CODES and isinstance(reply.get("message"), str)
    if not isinstance(_parsed(body), dict):
        assert tables.session(MEMBER_SESSION) is not None


MEMBER_SESSION = "MEMBERS1"
_members: dict[str, dict[str, Any]] = {}
