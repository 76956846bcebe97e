"""The client-to-server half of the wire protocol: one raw frame in, one typed
message (or a ``ProtocolError``) out. Pure: no I/O, never raises."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

# Error codes (PROTOCOL.md, "Server -> client notices").
SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
SESSION_EXISTS = "SESSION_EXISTS"
SESSION_EXPIRED = "SESSION_EXPIRED"
SESSION_FULL = "SESSION_FULL"
INVALID_PUBLIC_KEY = "INVALID_PUBLIC_KEY"
INVALID_MESSAGE = "INVALID_MESSAGE"
MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
CONNECTION_FAILED = "CONNECTION_FAILED"
UNAUTHORIZED = "UNAUTHORIZED"
RATE_LIMITED = "RATE_LIMITED"

SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{4,64}")
PUBLIC_KEY_BYTES = 32
NONCE_BYTES = 24
MAC_BYTES = 16
ENVELOPE_VERSION = 1
MAX_FRAME_CHARS = 128 * 1024
MAX_BASE64_KEY_CHARS = 64

# session:update: the only fields ever written, with their longest allowed length.
# instanceId is the EC2 id or, off EC2, the hostname: it gets the hostname's length.
UPDATE_STRING_FIELDS: dict[str, int] = {
    "instanceId": 255,
    "instanceLabel": 256,
    "hostname": 255,
    "command": 4096,
    "webUrl": 2048,
}
UPDATE_LIST_FIELD = "commandArgs"
MAX_COMMAND_ARGS = 256
MAX_COMMAND_ARG_CHARS = 4096


@dataclass(frozen=True)
class ProtocolError:
    code: str
    message: str


@dataclass(frozen=True)
class SessionCreate:
    session_id: str
    public_key: str


@dataclass(frozen=True)
class SessionReconnect:
    session_id: str
    public_key: str


@dataclass(frozen=True)
class SessionJoin:
    session_id: str
    public_key: str


@dataclass(frozen=True)
class Envelope:
    session_id: str
    raw: str
    """The frame exactly as received: relayed without re-serialisation."""


@dataclass(frozen=True)
class Ping:
    timestamp: float | None = None


@dataclass(frozen=True)
class StateRequest:
    session_id: str
    since_seq: int = 0


@dataclass(frozen=True)
class SessionUpdate:
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionLeave:
    pass


@dataclass(frozen=True)
class SessionListRequest:
    include_inactive: bool = False


@dataclass(frozen=True)
class SessionInfoRequest:
    session_id: str


@dataclass(frozen=True)
class SessionDeleteRequest:
    session_id: str


Message = (
    SessionCreate
    | SessionReconnect
    | SessionJoin
    | Envelope
    | Ping
    | StateRequest
    | SessionUpdate
    | SessionLeave
    | SessionListRequest
    | SessionInfoRequest
    | SessionDeleteRequest
)


class _Invalid(Exception):
    """Internal: carries a ProtocolError out of nested validators."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.error = ProtocolError(code, message)


def _fail(message: str, code: str = INVALID_MESSAGE) -> _Invalid:
    return _Invalid(code, message)


def is_valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and SESSION_ID_PATTERN.fullmatch(value) is not None


def _decoded_length(text: str) -> int | None:
    try:
        return len(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return None


def is_valid_public_key(value: Any) -> bool:
    """Standard base64 of exactly 32 bytes."""
    return (
        isinstance(value, str)
        and len(value) <= MAX_BASE64_KEY_CHARS
        and _decoded_length(value) == PUBLIC_KEY_BYTES
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _session_id(obj: dict[str, Any]) -> str:
    value = obj.get("sessionId")
    if not isinstance(value, str):
        raise _fail("sessionId must be a string")
    if not is_valid_session_id(value):
        raise _fail("sessionId must be 4-64 characters of A-Z, a-z, 0-9, _ or -")
    return value


def _public_key(obj: dict[str, Any]) -> str:
    value = obj.get("publicKey")
    if not isinstance(value, str):
        raise _fail("publicKey must be a string")
    if not is_valid_public_key(value):
        raise _fail("publicKey must be base64 of 32 bytes", INVALID_PUBLIC_KEY)
    return value


def _envelope(obj: dict[str, Any], raw: str) -> Envelope:
    version = obj.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != ENVELOPE_VERSION:
        raise _fail("Unsupported envelope version")
    session_id = _session_id(obj)
    nonce = obj.get("nonce")
    if not isinstance(nonce, str) or len(nonce) > 64 or _decoded_length(nonce) != NONCE_BYTES:
        raise _fail("nonce must be base64 of 24 bytes")
    ciphertext = obj.get("ciphertext")
    size = _decoded_length(ciphertext) if isinstance(ciphertext, str) else None
    if size is None or size < MAC_BYTES:
        raise _fail("ciphertext must be base64 of a sealed box")
    if not _is_number(obj.get("timestamp")):
        raise _fail("timestamp must be a number")
    return Envelope(session_id=session_id, raw=raw)


def _update_fields(obj: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, limit in UPDATE_STRING_FIELDS.items():
        value = obj.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit:
            raise _fail(f"{name} must be a string of at most {limit} characters")
        fields[name] = value
    args = obj.get(UPDATE_LIST_FIELD)
    if args is not None:
        if (
            not isinstance(args, list)
            or len(args) > MAX_COMMAND_ARGS
            or not all(isinstance(a, str) and len(a) <= MAX_COMMAND_ARG_CHARS for a in args)
        ):
            raise _fail(
                f"commandArgs must be a list of at most {MAX_COMMAND_ARGS} strings"
                f" of at most {MAX_COMMAND_ARG_CHARS} characters"
            )
        fields[UPDATE_LIST_FIELD] = list(args)
    return fields


def _optional_bool(obj: dict[str, Any], name: str) -> bool:
    value = obj.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _fail(f"{name} must be a boolean")
    return value


def _since_seq(obj: dict[str, Any]) -> int:
    value = obj.get("sinceSeq", 0)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail("sinceSeq must be a non-negative integer")
    return value


def _ping(obj: dict[str, Any]) -> Ping:
    value = obj.get("timestamp")
    if value is not None and not _is_number(value):
        raise _fail("timestamp must be a number")
    return Ping(timestamp=value)


_TYPED_PARSERS = {
    "session:create": lambda o: SessionCreate(_session_id(o), _public_key(o)),
    "session:reconnect": lambda o: SessionReconnect(_session_id(o), _public_key(o)),
    "session:join": lambda o: SessionJoin(_session_id(o), _public_key(o)),
    "ping": _ping,
    "state:request": lambda o: StateRequest(_session_id(o), _since_seq(o)),
    "session:update": lambda o: SessionUpdate(_update_fields(o)),
    "session:leave": lambda o: SessionLeave(),
    "session:list:request": lambda o: SessionListRequest(_optional_bool(o, "includeInactive")),
    "session:info:request": lambda o: SessionInfoRequest(_session_id(o)),
    "session:delete:request": lambda o: SessionDeleteRequest(_session_id(o)),
}

MESSAGE_TYPES = frozenset(_TYPED_PARSERS)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_frame(raw: str | None) -> Message | ProtocolError:
    """Validate one client frame. Every failure is a ``ProtocolError``."""
    if raw is None:
        return ProtocolError(INVALID_MESSAGE, "Message must be a UTF-8 text frame")
    if len(raw) > MAX_FRAME_CHARS:
        return ProtocolError(MESSAGE_TOO_LARGE, "Message is larger than 128 KB")
    try:
        obj = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return ProtocolError(INVALID_MESSAGE, "Message is not valid JSON")
    if not isinstance(obj, dict):
        return ProtocolError(INVALID_MESSAGE, "Message must be a JSON object")
    try:
        if "type" not in obj:
            if "version" in obj:
                return _envelope(obj, raw)
            return ProtocolError(INVALID_MESSAGE, "Message has no type")
        msg_type = obj["type"]
        if not isinstance(msg_type, str):
            return ProtocolError(INVALID_MESSAGE, "type must be a string")
        parser = _TYPED_PARSERS.get(msg_type)
        if parser is None:
            return ProtocolError(INVALID_MESSAGE, "Unknown message type")
        return parser(obj)
    except _Invalid as invalid:
        return invalid.error
